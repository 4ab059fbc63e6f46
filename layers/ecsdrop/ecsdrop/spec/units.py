"""ECS's units for task size: CPU units ("1 vCPU" = 1024) and memory in MiB ("2 GB" = 2048)."""

from __future__ import annotations

import re

_CPU = re.compile(r"^\s*(?P<n>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>vcpu)?\s*$", re.IGNORECASE)
_MEMORY = re.compile(r"^\s*(?P<n>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[gm]i?b)?\s*$", re.IGNORECASE)

# Fargate's task sizes: CPU units → allowed memory in MiB.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}


def cpu_units(value: str | int) -> int | None:
    """``"1 vCPU"`` → 1024, ``"0.25 vcpu"`` → 256, ``"1024"`` → 1024; None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    match = _CPU.match(str(value))
    if not match:
        return None
    number = float(match.group("n"))
    units = number * 1024 if match.group("unit") else number
    return int(units) if units == int(units) else None


def memory_mib(value: str | int) -> int | None:
    """``"2 GB"`` → 2048, ``"512 MiB"`` → 512, ``"0.5GB"`` → 512, ``"2048"`` → 2048."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    match = _MEMORY.match(str(value))
    if not match:
        return None
    number = float(match.group("n"))
    unit = (match.group("unit") or "mb").lower()
    mib = number * 1024 if unit.startswith("g") else number
    return int(mib) if mib == int(mib) else None


def describe_cpu(units: int) -> str:
    vcpu = units / 1024
    return f"{units} ({vcpu:g} vCPU)"


def describe_memory_range(cpu: int) -> str:
    sizes = FARGATE_SIZES[cpu]
    if cpu == 256:
        return "512, 1024 or 2048 MiB"
    step = sizes[1] - sizes[0]
    return f"{sizes[0]}-{sizes[-1]} MiB in steps of {step}"
