"""Before/after of one cold-start lever on a shared, noisy machine: two builds of the layer (or
two function folders), each function's Lambda cold start measured alternately in both, so
that a load spike hits both sides alike; medians of each side and of the paired differences,
in wall-clock and in CPU milliseconds (the process's own user + system time, which the other
work on the machine disturbs far less).

    python -m bench.cold_start_ab BEFORE_LAYER AFTER_LAYER [--functions-before DIR]
        [--functions-after DIR] [--runs N] [FunctionLogicalId ...]

A layer is a built layer's python/ folder (bench.layer.build_layer, host platform). The
runtime's boto3 and the interpreter are those of bench/.work (as `--only cold-start` has them).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.cold_start import (
    LambdaLayout,
    ReadOnlyLayout,
    files_under,
    functions,
    install_runtime,
    lambda_python,
    read_only_layout,
    run_probe,
)
from bench.first_events import SPEC, first_events
from bench.lambda_env import template_variables
from bench.pipeline import BenchError
from bench.settings import TEMPLATE, WORK
from bench.stats import median
from localcloud.template.loader import load_template


def _layout(python: Path, layer: Path, code: Path | None, target: Path) -> ReadOnlyLayout:
    layout = LambdaLayout(python, layer.resolve(), install_runtime(python, WORK / "lambda-runtime"))
    return read_only_layout(layout, target, code)


def _one(
    layout: ReadOnlyLayout, function: str, event: dict[str, Any], work: Path
) -> tuple[float, float]:
    """(wall-clock, CPU) milliseconds of one cold start."""
    code = functions()[function]
    spec: dict[str, Any] = {"mode": "function", "event": event}
    if function == "LoadSpecFunction":
        spec["validate"] = [event["input"]["detail"]["object"]["key"], SPEC.read_text("utf-8")]
    measured, _ = run_probe(layout, function, code, spec, work)
    if measured["first_call"] is None:
        raise BenchError(f"{function} returned without calling AWS")
    return float(measured["total_ms"]), float(measured["cpu_ms"])


def compare(
    before: ReadOnlyLayout, after: ReadOnlyLayout, names: list[str], runs: int, work: Path
) -> dict[str, dict[str, float]]:
    events = first_events(template_variables(load_template(TEMPLATE), "LoadSpecFunction"))
    compared: dict[str, dict[str, float]] = {}
    for function in names:
        pairs = [
            (
                _one(before, function, events[function], work),
                _one(after, function, events[function], work),
            )
            for _ in range(runs)
        ]
        compared[function] = {}
        for index, kind in enumerate(("wall", "cpu")):
            before_ms = [b[index] for b, _ in pairs]
            after_ms = [a[index] for _, a in pairs]
            compared[function] |= {
                f"{kind}_before_ms": round(median(before_ms), 1),
                f"{kind}_after_ms": round(median(after_ms), 1),
                f"{kind}_saved_ms": round(
                    median(b - a for b, a in zip(before_ms, after_ms, strict=True)), 1
                ),
            }
        print(function, json.dumps(compared[function]), flush=True)
    return compared


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start_ab", description=__doc__)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--functions-before", type=Path)
    parser.add_argument("--functions-after", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python313")
    parser.add_argument("names", nargs="*")
    args = parser.parse_intermixed_args(argv)
    python = lambda_python(args.python313)
    work = WORK / "cold-start-ab"
    before = _layout(python, args.before, args.functions_before, work / "before")
    after = _layout(python, args.after, args.functions_after, work / "after")
    snapshot = files_under(work / "before") | files_under(work / "after")
    (work / "probes").mkdir(parents=True, exist_ok=True)
    compare(before, after, args.names or list(functions()), args.runs, work / "probes")
    if files_under(work / "before") | files_under(work / "after") != snapshot:
        raise BenchError("a cold start wrote into the read-only code")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
