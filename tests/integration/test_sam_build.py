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
    done = subprocess.run(
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
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

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
