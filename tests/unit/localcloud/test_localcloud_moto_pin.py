"""The local cloud refuses to start on a moto it was not built for, and says which it needs."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import moto
import pytest

from localcloud import LocalCloud, LocalCloudError
from localcloud.__main__ import main
from localcloud.moto_pin import MOTO_VERSION, PIN

ROOT = Path(__file__).resolve().parents[3]


def test_the_pin_is_the_version_the_local_cloud_expects() -> None:
    constraints = (ROOT / PIN).read_text()
    assert re.search(rf"^moto=={re.escape(MOTO_VERSION)}$", constraints, re.MULTILINE)
    assert f"moto[server]=={MOTO_VERSION}" in (ROOT / "requirements" / "dev.txt").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert f"moto[server]=={MOTO_VERSION}" in project["optional-dependencies"]["local"]


def test_another_moto_is_refused_at_start_naming_both_versions_and_the_pin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(moto, "__version__", "5.3.0")

    with pytest.raises(LocalCloudError) as refused:
        LocalCloud().start()

    message = str(refused.value)
    assert "moto 5.2.5" in message
    assert "moto 5.3.0 is installed" in message
    assert "requirements/constraints.txt" in message


def test_python_m_localcloud_says_so_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(moto, "__version__", "4.2.14")
    monkeypatch.setattr(sys, "argv", ["localcloud", "--port", "0", "--quiet"])

    with pytest.raises(SystemExit) as exited:
        main()

    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "built for moto 5.2.5 but moto 4.2.14 is installed" in error
    assert "requirements/constraints.txt" in error
