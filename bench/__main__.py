"""`python -m bench` (what `make bench` runs): measure, then write results.json and the doc."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import settings
from bench.cold_start import (
    LambdaLayout,
    install_runtime,
    lambda_python,
    measure_cold_starts,
    measure_lambda_cold_starts,
)
from bench.critical_path import measure_critical_path
from bench.layer import breakdown, build_layer, reductions, tree_bytes
from bench.machine import describe_machine
from bench.plot import draw
from bench.report import render
from bench.runs import (
    measure_admission,
    measure_deployments,
    measure_only_progressive,
    measure_scale,
)
from localcloud.template.loader import load_template


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--peer", type=Path, help="the peer's `ecs` command (bench/.work/peer)")
    parser.add_argument("--python313", help="a python3.13 for the layer and cold starts")
    parser.add_argument("--started-at", type=float, help="epoch seconds `make bench` started")
    parser.add_argument("--runs", type=int, default=settings.RUNS)
    parser.add_argument(
        "--scale", type=int, nargs="*", default=list(settings.SCALE_SIZES), metavar="N"
    )
    parser.add_argument("--report-only", action="store_true", help="rewrite the doc only")
    parser.add_argument(
        "--only",
        choices=("cold-start", "progressive"),
        help="measure only this part, into bench/.work/<part>.json (results.json untouched)",
    )
    return parser.parse_args(argv)


def measure_layer(python: Path) -> dict[str, Any]:
    say(f"building the layer as sam build does (python {python})")
    site = build_layer(python, settings.WORK / "layer")
    saved = reductions(site)
    size = tree_bytes(site.parent)
    return {
        "layer_bytes": size,
        "layer": {
            "breakdown": breakdown(site),
            "reductions": saved,
            "bytes_after_reductions": size - sum(saved.values()),
        },
    }


def host_layout(python: Path) -> LambdaLayout:
    say("cold starts: the layer for this platform and the runtime's boto3")
    return LambdaLayout(
        python=python,
        layer=build_layer(python, settings.WORK / "layer-host", host_platform=True),
        runtime=install_runtime(python, settings.WORK / "lambda-runtime"),
    )


def measure_cold_start(python: Path) -> dict[str, Any]:
    layout = host_layout(python)
    measured = measure_cold_starts(layout)
    results = {"cold_start_ms": measured.pop("cold_start_ms"), "cold_start": measured}
    say("cold starts as Lambda runs them: read-only code, the first invocation included")
    results.update(measure_lambda_cold_starts(layout, settings.WORK / "cold-start-lambda"))
    return results


def measure_only_cold_start(python: Path) -> int:
    """`--only cold-start`: the Lambda cold starts alone, for working on them."""
    settings.WORK.mkdir(parents=True, exist_ok=True)
    layout = host_layout(python)
    measured = measure_lambda_cold_starts(layout, settings.WORK / "cold-start-lambda")
    for function, times in measured["cold_start_lambda_ms"].items():
        say(f"{function}: total {times['total']} ms, ecsdrop's share {times['ecsdrop_share']} ms")
    return write_part("cold-start", measured)


def write_part(part: str, measured: Any) -> int:
    """Write one part's figures to bench/.work/<part>.json (results.json untouched)."""
    settings.WORK.mkdir(parents=True, exist_ok=True)
    out = settings.WORK / f"{part}.json"
    out.write_text(json.dumps(measured, indent=2) + "\n", encoding="utf-8")
    say(f"wrote {out.relative_to(settings.ROOT)}")
    return 0


def run_settings(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "runs": args.runs,
        "rollout_seconds": settings.ROLLOUT_SECONDS,
        "time_scale": settings.TIME_SCALE,
        "critical_path_time_scale": settings.CRITICAL_PATH_TIME_SCALE,
        "sweep_rollout_seconds": list(settings.SWEEP_ROLLOUT_SECONDS),
        "scale_sizes": args.scale,
        "scale_rollout_seconds": settings.SCALE_ROLLOUT_SECONDS,
        "scale_time_scale": settings.SCALE_TIME_SCALE,
        "scale_workers_per_function": settings.SCALE_WORKERS_PER_FUNCTION,
        "simulated_scale_sizes": list(settings.SIMULATED_SCALE_SIZES),
        "rate_limits": settings.ECS_RATE_LIMITS,
        "price_per_transition_usd": settings.PRICE_PER_TRANSITION_USD,
        "rollout_check_seconds": rollout_check_seconds(),
    }


def rollout_check_seconds() -> int:
    """The template's default wait before the workflow checks a rollout itself."""
    parameters = load_template(settings.TEMPLATE)["Parameters"]
    return int(parameters["RolloutCheckSeconds"]["Default"])


def write(results: dict[str, Any]) -> None:
    settings.RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    draw(results, settings.PLOT)
    settings.DOC.write_text(render(results), encoding="utf-8")
    say(
        f"wrote {settings.RESULTS.relative_to(settings.ROOT)}, "
        f"{settings.DOC.relative_to(settings.ROOT)} and {settings.PLOT.relative_to(settings.ROOT)}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report_only:
        write(json.loads(settings.RESULTS.read_text(encoding="utf-8")))
        return 0
    if args.only == "cold-start":
        return measure_only_cold_start(lambda_python(args.python313))
    if args.only == "progressive":
        return write_part("progressive", measure_only_progressive(say))
    started = args.started_at or time.time()
    settings.WORK.mkdir(parents=True, exist_ok=True)
    python = lambda_python(args.python313)
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": describe_machine(),
        "settings": run_settings(args),
    }
    results.update(measure_layer(python))
    results.update(measure_cold_start(python))
    results.update(measure_deployments(args.runs, args.peer, say))
    results["critical_path"] = measure_critical_path(say)
    results["scale"] = measure_scale(args.scale, say)
    results.update(measure_admission(results["scale"], say))
    results["bench_seconds"] = round(time.time() - started, 1)
    write(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
