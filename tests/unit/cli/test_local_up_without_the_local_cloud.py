"""`ecsdrop local up` where the local cloud cannot run: its packages (the `local` extra) are not
installed, or there is no checkout whose template it would deploy. Each is a usage error
(exit 2) saying what to do; a module of ours that is missing stays a bug (exit 3)."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pytest

from ecsdrop_cli import local_commands, main


def import_failing_with(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    """Importing the local cloud fails as it does where `missing` is not installed."""
    real_import = builtins.__import__

    def importing(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.partition(".")[0] == "localcloud":
            raise ModuleNotFoundError(f"No module named {missing!r}", name=missing)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", importing)


@pytest.mark.parametrize("missing", ["moto", "samtranslator", "flask"])
def test_without_the_local_extra_local_up_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    import_failing_with(monkeypatch, missing)

    code = main.main(["local", "up", "--port", "0", "--quiet"])

    assert code == 2
    assert capsys.readouterr().err == (
        "ecsdrop local up: the local cloud needs packages this installation lacks (no module "
        f"named {missing!r}); install them with: pip install 'ecsdrop[local]'\n"
    )


def test_a_missing_module_of_the_local_cloud_itself_stays_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import_failing_with(monkeypatch, "localcloud.cloud")

    code = main.main(["local", "up", "--port", "0", "--quiet"])

    assert code == 3
    assert "internal error: ModuleNotFoundError" in capsys.readouterr().err


def test_without_a_checkout_local_up_asks_for_one_or_for_a_template(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(local_commands, "ROOT", tmp_path)
    monkeypatch.setattr(local_commands, "TEMPLATE", tmp_path / "template.yaml")

    code = main.main(["local", "up", "--port", "0", "--quiet"])

    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith(f"ecsdrop local up: no template.yaml at {tmp_path}: ")
    assert "Run it from a checkout" in error
    assert error.endswith("or pass --template CHECKOUT/template.yaml\n")


def test_with_another_moto_local_up_names_both_versions_and_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import moto

    monkeypatch.setattr(moto, "__version__", "5.3.0")

    code = main.main(["local", "up", "--port", "0", "--quiet"])

    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith("ecsdrop local up: the local cloud is built for moto 5.2.5 but ")
    assert "moto 5.3.0 is installed" in error
    assert error.rstrip().endswith("pip install 'ecsdrop[local]' installs the right one")
