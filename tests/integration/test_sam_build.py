"""`sam build` turns template.yaml into deployable artifacts for the python3.13 runtime."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.template import ROOT, template

PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))


def python313_dir() -> Path | None:
    found = shutil.which("python3.13")
    if found and "shims" not in found:
        return Path(found).parent
    candidates = sorted((PYENV_ROOT / "versions").glob("3.13*/bin/python3.13"))
    return candidates[-1].parent if candidates else None


def run(command: list[str], env: dict[str, str] | None = None, timeout: int = 600) -> str:
    """Run ``command`` from the repository root; its output, after asserting it succeeded."""
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, (
        f"{' '.join(command)[-300:]}\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
    )
    return done.stdout


@pytest.mark.slow
def test_sam_build_produces_every_function_and_a_layer_without_the_runtimes_boto(
    tmp_path: Path,
) -> None:
    py313 = python313_dir()
    if py313 is None:
        pytest.skip("sam build needs a python3.13 on PATH (Lambda's python3.13 runtime)")
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{py313}{os.pathsep}{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "SAM_CLI_TELEMETRY": "0",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    build = tmp_path / "build"
    run(
        [
            str(bin_dir / "sam"),
            "build",
            "--template",
            "template.yaml",
            "--build-dir",
            str(build),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        env,
    )

    functions = [
        logical_id
        for logical_id, resource in template()["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    ]
    for logical_id in functions:
        assert (build / logical_id / "app.py").is_file(), logical_id
    layer = build / "EcsdropLayer" / "python"
    schema = layer / "ecsdrop" / "spec" / "ecsdrop-spec.schema.json"
    assert schema.is_file() and not schema.is_symlink()
    assert schema.read_text() == (ROOT / "schema" / "ecsdrop-spec.schema.json").read_text()
    for package in ("aws_lambda_powertools", "jsonschema", "yaml", "rpds"):
        assert (layer / package).is_dir(), package
    for provided_by_the_runtime in ("boto3", "botocore", "s3transfer"):
        assert not (layer / provided_by_the_runtime).exists(), provided_by_the_runtime
    binaries = list((layer / "rpds").glob("*.so"))
    assert binaries and all("aarch64" in b.name for b in binaries), binaries
    assert_compiled_for_python313(layer)


def assert_compiled_for_python313(layer: Path) -> None:
    """Every module of the layer has the bytecode Python 3.13 loads from a read-only /opt,
    hash-based and unchecked (the zip's timestamps must not invalidate it), beside its source."""
    sources = [p for p in layer.rglob("*.py") if "__pycache__" not in p.parts]
    assert any(p.parts[-2:] == ("ecsdrop", "runtime.py") for p in sources)
    missing = []
    for source in sources:
        compiled = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
        if not compiled.is_file():
            missing.append(str(source.relative_to(layer)))
            continue
        flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
        assert flags == 0b01, f"{compiled}: not an unchecked hash-based .pyc (flags {flags})"
    assert not missing, f"no .pyc for {missing[:10]}"


@pytest.mark.slow
def test_every_handler_imports_from_the_pruned_layer_alone(tmp_path: Path) -> None:
    """The layer as the Makefile builds it (for this machine's platform, to be importable
    here), plus boto3 as the runtime provides it: every function's module imports."""
    py313 = python313_dir()
    if py313 is None:
        pytest.skip("needs a python3.13 (Lambda's python3.13 runtime)")
    python = str(py313 / "python3.13")
    layer = tmp_path / "layer"
    platform = "--platform manylinux2014_x86_64 --implementation cp --python-version 3.13 " + (
        "--only-binary=:all:"
    )
    env = {**os.environ, "PATH": f"{py313}{os.pathsep}{os.environ['PATH']}"}
    run(
        [
            "make",
            "-C",
            "layers/ecsdrop",
            "build-EcsdropLayer",
            f"ARTIFACTS_DIR={layer}",
            f"PLATFORM={platform}",
        ],
        env,
    )
    assert not list((layer / "python" / "yaml").glob("_yaml*.so"))
    assert_compiled_for_python313(layer / "python")
    shipped = set(layer.rglob("*"))
    runtime = tmp_path / "runtime"  # what Lambda's python3.13 runtime brings: boto3
    boto3_pin = next(
        line.strip()
        for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines()
        if line.startswith("boto3==")
    )
    run([python, "-m", "pip", "install", "--quiet", "--target", str(runtime), boto3_pin])
    for function in sorted(p for p in (ROOT / "functions").iterdir() if p.is_dir()):
        path = [str(function), str(layer / "python"), str(runtime)]
        run(
            [python, "-s", "-c", f"import sys; sys.path[:0] = {path!r}; import app"],
            {
                "PATH": os.environ["PATH"],
                "AWS_REGION": "us-east-1",
                "POWERTOOLS_SERVICE_NAME": "ecsdrop",
                "POWERTOOLS_TRACE_DISABLED": "true",
            },
            timeout=120,
        )
    # Python writes bytecode for what it had to compile: nothing, when the layer's was used.
    written = sorted(str(p.relative_to(layer)) for p in set(layer.rglob("*")) - shipped)
    assert not written, f"importing the handlers compiled layer modules again: {written[:10]}"
