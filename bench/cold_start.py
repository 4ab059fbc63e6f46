"""Cold start: a new process to a handler ready to serve, for every function of the template.

Laid out as Lambda lays it out: the function's CodeUri first on sys.path, then the layer
(built by layers/ecsdrop/Makefile, for this machine's platform so it can load here), then
boto3 and botocore as the runtime provides them; an isolated interpreter (`-I -S`) with the
function's Lambda environment (tracing on, as `Tracing: Active` has it in AWS).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.pipeline import BenchError
from bench.settings import COLD_START_RUNS, ROOT, TEMPLATE
from bench.stats import median
from localcloud.template.loader import load_template

CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
# What the Lambda Python runtime brings: boto3, botocore and their dependencies.
RUNTIME_PACKAGES = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "urllib3",
    "python-dateutil",
    "six",
)
# The same, as imported modules.
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six")
_PROBE = """
import sys, time
began = time.perf_counter()
sys.path[:0] = sys.argv[1].split(":")
handler = __import__("app").lambda_handler  # an import statement: -X importtime shows it
print(round((time.perf_counter() - began) * 1000, 1))
"""
_IMPORT_TIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)$")


@dataclass(frozen=True)
class LambdaLayout:
    python: Path
    layer: Path  # the built layer's python/ folder
    runtime: Path  # boto3 & co., as the runtime has them


def functions(template: Path = TEMPLATE) -> dict[str, Path]:
    """Logical id → code folder of every function built from a local folder."""
    resources = load_template(template)["Resources"]
    return {
        logical_id: ROOT / resource["Properties"]["CodeUri"]
        for logical_id, resource in sorted(resources.items())
        if resource.get("Type") == "AWS::Serverless::Function"
        and isinstance(resource.get("Properties", {}).get("CodeUri"), str)
    }


def runtime_pins(constraints: Path = CONSTRAINTS) -> list[str]:
    """The pinned versions of the runtime's packages (as the dev environment has them)."""
    pins = {}
    for line in constraints.read_text(encoding="utf-8").splitlines():
        name, _, version = line.partition("==")
        if version and name.lower() in RUNTIME_PACKAGES:
            pins[name.lower()] = f"{name}=={version.strip()}"
    return [pins[name] for name in RUNTIME_PACKAGES if name in pins]


def install_runtime(python: Path, target: Path) -> Path:
    if not (target / "boto3").is_dir():
        subprocess.run(
            [
                str(python),
                *("-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target)),
                *runtime_pins(),
            ],
            check=True,
            capture_output=True,
            env={
                **os.environ,
                "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "PIP_ROOT_USER_ACTION": "ignore",
            },
        )
    return target


def lambda_environment(function: str, code: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(code),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "_HANDLER": "app.lambda_handler",
        "POWERTOOLS_SERVICE_NAME": "ecsdrop",
        "POWERTOOLS_METRICS_NAMESPACE": "ecsdrop",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


def _probe(
    layout: LambdaLayout, function: str, code: Path, *flags: str
) -> subprocess.CompletedProcess[str]:
    folders = (code, layout.layer, layout.runtime)
    path = os.pathsep.join(str(folder.resolve()) for folder in folders)
    probed = subprocess.run(
        [str(layout.python), "-I", "-S", *flags, "-c", _PROBE, path],
        cwd=code,
        env=lambda_environment(function, code),
        capture_output=True,
        text=True,
        check=False,
    )
    if probed.returncode != 0:
        raise BenchError(f"{function} does not load:\n{probed.stderr[-2000:]}")
    return probed


def measure_once(layout: LambdaLayout, function: str, code: Path) -> tuple[float, float]:
    """(process start → handler ready, import alone) in milliseconds."""
    began = time.perf_counter()
    probed = _probe(layout, function, code)
    total = (time.perf_counter() - began) * 1000
    return total, float(probed.stdout.strip().splitlines()[-1])


def import_breakdown(layout: LambdaLayout, function: str, code: Path) -> dict[str, float]:
    """Milliseconds spent importing each top-level package (`-X importtime`)."""
    probed = _probe(layout, function, code, "-X", "importtime")
    return top_imports(probed.stderr)


@dataclass
class _Import:
    name: str
    self_us: int
    children: list[_Import]


def _import_tree(importtime_output: str) -> list[_Import]:
    """`-X importtime` prints each module after what it imported, indented by depth."""
    pending: dict[int, list[_Import]] = {}
    for line in importtime_output.splitlines():
        match = _IMPORT_TIME.match(line)
        if match is None:
            continue
        depth = (len(match[3]) - 1) // 2
        node = _Import(match[4], int(match[1]), pending.pop(depth + 1, []))
        pending.setdefault(depth, []).append(node)
    return pending.get(0, [])


def top_imports(importtime_output: str, keep: int = 10) -> dict[str, float]:
    """Import time of the handler by the package that caused it: each module's own time goes
    to the innermost third-party package above it (stdlib modules count for whoever first
    imported them; the handler's own code counts as `app`), largest first, in ms."""
    totals: dict[str, float] = {}

    def visit(node: _Import, owner: str) -> None:
        top = node.name.split(".")[0]
        if top not in sys.stdlib_module_names:
            owner = top
        totals[owner] = totals.get(owner, 0.0) + node.self_us / 1000
        for child in node.children:
            visit(child, owner)

    for root in _import_tree(importtime_output):
        if root.name == "app":
            visit(root, "app")
    ranked = sorted(totals.items(), key=lambda item: -item[1])[:keep]
    return {package: round(ms, 1) for package, ms in ranked}


def measure_cold_starts(layout: LambdaLayout, runs: int = COLD_START_RUNS) -> dict[str, Any]:
    results: dict[str, Any] = {"cold_start_ms": {}, "import_ms": {}, "top_imports_ms": {}}
    for function, code in functions().items():
        samples = [measure_once(layout, function, code) for _ in range(runs)]
        results["cold_start_ms"][function] = round(median(total for total, _ in samples), 1)
        results["import_ms"][function] = round(median(imported for _, imported in samples), 1)
        results["top_imports_ms"][function] = import_breakdown(layout, function, code)
    results["python"] = subprocess.run(
        [str(layout.python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    results["runs"] = runs
    return results


def lambda_python(preferred: str | None) -> Path:
    """The python3.13 of Lambda's runtime when there is one here, else this interpreter."""
    if preferred and Path(preferred).is_file():
        return Path(preferred)
    return Path(sys.executable)
