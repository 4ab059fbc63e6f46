"""docs/performance.png: the results at a glance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.calls import CATEGORIES, by_category
from bench.settings import TARGET_COLD_START_MS


def _calls_per_deployment(axis: Any, results: dict[str, Any]) -> None:
    bars = {
        "greenfield": results["greenfield"]["aws_calls"],
        "redeploy": results["redeploy"]["aws_calls"],
        "no-op": results["noop"]["aws_calls"],
        "duplicate\nevent": results["duplicate_event"]["aws_calls"],
    }
    if results.get("peer"):
        bars["peer\nredeploy"] = results["peer"]["aws_calls"]
    bottoms = [0] * len(bars)
    for category in CATEGORIES:
        heights = [by_category(counts)[category] for counts in bars.values()]
        axis.bar(list(bars), heights, bottom=bottoms, label=category)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    axis.set_title("AWS calls per deployment")
    axis.set_ylabel("calls")
    axis.legend(fontsize="small")


def _rollout_sweep(axis: Any, results: dict[str, Any]) -> None:
    sweep = results.get("rollout_sweep") or []
    lengths = [point["rollout_seconds"] for point in sweep]
    axis.plot(lengths, [p["ecsdrop"]["deploy_api_calls"] for p in sweep], "o-", label="ecsdrop")
    if all(point.get("peer") for point in sweep):
        axis.plot(lengths, [p["peer"]["deploy_api_calls"] for p in sweep], "s-", label="ecs-deploy")
    axis.set_title("ECS calls of one redeploy vs rollout length")
    axis.set_xlabel("simulated rollout, s")
    axis.set_ylabel("ECS/EC2/ELBv2 calls")
    axis.set_ylim(bottom=0)
    axis.legend(fontsize="small")


def _scale(axis: Any, results: dict[str, Any]) -> None:
    runs = results["scale"]
    sizes = [run["services"] for run in runs]
    axis.plot(sizes, [run["seconds"] for run in runs], "o-", color="tab:blue")
    axis.set_xlabel("services submitted at once")
    axis.set_ylabel("first PUT → last end, s", color="tab:blue")
    twin = axis.twinx()
    twin.plot(sizes, [run["cost_usd"] * 100 for run in runs], "s--", color="tab:red")
    twin.set_ylabel("Step Functions cost of the batch, US cents", color="tab:red")
    axis.set_title("Scale under ECS throttling")


def _cold_starts(axis: Any, results: dict[str, Any]) -> None:
    ranked = sorted(results["cold_start_ms"].items(), key=lambda item: item[1])
    names = [name.removesuffix("Function") for name, _ in ranked]
    axis.barh(names, [ms for _, ms in ranked])
    axis.axvline(TARGET_COLD_START_MS, color="tab:red", linestyle="--", label="target")
    axis.set_title("Cold start: new process → handler ready")
    axis.set_xlabel("ms (median)")
    axis.tick_params(axis="y", labelsize="small")
    axis.legend(fontsize="small")


def draw(results: dict[str, Any], path: Path) -> None:
    import matplotlib  # noqa: PLC0415 -- bench-only dependency (requirements/bench.txt)

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: PLC0415

    figure, axes = pyplot.subplots(2, 2, figsize=(13, 9))
    _calls_per_deployment(axes[0][0], results)
    _rollout_sweep(axes[0][1], results)
    _scale(axes[1][0], results)
    _cold_starts(axes[1][1], results)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    pyplot.close(figure)
