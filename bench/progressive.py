"""Blue/green, linear and canary deployments (issue 16): what the pipeline calls while ECS
shifts traffic, bakes, pauses at a hook or rolls back on an alarm. ecsdrop parks on ECS's
events (and its stage reporter hook) the whole time: its polling calls must stay at 0."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import calls as api
from bench.deployments import measure
from bench.pipeline import BenchError, Pipeline, Run
from bench.settings import CLUSTER
from bench.specs import scorekeep_deploying
from ecsdrop_cli.deploy_commands import outcome
from tests.support.hooks import hook_function

Say = Callable[[str], None]
ALARM = "bench-canary-5xx"
_WATCH_SECONDS = 120.0
_LOOK_SECONDS = 0.05

CANARY = "strategy: canary\ncanary:\n  percent: 10\n  bakeTimeMinutes: 2\nbakeTimeMinutes: 1"
LINEAR = (
    "strategy: linear\nlinear:\n  stepPercent: 25\n  stepBakeTimeMinutes: 1\nbakeTimeMinutes: 1"
)
BLUE_GREEN = "strategy: blueGreen\nbakeTimeMinutes: 2\ntestListener:\n  port: 8443"
WITH_ALARM = f"{CANARY}\nalarms: [{ALARM}]"
PAUSED = f"{CANARY}\nhooks:\n  - stage: POST_PRODUCTION_TRAFFIC_SHIFT\n    pause: true"
REFUSING_HOOK = "ecsdrop-hook-bench-refuse"
REFUSED = (
    f"{BLUE_GREEN}\nhooks:\n  - stage: POST_TEST_TRAFFIC_SHIFT\n"
    f"    function: arn:aws:lambda:us-east-1:123456789012:function:{REFUSING_HOOK}"
)


@dataclass(frozen=True)
class Rollout:
    """One progressive redeploy: the strategy's settings, what ends it, what it must end as."""

    name: str
    deployment: str
    expected: str
    during: Callable[[Pipeline, str], None] | None = None
    first: str | None = None  # the first deployment's settings, when not ``deployment``


def _service_deployment(pipeline: Pipeline, service: str) -> dict[str, Any]:
    ecs = pipeline.client("ecs")
    listed = ecs.list_service_deployments(cluster=CLUSTER, service=service)["serviceDeployments"]
    if not listed:
        return {}
    arn = listed[0]["serviceDeploymentArn"]
    (found,) = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"]
    return dict(found)


def _wait(what: str, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + _WATCH_SECONDS
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(_LOOK_SECONDS)
    raise BenchError(f"the rollout never got to {what}")


def _alarm_in_canary(pipeline: Pipeline, service: str) -> None:
    """Set the deployment's alarm to ALARM once 10 % of the traffic reaches the new tasks."""

    def in_canary() -> bool:
        target = _service_deployment(pipeline, service).get("targetServiceRevision") or {}
        return target.get("requestedProductionTrafficWeight") == 10.0

    _wait("its canary step", in_canary)
    pipeline.client("cloudwatch").set_alarm_state(
        AlarmName=ALARM, StateValue="ALARM", StateReason="the bench's canary fails"
    )


def _continue_at_pause(pipeline: Pipeline, service: str) -> None:
    """Answer the pause hook as `ecsdrop continue` does, once the deployment waits at it."""

    def awaiting() -> list[dict[str, Any]]:
        hooks = _service_deployment(pipeline, service).get("lifecycleHookDetails") or []
        return [hook for hook in hooks if hook["status"] == "AWAITING_ACTION"]

    _wait("its pause hook", lambda: bool(awaiting()))
    pipeline.client("ecs").continue_service_deployment(
        serviceDeploymentArn=_service_deployment(pipeline, service)["serviceDeploymentArn"],
        hookId=awaiting()[0]["hookId"],
        action="CONTINUE",
    )


ROLLOUTS = (
    Rollout("canary", CANARY, "SUCCEEDED"),
    Rollout("linear", LINEAR, "SUCCEEDED"),
    Rollout("blueGreen", BLUE_GREEN, "SUCCEEDED"),
    Rollout("canary, alarm → rollback", WITH_ALARM, "ROLLED_BACK", _alarm_in_canary),
    Rollout("canary, pause → continue", PAUSED, "SUCCEEDED", _continue_at_pause, CANARY),
    Rollout("blueGreen, Lambda hook FAILED → rollback", REFUSED, "ROLLED_BACK", first=BLUE_GREEN),
)


def _redeploy(pipeline: Pipeline, service: str, spec: str, rollout: Rollout) -> Run:
    if rollout.during is None:
        return pipeline.deploy(service, spec)
    finished: list[Run] = []
    failed: list[BaseException] = []

    def deploy() -> None:
        try:
            finished.append(pipeline.deploy(service, spec))
        except BaseException as error:  # noqa: BLE001 - raised again below, in the caller
            failed.append(error)

    worker = threading.Thread(target=deploy, name=f"bench-{service}", daemon=True)
    worker.start()
    rollout.during(pipeline, service)
    worker.join()
    if failed:
        raise failed[0]
    return finished[0]


def _one(pipeline: Pipeline, index: int, rollout: Rollout) -> dict[str, Any]:
    service = f"bench-progressive-{index}"
    first = pipeline.deploy(
        service, scorekeep_deploying(service, rollout.first or rollout.deployment)
    )
    if first.status != "SUCCEEDED":
        raise BenchError(f"the first deployment of {service} ({rollout.name}) ended {first.status}")
    tag = f"progressive{index}"
    pipeline.push("scorekeep-api", tag, tag)
    run = _redeploy(
        pipeline, service, scorekeep_deploying(service, rollout.deployment, tag), rollout
    )
    ended = outcome(pipeline.stack, run.execution_arn, run.status, service)["status"]
    if ended != rollout.expected:
        raise BenchError(f"{rollout.name}: the redeploy ended {ended}, not {rollout.expected}")
    measured = measure(pipeline, run, service, rolled_out=False)
    deployment = _service_deployment(pipeline, service)
    return {
        "rollout": rollout.name,
        "status": ended,
        "ecs_status": deployment["status"],
        "deploy_api_calls": measured.deploy_api_calls,
        "polling_calls": measured.polling_calls,
        "calls_by_category": api.by_category(measured.aws_calls),
        "deploy_calls": {
            name: n
            for name, n in measured.aws_calls.items()
            if api.service_of(name) in api.DEPLOY_SERVICES
        },
        "state_transitions": measured.state_transitions,
        "seconds": round(measured.seconds, 3),
    }


def measure_progressive(pipeline: Pipeline, say: Say) -> list[dict[str, Any]]:
    """Each rollout of ROLLOUTS once, as an image redeploy of a service deployed with it."""
    pipeline.client("cloudwatch").put_metric_alarm(
        AlarmName=ALARM,
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    hook_function(pipeline.client, REFUSING_HOOK, {"hookStatus": "FAILED"})
    rows = []
    for index, rollout in enumerate(ROLLOUTS, start=1):
        say(f"progressive: {rollout.name}")
        rows.append(_one(pipeline, index, rollout))
    return rows
