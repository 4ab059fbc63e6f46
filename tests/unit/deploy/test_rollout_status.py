"""The pure decision "is the rollout done?" over describe_services payloads."""

from __future__ import annotations

from typing import Any

import pytest

from ecsdrop.deploy.rollout import rollout_status


def deployment(
    id_: str,
    status: str,
    rollout: str,
    *,
    running: int = 2,
    desired: int = 2,
    task: str = "td:2",
    reason: str = "",
) -> dict[str, Any]:
    return {
        "id": id_,
        "status": status,
        "rolloutState": rollout,
        "rolloutStateReason": reason,
        "runningCount": running,
        "desiredCount": desired,
        "taskDefinition": task,
    }


def service(*deployments: dict[str, Any]) -> dict[str, Any]:
    return {"serviceName": "web", "status": "ACTIVE", "deployments": list(deployments)}


def test_a_completed_sole_primary_at_desired_count_is_settled() -> None:
    status = rollout_status(service(deployment("ecs-svc/1", "PRIMARY", "COMPLETED")), "ecs-svc/1")
    assert status.state == "COMPLETED"


def test_a_rollout_beside_the_old_deployment_is_still_in_progress() -> None:
    status = rollout_status(
        service(
            deployment("ecs-svc/2", "PRIMARY", "IN_PROGRESS", running=1),
            deployment("ecs-svc/1", "ACTIVE", "COMPLETED", task="td:1"),
        ),
        "ecs-svc/2",
    )
    assert status.state == "IN_PROGRESS"


def test_completed_but_old_tasks_still_draining_is_not_settled() -> None:
    status = rollout_status(
        service(
            deployment("ecs-svc/2", "PRIMARY", "COMPLETED"),
            deployment("ecs-svc/1", "ACTIVE", "COMPLETED", task="td:1"),
        ),
        "ecs-svc/2",
    )
    assert status.state == "IN_PROGRESS"


def test_completed_below_desired_count_is_not_settled() -> None:
    status = rollout_status(
        service(deployment("ecs-svc/1", "PRIMARY", "COMPLETED", running=1)), "ecs-svc/1"
    )
    assert status.state == "IN_PROGRESS"


def test_a_failed_rollout_is_a_failure_with_ecs_reason() -> None:
    status = rollout_status(
        service(
            deployment("ecs-svc/2", "PRIMARY", "FAILED", reason="circuit breaker: tasks failed")
        ),
        "ecs-svc/2",
    )
    assert (status.state, status.reason) == ("FAILED", "circuit breaker: tasks failed")


@pytest.mark.parametrize(
    "payload",
    [
        # ECS's circuit breaker rolled back: a new primary on the old revision, ours gone.
        service(deployment("ecs-svc/3", "PRIMARY", "COMPLETED", task="td:1")),
        # ... or ours demoted beside the rollback deployment.
        service(
            deployment("ecs-svc/3", "PRIMARY", "IN_PROGRESS", task="td:1"),
            deployment("ecs-svc/2", "ACTIVE", "IN_PROGRESS"),
        ),
    ],
    ids=["ours-gone", "ours-demoted"],
)
def test_a_deployment_ecs_rolled_back_is_never_a_success(payload: dict[str, Any]) -> None:
    assert rollout_status(payload, "ecs-svc/2").state == "FAILED"


def test_a_deleted_service_is_a_failure() -> None:
    assert rollout_status(None, "ecs-svc/1").state == "FAILED"
