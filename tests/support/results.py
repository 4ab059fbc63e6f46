"""Step results as a deployment's steps write them, for tests that start mid-workflow."""

from __future__ import annotations

from ecsdrop.deploy.results import ServiceResult

# The Service step's result for a rollout ECS calls ecs-svc/123 (the id in events/).
ROLLING_OUT = ServiceResult(
    service_arn="arn:aws:ecs:us-east-1:123456789012:service/ecsdrop/scorekeep",
    cluster="ecsdrop",
    service_name="scorekeep",
    created=True,
    task_definition_arn="arn:aws:ecs:us-east-1:123456789012:task-definition/scorekeep:1",
    ecs_deployment_id="ecs-svc/123",
    settled=False,
    deadline=2_000_000_000,
    wait_seconds=300,
)
