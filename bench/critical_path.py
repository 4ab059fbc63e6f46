"""The critical path on AWS's clock: greenfield, image redeploy and failed redeploy on the
local cloud's realistic profile, each against the floor AWS's own waits set.

How a run is put on AWS's clock. The local cloud compresses AWS's waits (a NAT gateway's
105 s, a load balancer's 150 s, task starts, health checks, draining, Step Functions Wait
states) by ``time_scale``: a run's wall-clock time divided by ``time_scale`` is its length on
the simulated clock, the one the cloud's timers run on. Its part that is the pipeline's own
work (the Lambda functions, EventBridge, Step Functions) took real time and is counted
1/time_scale times over: ``seconds`` is an upper bound. ``compute_seconds`` is the wall-clock
time of the states that run a Lambda function; ``compute_inflation_seconds`` what the bound
adds for them, so ``seconds - compute_inflation_seconds`` is a lower estimate (the functions
taking no time at all, the rest of the pipeline's work still counted over). The functions
are warmed by a deployment before the measured ones (the bench's cold-start section gives a
cold installation's extra cost per function).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bench.pipeline import BenchError, Pipeline, Run
from bench.settings import CRITICAL_PATH_TIME_SCALE, STACK, TEMPLATE
from bench.specs import scorekeep
from ecsdrop.spec.defaults import (
    DEREGISTRATION_DELAY_SECONDS,
    HEALTH_CHECK_INTERVAL_SECONDS,
    HEALTHY_THRESHOLD,
)
from localcloud import LocalCloud
from localcloud.clock import FAST, REALISTIC, Profile
from localcloud.ecs import breaker_threshold
from tests.support.quotas import kept_services

Say = Callable[[str], None]
SERVICE = "critical-path"
# What examples/scorekeep.yaml deploys, with the spec's defaults (docs/spec.md).
DESIRED = 2
BREAKER_THRESHOLD = breaker_threshold(DESIRED)


# -- the floors: AWS's waits alone, ecsdrop's own work taken as instant ------------------------


def _healthy_after_registration() -> float:
    return float(HEALTHY_THRESHOLD * HEALTH_CHECK_INTERVAL_SECONDS)


def greenfield_floor(profile: Profile) -> float:
    """S3 PUT to a steady service with healthy targets: the tasks need the NAT gateway (their
    images come through it) and their targets need an active load balancer; both start at
    once. Targets register when a task is ACTIVATING (provisioning + pending)."""
    registered = profile.nat_gateway_available + profile.task_provisioning + profile.task_pending
    checks_start = max(registered, profile.load_balancer_active)
    running = profile.nat_gateway_available + profile.task_start_seconds()
    return max(running, checks_start + _healthy_after_registration())


def redeploy_floor(profile: Profile) -> float:
    """A new image: the new tasks start and pass their checks, then the old ones drain (the
    deregistration delay), stop and are deprovisioned; then ECS says COMPLETED."""
    registered = profile.task_provisioning + profile.task_pending
    healthy = max(profile.task_start_seconds(), registered + _healthy_after_registration())
    return (
        healthy + DEREGISTRATION_DELAY_SECONDS + profile.task_stopping + profile.task_deprovisioning
    )


def rollback_floor(profile: Profile) -> float:
    """A new image whose tasks cannot start: each wave of DESIRED tasks fails after
    provisioning and the image pull timeout; ECS waits its launch back-off (doubling with
    each failed task) before the next wave; the circuit breaker trips at its threshold and
    the service is put back on its previous revision (instant here: the old tasks run on)."""
    failed, at, backoff = 0, 0.0, 0.0
    while True:
        at += profile.task_provisioning + profile.image_pull_timeout
        failed += DESIRED
        if failed >= BREAKER_THRESHOLD:
            return at
        for _ in range(DESIRED):
            backoff = min(
                profile.launch_backoff_max, max(profile.launch_backoff_first, backoff * 2)
            )
        at += backoff


# -- a run on AWS's clock --------------------------------------------------------------------


def _function_seconds(events: list[dict[str, Any]]) -> float:
    """Wall-clock seconds of the states that ran a Lambda function."""
    total, entered, runs_function = 0.0, None, False
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            entered, runs_function = event["timestamp"].timestamp(), False
        elif kind == "LambdaFunctionScheduled":
            runs_function = True
        elif kind.endswith("StateExited") and entered is not None:
            if runs_function:
                total += event["timestamp"].timestamp() - entered
            entered = None
    return total


def on_aws_clock(run: Run, time_scale: float) -> dict[str, float]:
    """The run's length on the local cloud's simulated clock (the module's docstring says
    what it bounds), from the spec's upload to the end of the workflow."""
    compute = _function_seconds(run.history)
    return {
        "seconds": round((run.stopped_at - run.upload.put_at) / time_scale, 1),
        "compute_seconds": round(compute, 1),
        "compute_inflation_seconds": round(compute * (1 / time_scale - 1), 1),
    }


def _row(run: Run, floor: float, time_scale: float) -> dict[str, Any]:
    measured = on_aws_clock(run, time_scale)
    return {
        **measured,
        "floor_seconds": round(floor, 1),
        "ratio": round(measured["seconds"] / floor, 2),
        "ratio_less_compute_inflation": round(
            (measured["seconds"] - measured["compute_inflation_seconds"]) / floor, 2
        ),
        "outcome": run.status,
    }


def _expect(run: Run, status: str, what: str) -> Run:
    if run.status != status:
        raise BenchError(f"critical path: the {what} ended {run.status}, not {status}")
    return run


def measure_critical_path(say: Say, time_scale: float = CRITICAL_PATH_TIME_SCALE) -> dict[str, Any]:
    say(f"critical path: the realistic profile at time scale {time_scale:g}")
    with LocalCloud(
        TEMPLATE,
        stack_name=STACK,
        profile="realistic",
        time_scale=time_scale,
        quotas=kept_services(2, load_balancers=True),
    ) as cloud:
        pipeline = Pipeline(cloud)
        pipeline.push_images("latest", "v1")
        pipeline.push("scorekeep-api", "v2", "v2")
        pipeline.push("scorekeep-api", "v3", "v3")
        cloud.profile = replace(FAST, rollout_seconds=0.5)  # warm every function, unmeasured
        _expect(pipeline.deploy("warm-up", scorekeep("warm-up")), "SUCCEEDED", "warm-up")
        cloud.profile = REALISTIC
        profile = cloud.profile
        say("critical path: greenfield")
        greenfield = _expect(
            pipeline.deploy(SERVICE, scorekeep(SERVICE)), "SUCCEEDED", "greenfield"
        )
        say("critical path: image redeploy")
        redeploy = _expect(
            pipeline.deploy(SERVICE, scorekeep(SERVICE, "v2")), "SUCCEEDED", "redeploy"
        )
        say("critical path: a redeploy whose tasks cannot start, rolled back")
        cloud.add_fault({"rollout": SERVICE, "times": 1})
        rollback = _expect(pipeline.deploy(SERVICE, scorekeep(SERVICE, "v3")), "FAILED", "rollback")
        running = pipeline.service(SERVICE)["taskDefinition"]
        if not running.endswith(":2"):
            raise BenchError(f"critical path: after the rollback the service runs {running}")
    return {
        "greenfield": _row(greenfield, greenfield_floor(profile), time_scale),
        "redeploy": _row(redeploy, redeploy_floor(profile), time_scale),
        "rollback": _row(rollback, rollback_floor(profile), time_scale),
    }
