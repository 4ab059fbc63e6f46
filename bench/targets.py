"""The issue's targets, checked against a results document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.settings import (
    TARGET_COLD_START_MS,
    TARGET_ECSDROP_SHARE_MS,
    TARGET_LAYER_BYTES,
    TARGET_REDEPLOY_DEPLOY_CALLS,
    TARGET_REDEPLOY_TRANSITIONS,
)

BENCH_MINUTES = 15
# issue 13: greenfield and redeploy within 10 % of the floor AWS's own waits set
TARGET_CRITICAL_PATH_RATIO = 1.10
# issue 13: N services at once all succeed, within 1.2x the throttling floor, with at most
# half a throttled ECS call per service
TARGET_ADMISSION_RATIO = 1.2
TARGET_THROTTLED_PER_SERVICE = 0.5


@dataclass(frozen=True)
class Check:
    key: str
    target: str
    measured: str
    met: bool


def _redeploy_calls(results: dict[str, Any]) -> Check:
    calls = results["redeploy"]["deploy_api_calls"]
    return Check(
        "redeploy_deploy_calls",
        f"redeploy: at most {TARGET_REDEPLOY_DEPLOY_CALLS} ECS/EC2/ELBv2 calls",
        str(calls),
        calls <= TARGET_REDEPLOY_DEPLOY_CALLS,
    )


def _polling(results: dict[str, Any]) -> Check:
    sweep = results.get("rollout_sweep") or []
    progressive = results.get("progressive") or []
    counts = [results["redeploy"]["polling_calls"]]
    counts += [point["ecsdrop"]["polling_calls"] for point in sweep]
    counts += [rollout["polling_calls"] for rollout in progressive]
    parts = []
    if sweep:
        lengths = ", ".join(f"{point['rollout_seconds']:g}" for point in sweep)
        parts.append(f"rollouts of {lengths} s")
    if progressive:
        parts.append(f"{len(progressive)} blue/green, linear and canary rollouts")
    measured = str(max(counts)) + (f" ({'; '.join(parts)})" if parts else "")
    return Check("polling_calls", "no polling call while ECS rolls out", measured, max(counts) == 0)


def _transitions(results: dict[str, Any]) -> Check:
    transitions = results["redeploy"]["state_transitions"]
    return Check(
        "redeploy_transitions",
        f"redeploy: at most {TARGET_REDEPLOY_TRANSITIONS} state transitions",
        str(transitions),
        transitions <= TARGET_REDEPLOY_TRANSITIONS,
    )


def _cold_start(results: dict[str, Any]) -> Check:
    slowest, ms = max(results["cold_start_ms"].items(), key=lambda item: item[1])
    return Check(
        "cold_start",
        f"cold start at most {TARGET_COLD_START_MS:g} ms per function",
        f"{ms:g} ms (slowest: {slowest})",
        ms <= TARGET_COLD_START_MS,
    )


def _ecsdrop_share(results: dict[str, Any]) -> Check:
    measured = results["cold_start_lambda_ms"]
    slowest, times = max(measured.items(), key=lambda item: item[1]["ecsdrop_share"])
    return Check(
        "cold_start_lambda",
        f"Lambda cold start: ecsdrop's share at most {TARGET_ECSDROP_SHARE_MS:g} CPU ms "
        "per function",
        f"{times['ecsdrop_share']:g} ms (slowest: {slowest})",
        times["ecsdrop_share"] <= TARGET_ECSDROP_SHARE_MS,
    )


def _layer(results: dict[str, Any]) -> Check:
    size = results["layer_bytes"]
    return Check(
        "layer_bytes",
        f"layer at most {TARGET_LAYER_BYTES / 1e6:g} MB unzipped",
        f"{size / 1e6:.2f} MB",
        size <= TARGET_LAYER_BYTES,
    )


def _scale(results: dict[str, Any]) -> Check:
    runs = results["scale"]
    failed = sum(run["services"] - run["succeeded"] for run in runs)
    sizes = ", ".join(str(run["services"]) for run in runs)
    return Check(
        "scale",
        f"every service of {sizes} at once succeeds under ECS throttling",
        f"{failed} failed",
        failed == 0,
    )


def _admission(row: dict[str, Any]) -> Check:
    size = row["services"]
    ratio = row["ratio"] or 0.0
    throttled = row["throttled_calls"]
    return Check(
        f"admission_{size}",
        f"{size} services at once ({row['mode']}): all succeed, at most "
        f"{TARGET_ADMISSION_RATIO:g}x the throttling floor, at most "
        f"{TARGET_THROTTLED_PER_SERVICE:g} throttled ECS calls per service",
        f"{row['succeeded']}/{size}, {ratio:.2f}x ({row['makespan_seconds']:g} s / "
        f"{row['floor_seconds']:g} s), {throttled} throttled",
        row["succeeded"] == size
        and ratio <= TARGET_ADMISSION_RATIO
        and throttled <= TARGET_THROTTLED_PER_SERVICE * size,
    )


def _bench_time(results: dict[str, Any]) -> Check:
    seconds = results["bench_seconds"]
    return Check(
        "bench_time",
        f"`make bench` in under {BENCH_MINUTES} minutes",
        f"{seconds / 60:.1f} min",
        seconds < BENCH_MINUTES * 60,
    )


def _critical_path(scenario: str) -> Any:
    def check(results: dict[str, Any]) -> Check:
        row = results["critical_path"][scenario]
        return Check(
            f"critical_path_{scenario}",
            f"{scenario} on AWS's clock at most {TARGET_CRITICAL_PATH_RATIO:.2f}x its floor",
            f"{row['ratio']:.2f}x ({row['seconds']:g} s / {row['floor_seconds']:g} s)",
            row["ratio"] <= TARGET_CRITICAL_PATH_RATIO,
        )

    return check


def check_targets(results: dict[str, Any]) -> list[Check]:
    checks = [_redeploy_calls, _polling, _transitions, _cold_start, _layer, _scale]
    if "critical_path" in results:
        checks += [_critical_path("greenfield"), _critical_path("redeploy")]
    admission = [
        _admission(row) for row in results.get("scale_admission", []) if row["services"] > 1
    ]
    return (
        [check(results) for check in checks]
        + admission
        + [
            check(results)
            for key, check in (
                ("cold_start_lambda_ms", _ecsdrop_share),
                ("bench_seconds", _bench_time),
            )
            if key in results
        ]
    )
