"""ecsdrop's lifecycle hook: each stage of a progressive deployment announced for the run in
progress (events/ holds the payload ECS sends), never failing the deployment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ecsdrop.deploy.stages import on_stage, progress_text, stage_detail

ROOT = Path(__file__).resolve().parents[3]
PAYLOAD = json.loads(
    (ROOT / "events" / "ecs-lifecycle-hook-production-traffic-shift.json").read_text()
)
RUNNING = {
    "state": "IN_PROGRESS",
    "service": "scorekeep-canary",
    "cluster": "ecsdrop",
    "deploymentId": "run-1",
    "executionArn": "arn:aws:states:us-east-1:123456789012:execution:ecsdrop-deploy:run-1",
    "notifications": {"channels": ["games"], "states": ["ROLLING_OUT"]},
    "trigger": {"type": "spec-upload", "requester": "alice"},
}


class Bucket:
    def __init__(self, status: dict[str, Any] | None = None, broken: bool = False) -> None:
        self.status, self.broken = status, broken

    def read_status(self, service: str) -> dict[str, Any] | None:
        if self.broken:
            raise RuntimeError("S3 is down")
        return self.status if self.status and self.status["service"] == service else None


class Bus:
    def __init__(self) -> None:
        self.published: list[tuple[dict[str, Any], list[str]]] = []

    def publish(self, detail: dict[str, Any], resources: list[str]) -> None:
        self.published.append((detail, resources))


def test_a_canary_step_is_announced_with_its_share_and_bake_for_the_run_in_progress() -> None:
    bus = Bus()

    answer = on_stage(PAYLOAD, Bucket(RUNNING), bus)  # type: ignore[arg-type]

    assert answer == {"hookStatus": "SUCCEEDED"}
    ((detail, resources),) = bus.published
    assert detail["state"] == "ROLLING_OUT"
    assert (detail["stage"], detail["productionTrafficPercent"], detail["testTrafficPercent"]) == (
        "PRODUCTION_TRAFFIC_SHIFT",
        10.0,
        100.0,
    )
    assert detail["progress"] == "canary 10 % — baking 10 min"
    assert detail["deploymentId"] == "run-1"
    assert detail["notifications"] == RUNNING["notifications"]
    assert resources == [PAYLOAD["resourceArn"]]


def test_a_stage_with_no_ecsdrop_run_in_progress_is_not_announced_and_still_succeeds() -> None:
    bus = Bus()
    ended = {**RUNNING, "state": "SUCCEEDED"}

    assert on_stage(PAYLOAD, Bucket(ended), bus) == {"hookStatus": "SUCCEEDED"}  # type: ignore[arg-type]
    assert on_stage(PAYLOAD, Bucket(None), bus) == {"hookStatus": "SUCCEEDED"}  # type: ignore[arg-type]
    assert bus.published == []
    assert stage_detail(PAYLOAD, {**RUNNING, "service": "other"}) is None


def test_a_report_that_cannot_be_made_never_fails_the_deployment() -> None:
    assert on_stage(PAYLOAD, Bucket(broken=True), Bus()) == {"hookStatus": "SUCCEEDED"}  # type: ignore[arg-type]
    assert on_stage({"lifecycleStage": 7}, Bucket(RUNNING), Bus()) == {"hookStatus": "SUCCEEDED"}  # type: ignore[arg-type]


def test_each_stage_reads_as_a_line() -> None:
    linear = {"strategy": "linear", "bakeTimeMinutes": 5, "stepBakeTimeMinutes": 6}
    assert progress_text("PRODUCTION_TRAFFIC_SHIFT", 30.0, linear) == (
        "traffic shifted 30 % — next step in 6 min"
    )
    assert progress_text("PRODUCTION_TRAFFIC_SHIFT", 100.0, linear) == "traffic shifted 100 %"
    assert progress_text("POST_PRODUCTION_TRAFFIC_SHIFT", 100.0, linear) == (
        "all production traffic on the new revision — baking 5 min"
    )
    assert progress_text("POST_SCALE_UP", 0.0, linear).startswith("the new tasks run")
