"""Pre-deploy tasks (`service.preDeploy`): run through Step Functions' ecs:runTask.sync on the
local cloud's Fargate life cycle, after the task definition and network, before the service."""

from __future__ import annotations

from typing import Any

from tests.e2e.pipeline.conftest import Pipeline, scorekeep

API = "scorekeep-api"


def with_pre_deploy(name: str, *tasks: str) -> str:
    """Scorekeep as ``name`` with the pre-deploy tasks given as YAML flow mappings."""
    listed = "".join(f"    - {task}\n" for task in tasks)
    return scorekeep(name, **{"  desiredCount: 2\n": f"  desiredCount: 2\n  preDeploy:\n{listed}"})


def pre_deploy_tasks(pipeline: Pipeline, service: str) -> list[dict[str, Any]]:
    """Every task the workflow ran before ``service``'s deployments, oldest first."""
    ecs = pipeline.client("ecs")
    arns: list[str] = []
    for status in ("RUNNING", "STOPPED"):
        arns += ecs.list_tasks(cluster="ecsdrop", family=service, desiredStatus=status)["taskArns"]
    tasks = ecs.describe_tasks(cluster="ecsdrop", tasks=arns)["tasks"] if arns else []
    mine = [t for t in tasks if t.get("group", "").startswith("ecsdrop-pre-deploy:")]
    return sorted(mine, key=lambda t: t["createdAt"])


def exit_code(task: dict[str, Any], container: str) -> int | None:
    return next(c.get("exitCode") for c in task["containers"] if c["name"] == container)


def test_passing_pre_deploy_tasks_run_in_order_and_the_deployment_follows(
    pipeline: Pipeline,
) -> None:
    spec = with_pre_deploy(
        "sk-pre-ok",
        f"{{container: {API}, command: [./migrate, --up]}}",
        f"{{container: {API}, command: [sh, -c, 'exit 0']}}",
    )

    result = pipeline.submit(spec, "sk-pre-ok")

    assert result["status"] == "SUCCEEDED", result
    first, second = pre_deploy_tasks(pipeline, "sk-pre-ok")
    for task in (first, second):
        assert task["lastStatus"] == "STOPPED"
        assert task["startedBy"] == "AWS Step Functions"
        assert task["taskDefinitionArn"] == result["taskDefinitionArn"]
        assert exit_code(task, API) == 0
    assert first["stoppedAt"] <= second["createdAt"]  # one after the other
    (override,) = first["overrides"]["containerOverrides"]
    assert override == {"name": API, "command": ["./migrate", "--up"]}
    service = pipeline.client("ecs").describe_services(cluster="ecsdrop", services=["sk-pre-ok"])
    assert service["services"][0]["taskDefinition"] == result["taskDefinitionArn"]


def test_a_failing_pre_deploy_task_leaves_the_running_service_as_it_was(
    pipeline: Pipeline,
) -> None:
    first = pipeline.submit(scorekeep("sk-pre-fail"), "sk-pre-fail")
    assert first["status"] == "SUCCEEDED", first
    ecs = pipeline.client("ecs")
    (before,) = ecs.describe_services(cluster="ecsdrop", services=["sk-pre-fail"])["services"]
    pipeline.cloud.add_fault(
        {
            "task": "sk-pre-fail",
            "container": API,
            "command": "./migrate*",
            "exit": 1,
            "seconds": 20,
            "logs": ["applying migration 0042", "ERROR: duplicate key value violates unique"],
        }
    )
    spec = with_pre_deploy("sk-pre-fail", f"{{container: {API}, command: [./migrate]}}").replace(
        "memoryReservation: 512", "memoryReservation: 640"
    )  # a new revision

    result = pipeline.submit(spec, "sk-pre-fail")

    assert result["status"] == "ROLLED_BACK", result
    assert result["error"] == "PreDeployTaskFailed"
    cause = result["cause"]
    assert f"pre-deploy task 1 of 1 (./migrate in container {API}) exited 1" in cause
    assert "ERROR: duplicate key value violates unique" in cause
    assert "the service was not changed" in cause
    (after,) = ecs.describe_services(cluster="ecsdrop", services=["sk-pre-fail"])["services"]
    assert after["taskDefinition"] == before["taskDefinition"]
    assert [d["id"] for d in after["deployments"]] == [d["id"] for d in before["deployments"]]
    assert after["desiredCount"] == before["desiredCount"]
    # the revision this run registered for the migration is gone again
    registered = result["taskDefinitionArn"]
    assert registered != before["taskDefinition"]
    described = ecs.describe_task_definition(taskDefinition=registered)["taskDefinition"]
    assert described["status"] != "ACTIVE"
    assert pipeline.state("sk-pre-fail")["taskDefinitionArn"] == before["taskDefinition"]


def test_a_pre_deploy_task_that_outlasts_its_timeout_is_stopped_and_fails_the_deployment(
    pipeline: Pipeline,
) -> None:
    pipeline.cloud.add_fault(
        {"task": "sk-pre-slow", "container": API, "command": "./backfill*", "seconds": 7200}
    )
    spec = with_pre_deploy(
        "sk-pre-slow", f"{{container: {API}, command: [./backfill], timeoutSeconds: 120}}"
    )

    result = pipeline.submit(spec, "sk-pre-slow")

    assert result["status"] == "ROLLED_BACK", result
    assert "did not finish within 120 s and was stopped" in result["cause"]
    (task,) = pre_deploy_tasks(pipeline, "sk-pre-slow")
    assert task["desiredStatus"] == "STOPPED"
    # a first deployment: no service was created
    services = pipeline.client("ecs").describe_services(
        cluster="ecsdrop", services=["sk-pre-slow"]
    )["services"]
    assert all(s["status"] == "INACTIVE" for s in services)
