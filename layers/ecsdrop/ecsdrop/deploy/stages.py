"""The stages of a blue/green, linear or canary deployment, announced as ECS reaches them.

ECS emits no event per lifecycle stage; it invokes a deployment's Lambda lifecycle hooks at
their stages, with the traffic weights of each revision. ecsdrop renders one hook of its own
into every progressive deployment (``render.stage_reporter_hook``): the RolloutStages
function, invoked at the stages below, publishes a ROLLING_OUT event (which the notifier posts)
for the ecsdrop run in progress, and always answers SUCCEEDED, so that a report never holds
or fails a deployment. ECS invokes PRODUCTION_TRAFFIC_SHIFT hooks at every step of a linear or
canary shift, so each step is announced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecsdrop.aws.bucket import SpecBucket
from ecsdrop.aws.events import EventPublisher
from ecsdrop.observability import logger
from ecsdrop.states import IN_PROGRESS, ROLLING_OUT

SUCCEEDED_ANSWER = {"hookStatus": "SUCCEEDED"}
# the fields of the run's status object the announcement carries over (docs/events.md)
_RUN_FIELDS = (
    "action",
    "service",
    "cluster",
    "deploymentId",
    "executionArn",
    "trigger",
    "spec",
    "notifications",
    "consoleUrl",
    "taskDefinition",
)


def on_stage(
    payload: Mapping[str, Any], bucket: SpecBucket, publisher: EventPublisher
) -> dict[str, str]:
    """ECS invoked ecsdrop's hook: announce the stage for the run in progress; SUCCEEDED."""
    try:
        details = payload.get("hookDetails") or {}
        status = bucket.read_status(str(details.get("service", "")))
        detail = stage_detail(payload, status)
        if detail is None:
            logger.info("no ecsdrop run of the service is in progress: nothing to announce")
        else:
            publisher.publish(detail, [str(payload.get("resourceArn", ""))])
    except Exception:  # noqa: BLE001 -- a report must never fail (and so roll back) a deployment
        logger.exception("could not announce the lifecycle stage")
    return SUCCEEDED_ANSWER


def stage_detail(
    payload: Mapping[str, Any], status: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The ROLLING_OUT event's detail; None when no ecsdrop run of the service is rolling
    it out (a deployment made by hand, or one whose run has ended)."""
    details = payload.get("hookDetails") or {}
    if not status or status.get("state") != IN_PROGRESS:
        return None
    if status.get("service") != details.get("service"):
        return None
    execution = payload.get("executionDetails") or {}
    target = str(execution.get("targetServiceRevisionArn", ""))
    production = _percent(execution.get("productionTrafficWeights"), target)
    test = _percent(execution.get("testTrafficWeights"), target)
    stage = str(payload.get("lifecycleStage", ""))
    return {
        **{key: status[key] for key in _RUN_FIELDS if key in status},
        "state": ROLLING_OUT,
        "stage": stage,
        "progress": progress_text(stage, production, details),
        "productionTrafficPercent": production,
        "testTrafficPercent": test,
        "serviceDeploymentArn": payload.get("resourceArn"),
    }


def _percent(weights: Any, target: str) -> float | None:
    if not isinstance(weights, Mapping) or target not in weights:
        return None
    try:
        return round(float(weights[target]), 1)
    except (TypeError, ValueError):
        return None


def progress_text(stage: str, production: float | None, details: Mapping[str, Any]) -> str:
    """What the stage means, in a line: "canary 10 % — baking 3 min"…"""
    if stage == "PRODUCTION_TRAFFIC_SHIFT" and production is not None and production < 100:
        step_bake = details.get("stepBakeTimeMinutes")
        if details.get("strategy") == "canary":
            return f"canary {production:g} % — baking {step_bake} min"
        return f"traffic shifted {production:g} % — next step in {step_bake} min"
    texts = {
        "POST_SCALE_UP": "the new tasks run; production traffic is still on the previous revision",
        "POST_TEST_TRAFFIC_SHIFT": "test traffic reaches the new tasks",
        "PRODUCTION_TRAFFIC_SHIFT": "traffic shifted 100 %",
        "POST_PRODUCTION_TRAFFIC_SHIFT": (
            f"all production traffic on the new revision — baking "
            f"{details.get('bakeTimeMinutes')} min"
        ),
    }
    return texts.get(stage, stage)
