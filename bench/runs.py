"""The runs on the local cloud: deployments side by side with the peer, then scale."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.admission_sim import simulate
from bench.deployments import SCENARIOS, Measured, measure, one_round, overhead, summarize
from bench.peer import PeerRun, expect_success, peer_command, run_peer, summarize_peer
from bench.pipeline import BenchError, Pipeline, local_cloud
from bench.progressive import ROLLOUTS, measure_progressive
from bench.scale import admission_rows, run_size, shared_vpc
from bench.settings import (
    REGISTRY,
    ROLLOUT_SECONDS,
    SCALE_ROLLOUT_SECONDS,
    SCALE_TIME_SCALE,
    SCALE_WORKERS_PER_FUNCTION,
    SIMULATED_SCALE_SIZES,
    SWEEP_ROLLOUT_SECONDS,
    TIME_SCALE,
)
from bench.specs import scorekeep
from tests.support.quotas import kept_services

Say = Callable[[str], None]
PEER_SERVICE = "peer-target"
PEER_CONTAINER = "scorekeep-api"


def _api_image(tag: str) -> str:
    return f"{REGISTRY}/scorekeep-api:{tag}"


def _rounds(pipeline: Pipeline, runs: int, say: Say) -> dict[str, list[Measured]]:
    pipeline.push_images("latest", "v1")
    pipeline.push("scorekeep-api", "v2", "v2")
    measured: dict[str, list[Measured]] = {scenario: [] for scenario in SCENARIOS}
    for index in range(1, runs + 1):
        say(f"round {index}/{runs}: greenfield, redeploy, no-op, duplicate event")
        for scenario, result in one_round(pipeline, f"bench-{index}", "v2").items():
            measured[scenario].append(result)
    return measured


def _peer_runs(pipeline: Pipeline, ecs: Path, runs: int, say: Say) -> list[PeerRun]:
    say(f"peer: {runs} image redeploys of {PEER_SERVICE} with ecs-deploy")
    first = pipeline.deploy(PEER_SERVICE, scorekeep(PEER_SERVICE))
    if first.status != "SUCCEEDED":
        raise BenchError(f"ecsdrop could not deploy {PEER_SERVICE}: {first.status}")
    results = []
    for index in range(1, runs + 1):
        tag = f"peer{index}"
        pipeline.push("scorekeep-api", tag, tag)
        run = run_peer(ecs, pipeline, PEER_SERVICE, PEER_CONTAINER, _api_image(tag))
        results.append(expect_success(run))
    return results


def _sweep(pipeline: Pipeline, ecs: Path | None, say: Say) -> list[dict[str, Any]]:
    points = []
    for seconds in SWEEP_ROLLOUT_SECONDS:
        say(f"rollout of {seconds:g} s: one redeploy each")
        pipeline.cloud.rollout_seconds = seconds
        tag = f"sweep{seconds:g}"
        pipeline.push("scorekeep-api", tag, tag)
        run = pipeline.deploy("bench-1", scorekeep("bench-1", tag))
        ours = measure(pipeline, run, "bench-1", rolled_out=True)
        point: dict[str, Any] = {
            "rollout_seconds": seconds,
            "ecsdrop": _sweep_point(ours.deploy_api_calls, ours.polling_calls, ours.seconds),
        }
        if ecs is not None:
            peer = expect_success(
                run_peer(ecs, pipeline, PEER_SERVICE, PEER_CONTAINER, _api_image(tag))
            )
            point["peer"] = _sweep_point(peer.deploy_api_calls, peer.polling_calls, peer.seconds)
        points.append(point)
    pipeline.cloud.rollout_seconds = ROLLOUT_SECONDS
    return points


def _sweep_point(calls: int, polling: int, seconds: float) -> dict[str, Any]:
    return {"deploy_api_calls": calls, "polling_calls": polling, "seconds": round(seconds, 3)}


def measure_deployments(runs: int, ecs: Path | None, say: Say) -> dict[str, Any]:
    say(f"local cloud: rollouts of {ROLLOUT_SECONDS:g} s, {runs} runs of each deployment")
    with local_cloud(
        time_scale=TIME_SCALE,
        rollout_seconds=ROLLOUT_SECONDS,
        # bench-1..runs, the peer's service and the progressive rollouts' services, all kept
        quotas=kept_services(runs + 1 + len(ROLLOUTS)),
    ) as cloud:
        pipeline = Pipeline(cloud)
        measured = _rounds(pipeline, runs, say)
        results: dict[str, Any] = {name: summarize(items) for name, items in measured.items()}
        results["overhead_seconds"] = overhead(measured["redeploy"])
        peer_ecs = ecs if ecs is not None and ecs.is_file() else None
        if peer_ecs is None:
            results["peer"] = None
            results["peer_error"] = f"The peer's `ecs` command was not found ({ecs})."
        else:
            peer_runs = _peer_runs(pipeline, peer_ecs, runs, say)
            command = peer_command(peer_ecs, PEER_SERVICE, PEER_CONTAINER, _api_image("TAG"))
            results["peer"] = summarize_peer(peer_runs, results["redeploy"], peer_ecs, command)
        results["rollout_sweep"] = _sweep(pipeline, peer_ecs, say)
        results["progressive"] = measure_progressive(pipeline, say)
    return results


def measure_only_progressive(say: Say) -> list[dict[str, Any]]:
    """`--only progressive`: the blue/green, linear and canary rollouts alone."""
    with local_cloud(
        time_scale=TIME_SCALE, rollout_seconds=ROLLOUT_SECONDS, quotas=kept_services(len(ROLLOUTS))
    ) as cloud:
        pipeline = Pipeline(cloud)
        pipeline.push_images("latest", "v1")
        return measure_progressive(pipeline, say)


def measure_scale(sizes: list[int], say: Say) -> list[dict[str, Any]]:
    results = []
    with local_cloud(
        time_scale=SCALE_TIME_SCALE,
        rollout_seconds=SCALE_ROLLOUT_SECONDS,
        max_workers_per_function=SCALE_WORKERS_PER_FUNCTION,
    ) as cloud:
        pipeline = Pipeline(cloud)
        pipeline.push_images("latest", "v1")
        vpc = shared_vpc(pipeline)
        for size in sizes:
            say(f"scale: {size} services at once under ECS throttling")
            results.append(run_size(pipeline, vpc, size))
            done = results[-1]
            say(f"scale: {size} -> {done['succeeded']} succeeded in {done['seconds']} s")
    return results


def measure_admission(scale: list[dict[str, Any]], say: Say) -> dict[str, Any]:
    """`scale_admission`: the measured runs against their floor, then the simulated sizes;
    `scale_without_admission`: the same simulation with retries alone (the cliff before)."""
    rows = admission_rows(scale)
    baseline = []
    for size in SIMULATED_SCALE_SIZES:
        say(f"scale: {size} services at once, simulated")
        rows.append(simulate(size))
        baseline.append(simulate(size, admit=False))
        done, before = rows[-1], baseline[-1]
        say(
            f"scale: {size} -> {done['succeeded']} succeeded in {done['makespan_seconds']} s "
            f"(without admission: {before['succeeded']})"
        )
    return {"scale_admission": rows, "scale_without_admission": baseline}
