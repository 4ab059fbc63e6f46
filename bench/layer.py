"""The Lambda layer: built exactly as `sam build` builds it, then weighed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from bench.settings import ROOT

LAYER_SOURCE = ROOT / "layers" / "ecsdrop"
_DIST_INFO = re.compile(r"^(?P<name>.+?)-[^-]+\.dist-info$")
# Parts of the layer ecsdrop could do without, with why; each is weighed in the built layer.
REDUCTION_CANDIDATES: dict[str, tuple[str, ...]] = {
    "The X-Ray SDK and wrapt, loaded by the Tracer at every cold start": (
        "aws_xray_sdk",
        "aws_xray_sdk-*.dist-info",
        "wrapt",
        "wrapt-*.dist-info",
        "wrapt-stubs",
    ),
}


def build_layer(python: Path, artifacts: Path, *, host_platform: bool = False) -> Path:
    """Run layers/ecsdrop/Makefile's build-EcsdropLayer into ``artifacts`` with ``python`` as
    `python3`; ``host_platform`` builds wheels for this machine instead of Lambda's arm64."""
    if artifacts.exists():
        shutil.rmtree(artifacts)
    command = ["make", "-s", "-C", str(LAYER_SOURCE), "build-EcsdropLayer"]
    command.append(f"ARTIFACTS_DIR={artifacts.resolve()}")
    if host_platform:
        command.append("PLATFORM=")
    environment = {
        **os.environ,
        "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_ROOT_USER_ACTION": "ignore",
    }
    subprocess.run(command, env=environment, check=True, capture_output=True, text=True)
    return artifacts.resolve() / "python"


def tree_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def entry_group(entry: str) -> str:
    """How a top-level entry of the layer is reported: its package, or package metadata."""
    if _DIST_INFO.match(entry):
        return "(package metadata: *.dist-info)"
    return entry.removesuffix("-stubs").removesuffix(".py")


def breakdown(site: Path) -> dict[str, int]:
    """Bytes per top-level package, largest first."""
    sizes: dict[str, int] = {}
    for entry in site.iterdir():
        name = entry_group(entry.name)
        sizes[name] = sizes.get(name, 0) + tree_bytes(entry)
    return dict(sorted(sizes.items(), key=lambda item: -item[1]))


def reductions(site: Path) -> dict[str, int]:
    """Bytes each candidate reduction would save in this built layer."""
    return {
        reason: sum(tree_bytes(match) for pattern in patterns for match in site.glob(pattern))
        for reason, patterns in REDUCTION_CANDIDATES.items()
    }
