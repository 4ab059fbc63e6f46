"""Cold start: a new process to a handler ready to serve, for every function of the template.

Laid out as Lambda lays it out: the function's CodeUri first on sys.path, then the layer
(built by layers/ecsdrop/Makefile, for this machine's platform so it can load here), then
boto3 and botocore as the runtime provides them; an isolated interpreter (`-I -S`) with the
function's Lambda environment (tracing on, as `Tracing: Active` has it in AWS).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.first_events import SPEC, first_events
from bench.lambda_env import template_variables
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


def _by_package(roots: list[tuple[_Import, str]], keep: int) -> dict[str, float]:
    """Each module's own time goes to the innermost third-party package above it (stdlib
    modules count for whoever first imported them, a root for the owner it is given), largest
    first, in ms."""
    totals: dict[str, float] = {}

    def visit(node: _Import, owner: str) -> None:
        top = node.name.split(".")[0]
        if top not in sys.stdlib_module_names:
            owner = top
        totals[owner] = totals.get(owner, 0.0) + node.self_us / 1000
        for child in node.children:
            visit(child, owner)

    for root, owner in roots:
        visit(root, owner)
    ranked = sorted(totals.items(), key=lambda item: -item[1])[:keep]
    return {package: round(ms, 1) for package, ms in ranked}


def top_imports(importtime_output: str, keep: int = 10) -> dict[str, float]:
    """Import time of the handler by the package that caused it (the handler's own code
    counts as `app`)."""
    roots = [(root, "app") for root in _import_tree(importtime_output) if root.name == "app"]
    return _by_package(roots, keep)


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


# -- as Lambda runs it: read-only code, no bytecode written, the first invocation included ----

PROBE = Path(__file__).with_name("lambda_probe.py")
# What Lambda's runtime adds to the environment of a traced function's invocation: its role's
# credentials (dummies: nothing is sent) and the X-Ray trace header and daemon address, so the
# Tracer records its segments as it does in AWS (they go to a UDP port nobody reads).
LAMBDA_RUNTIME_VARIABLES = {
    "AWS_ACCESS_KEY_ID": "ASIABENCHCOLDSTART00",
    "AWS_SECRET_ACCESS_KEY": "bench-cold-start-secret-access-key-000000",
    "AWS_SESSION_TOKEN": "bench-cold-start-session-token",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "_X_AMZN_TRACE_ID": (
        "Root=1-6767b5a0-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1"
    ),
}


@dataclass(frozen=True)
class ReadOnlyLayout:
    """Copies of the function folders, the layer and the runtime, write-protected, as Lambda
    mounts /var/task and /opt read-only; the function folders without bytecode, as `sam build`
    packages them (the layer with whatever bytecode its Makefile ships)."""

    python: Path
    functions: Path
    layer: Path
    runtime: Path

    def path(self, code: Path) -> list[str]:
        return [str(self.functions / code.name), str(self.layer), str(self.runtime)]


def _no_bytecode(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name == "__pycache__" or name.endswith(".pyc")]


def read_only_layout(
    layout: LambdaLayout, target: Path, function_folders: Path | None = None
) -> ReadOnlyLayout:
    """Write-protected copies under ``target``; the functions' folders from
    ``function_folders`` (a checkout's functions/) or the template's."""
    if target.exists():
        subprocess.run(["chmod", "-R", "u+w", str(target)], check=True)
        shutil.rmtree(target)
    copied = ReadOnlyLayout(
        layout.python, target / "functions", target / "layer", target / "runtime"
    )
    for code in functions().values():
        source = function_folders / code.name if function_folders else code
        shutil.copytree(source, copied.functions / code.name, ignore=_no_bytecode)
    shutil.copytree(layout.layer, copied.layer, symlinks=True)
    shutil.copytree(layout.runtime, copied.runtime, symlinks=True)
    subprocess.run(["chmod", "-R", "a-w", str(target)], check=True)
    return copied


def files_under(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def run_probe(
    layout: ReadOnlyLayout,
    function: str,
    code: Path,
    spec: dict[str, Any],
    work: Path,
    *flags: str,
) -> tuple[dict[str, Any], str]:
    """The probe's measurement and its stderr (where `-X importtime` writes)."""
    spec_file = work / f"{function}-{spec['mode']}.json"
    spec_file.write_text(json.dumps({**spec, "path": layout.path(code)}), encoding="utf-8")
    environment = {
        **lambda_environment(function, code),
        "LAMBDA_TASK_ROOT": str(layout.functions / code.name),
        **template_variables(load_template(TEMPLATE), function),
        **LAMBDA_RUNTIME_VARIABLES,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [str(layout.python), "-I", "-S", "-B", *flags, str(PROBE), str(spec_file)]
    started = time.monotonic()
    probed = subprocess.run(
        [*command, repr(started)],
        cwd=layout.functions / code.name,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if probed.returncode != 0:
        raise BenchError(f"{function} ({spec['mode']}) failed:\n{probed.stderr[-3000:]}")
    measured: dict[str, Any] = json.loads(probed.stdout.strip().splitlines()[-1])
    return measured, probed.stderr


def package_import_times(importtime_output: str, keep: int = 8) -> dict[str, float]:
    """Like top_imports, over everything the process imported (the probe imports botocore
    before the handler, LoadSpec imports the validator when it validates); modules of the
    standard library imported by nothing else count as `python`."""
    return _by_package([(root, "python") for root in _import_tree(importtime_output)], keep)


def measure_lambda_cold_start(
    layout: ReadOnlyLayout,
    function: str,
    code: Path,
    event: dict[str, Any],
    *,
    runs: int,
    work: Path,
) -> dict[str, Any]:
    """Medians of ``runs`` cold starts of ``function`` and of as many baselines (`import boto3`
    and the clients the function created, in the same layout), interleaved: ``total`` in
    wall-clock ms, ecsdrop's share (total minus the baseline) in CPU ms."""
    spec: dict[str, Any] = {"mode": "function", "event": event}
    if function == "LoadSpecFunction":
        spec["validate"] = [event["input"]["detail"]["object"]["key"], SPEC.read_text("utf-8")]
    totals, baselines, cpu, cpu_baselines, first = [], [], [], [], None
    for _ in range(runs):
        measured, _ = run_probe(layout, function, code, spec, work)
        if measured["first_call"] is None:
            raise BenchError(f"{function} returned without calling AWS: nothing to stop at")
        first = first or measured
        baseline, _ = run_probe(
            layout, function, code, {"mode": "baseline", "clients": measured["clients"]}, work
        )
        totals.append(measured["total_ms"])
        baselines.append(baseline["total_ms"])
        cpu.append(measured["cpu_ms"])
        cpu_baselines.append(baseline["cpu_ms"])
    assert first is not None
    _, importtime = run_probe(layout, function, code, spec, work, "-X", "importtime")
    total, baseline_ms = median(totals), median(baselines)
    return {
        "total": round(total, 1),
        # CPU ms: on a shared machine the difference of two wall-clock medians is mostly the
        # other work's load (it came out negative); a cold start before its first call is
        # CPU-bound, so on an idle core its CPU time is its wall-clock time.
        "ecsdrop_share": round(median(cpu) - median(cpu_baselines), 1),
        "boto3_and_clients": round(median(cpu_baselines), 1),
        "cpu_total": round(median(cpu), 1),
        "wall_ecsdrop_share": round(total - baseline_ms, 1),
        "wall_boto3_and_clients": round(baseline_ms, 1),
        "clients": first["clients"],
        "stopped_at": first["first_call"],
        "validate_ms": round(first["validate_ms"], 1) if spec.get("validate") else None,
        "import_ms_by_package": package_import_times(importtime),
    }


def measure_lambda_cold_starts(
    layout: LambdaLayout, work: Path, runs: int = COLD_START_RUNS
) -> dict[str, Any]:
    """`cold_start_lambda_ms` and its details, every function of the template."""
    read_only = read_only_layout(layout, work / "read-only")
    before = files_under(read_only.functions.parent)
    probes = work / "probes"
    probes.mkdir(parents=True, exist_ok=True)
    found = functions()
    events = first_events(template_variables(load_template(TEMPLATE), "LoadSpecFunction"))
    details = {
        function: measure_lambda_cold_start(
            read_only, function, code, events[function], runs=runs, work=probes
        )
        for function, code in found.items()
    }
    written = sorted(str(p) for p in files_under(read_only.functions.parent) - before)
    if written:
        raise BenchError(f"a cold start wrote into the read-only code: {written[:5]}")
    return {
        "cold_start_lambda_ms": {
            function: {key: detail[key] for key in ("total", "ecsdrop_share")}
            for function, detail in details.items()
        },
        "cold_start_lambda": {"functions": details, "runs": runs},
    }
