"""The journal of published events (`cloud.events()`): each kind keeps its own recent past."""

from __future__ import annotations

from typing import Any

from localcloud.events import EventRouter, make_event
from localcloud.faults import FaultBook


def _event(detail_type: str, number: int) -> dict[str, Any]:
    return make_event(
        source="aws.ecs",
        detail_type=detail_type,
        detail={"number": number},
        account="123456789012",
        region="us-east-1",
    )


def test_a_burst_of_task_state_changes_pushes_no_other_event_out_of_the_journal() -> None:
    router = EventRouter(FaultBook(), invoke_lambda_async=lambda function, payload: None)
    # on a bus that does not exist: journaled, delivered nowhere

    router.publish("123456789012", "us-east-1", "nowhere", _event("ECS Deployment State Change", 0))
    for number in range(1, 1502):
        router.publish(
            "123456789012", "us-east-1", "nowhere", _event("ECS Task State Change", number)
        )

    journal = [entry["event"] for entry in router.recent_events()]
    assert journal[0]["detail-type"] == "ECS Deployment State Change"
    numbers = [event["detail"]["number"] for event in journal[1:]]
    assert numbers == list(range(502, 1502))  # the last 1000 of the chatty kind, in order
