"""ECS's task-size units: CPU units and MiB, as people write them."""

from __future__ import annotations

import pytest

from ecsdrop.spec.units import (
    FARGATE_SIZES,
    cpu_units,
    describe_cpu,
    describe_memory_range,
    memory_mib,
)


@pytest.mark.parametrize(
    ("written", "units"),
    [
        ("256", 256),
        (1024, 1024),
        ("1 vCPU", 1024),
        ("1vcpu", 1024),
        ("0.25 vCPU", 256),
        (" 2 VCPU ", 2048),
        ("16 vCPU", 16384),
        ("0.1 vCPU", None),
        ("0.5", None),
        ("1 core", None),
        ("", None),
        (True, None),
    ],
)
def test_cpu_units_read_units_and_vcpus(written: str | int, units: int | None) -> None:
    assert cpu_units(written) == units


@pytest.mark.parametrize(
    ("written", "mib"),
    [
        ("512", 512),
        (2048, 2048),
        ("2 GB", 2048),
        ("2GiB", 2048),
        ("0.5GB", 512),
        ("512 MiB", 512),
        ("512 mb", 512),
        ("120 GB", 122880),
        ("0.3 GB", None),
        ("2 TB", None),
        ("lots", None),
        (False, None),
    ],
)
def test_memory_mib_reads_mib_and_gb(written: str | int, mib: int | None) -> None:
    assert memory_mib(written) == mib


def test_describe_cpu_shows_units_and_vcpus() -> None:
    assert describe_cpu(256) == "256 (0.25 vCPU)"
    assert describe_cpu(16384) == "16384 (16 vCPU)"


@pytest.mark.parametrize(
    ("cpu", "described"),
    [
        (256, "512, 1024 or 2048 MiB"),
        (512, "1024-4096 MiB in steps of 1024"),
        (1024, "2048-8192 MiB in steps of 1024"),
        (2048, "4096-16384 MiB in steps of 1024"),
        (4096, "8192-30720 MiB in steps of 1024"),
        (8192, "16384-61440 MiB in steps of 4096"),
        (16384, "32768-122880 MiB in steps of 8192"),
    ],
)
def test_describe_memory_range_matches_fargates_table(cpu: int, described: str) -> None:
    assert describe_memory_range(cpu) == described


def test_fargate_sizes_are_the_published_table() -> None:
    assert list(FARGATE_SIZES) == [256, 512, 1024, 2048, 4096, 8192, 16384]
    assert FARGATE_SIZES[256] == (512, 1024, 2048)
    assert FARGATE_SIZES[512] == (1024, 2048, 3072, 4096)
    assert len(FARGATE_SIZES[4096]) == 23
    assert FARGATE_SIZES[8192][:2] == (16384, 20480)
    assert FARGATE_SIZES[16384][-2:] == (114688, 122880)
