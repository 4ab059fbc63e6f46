"""`ecsdrop --version`: the version pyproject.toml gives the package, its one home."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

Ecsdrop = Callable[..., Any]


def test_version_prints_the_version_pyproject_gives_and_exits_0(
    ecsdrop: Ecsdrop, repo_root: Path
) -> None:
    pyproject = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))

    run = ecsdrop("--version")

    assert run.code == 0, run.stderr
    assert run.stdout == f"ecsdrop {pyproject['project']['version']}\n"
