"""The package as pip installs it from a wheel, into fresh virtualenvs: `pip install ecsdrop`
is the command line without the local cloud's packages, and `ecsdrop local up` then says how to
add them; `pip install 'ecsdrop[local]'` adds them, and its local cloud deploys a checkout's
template. The wheel ships no SAM app: without a checkout, `local up` asks for one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.cli.conftest import free_port, start, stop

REPO_ROOT = Path(__file__).resolve().parents[3]
CONSTRAINTS = REPO_ROOT / "requirements" / "constraints.txt"
INSTALL_HINT = "pip install 'ecsdrop[local]'"
PIP_SECONDS = 300

pytestmark = pytest.mark.slow


def run(
    command: list[str | Path], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``command`` run in ``cwd`` without this session's PYTHONPATH or VIRTUAL_ENV. The
    virtualenvs' commands run in tmp_path, where nothing of the checkout is importable."""
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def succeeded(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, (
        f"{' '.join(done.args)}\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
    )
    return done.stdout


def source_tree(destination: Path) -> Path:
    """The files git would commit (tracked, or new and not ignored), symlinks followed: a
    wheel built from the checkout itself would leave build/ in it."""
    listed = succeeded(
        run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO_ROOT)
    )
    for name in filter(None, listed.split("\0")):
        origin = REPO_ROOT / name
        if origin.is_file():  # a tracked file deleted in the work tree is not part of it
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, destination / name)
    return destination


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("the wheel is built from the files git lists")
    source = source_tree(tmp_path_factory.mktemp("source"))
    wheels = tmp_path_factory.mktemp("wheels")
    succeeded(
        run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, source],
            wheels,
            timeout=PIP_SECONDS,
        )
    )
    (built,) = wheels.glob("ecsdrop-*.whl")
    return built


def virtualenv(folder: Path, requirement: str) -> Path:
    """A fresh virtualenv with ``requirement`` installed at the pinned versions; its bin/."""
    succeeded(run([sys.executable, "-m", "venv", folder], folder.parent))
    python = folder / "bin" / "python"
    succeeded(
        run(
            [python, "-m", "pip", "install", "-q", "-c", CONSTRAINTS, requirement],
            folder.parent,
            timeout=PIP_SECONDS,
        )
    )
    return folder / "bin"


def test_pip_install_ecsdrop_is_the_command_line_without_the_local_cloud(
    wheel: Path, tmp_path: Path
) -> None:
    bin_dir = virtualenv(tmp_path / "venv", str(wheel))

    assert "validate" in succeeded(run([bin_dir / "ecsdrop", "--help"], tmp_path))
    spec = REPO_ROOT / "examples" / "scorekeep.yaml"
    succeeded(run([bin_dir / "ecsdrop", "validate", spec], tmp_path))
    no_moto = run([bin_dir / "python", "-c", "import moto"], tmp_path)
    assert no_moto.returncode != 0
    assert "No module named 'moto'" in no_moto.stderr

    up = run([bin_dir / "ecsdrop", "local", "up", "--port", "0", "--quiet"], tmp_path)

    assert up.returncode == 2, up.stdout + up.stderr
    assert up.stderr.startswith("ecsdrop local up: the local cloud needs packages")
    assert INSTALL_HINT in up.stderr
    assert "Traceback" not in up.stderr


def test_pip_install_the_local_extra_adds_a_local_cloud_that_deploys_a_checkouts_template(
    wheel: Path, tmp_path: Path
) -> None:
    bin_dir = virtualenv(tmp_path / "venv", f"{wheel}[local]")

    succeeded(run([bin_dir / "python", "-c", "import moto, samtranslator, localcloud"], tmp_path))
    no_checkout = run([bin_dir / "ecsdrop", "local", "up", "--port", "0", "--quiet"], tmp_path)
    assert no_checkout.returncode == 2, no_checkout.stdout + no_checkout.stderr
    assert "or pass --template CHECKOUT/template.yaml" in no_checkout.stderr

    template = REPO_ROOT / "template.yaml"
    process, endpoint = start(
        [
            str(bin_dir / "ecsdrop"),
            "local",
            "up",
            "--template",
            str(template),
            "--port",
            str(free_port()),
            "--quiet",
        ]
    )
    stop(process)

    assert endpoint.startswith("http://127.0.0.1:")
    assert process.returncode == 0, "Ctrl-C / SIGTERM should stop it cleanly"
