"""ECS rolling deployments on the local cloud: events, circuit breaker, rollback, tasks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from localcloud import LocalCloud
from tests.support.networks import public_subnet

PUBLIC_IMAGE = "public.ecr.aws/nginx/nginx:1.27"
BREAKER_WITH_ROLLBACK = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}


@pytest.fixture(scope="module")
def network(cloud: LocalCloud) -> dict[str, Any]:
    ec2 = cloud.client("ec2")
    vpc, subnet = public_subnet(ec2, "10.20.0.0/16")
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    cloud.client("ecs").create_cluster(clusterName="apps")
    return {
        "awsvpcConfiguration": {
            "subnets": [subnet],
            "securityGroups": [group],
            "assignPublicIp": "ENABLED",
        }
    }


def register(cloud: LocalCloud, family: str, image: str) -> str:
    return cloud.client("ecs").register_task_definition(
        family=family,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": image, "essential": True}],
    )["taskDefinition"]["taskDefinitionArn"]


def missing_ecr_image(cloud: LocalCloud, repository: str) -> str:
    return f"{cloud.account_id}.dkr.ecr.{cloud.region}.amazonaws.com/{repository}:never-pushed"


def create_service(
    cloud: LocalCloud, network: dict[str, Any], name: str, task_definition: str, **extra: Any
) -> dict[str, Any]:
    return cloud.client("ecs").create_service(
        cluster="apps",
        serviceName=name,
        taskDefinition=task_definition,
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration=network,
        **extra,
    )["service"]


def describe(cloud: LocalCloud, name: str) -> dict[str, Any]:
    return cloud.client("ecs").describe_services(cluster="apps", services=[name])["services"][0]


def recorded_events(table_items: Any, deployment_id: str) -> dict[str, dict[str, Any]]:
    """Deployment events the recorder Lambda received for one deployment, by eventName."""
    events = [
        json.loads(item["event"]["S"])
        for item in table_items(f"event#ECS Deployment State Change#{deployment_id}#")
    ]
    return {event["detail"]["eventName"]: event for event in events}


def test_new_service_rolls_out_and_the_completed_event_reaches_the_rule_lambda(
    cloud: LocalCloud, network: dict[str, Any], eventually: Any, table_items: Any
) -> None:
    service = create_service(cloud, network, "steady", register(cloud, "steady", PUBLIC_IMAGE))
    (deployment,) = service["deployments"]
    assert (deployment["status"], deployment["rolloutState"]) == ("PRIMARY", "IN_PROGRESS")
    assert deployment["id"].startswith("ecs-svc/")

    events = eventually(
        lambda: (
            (found := recorded_events(table_items, deployment["id"]))
            and "SERVICE_DEPLOYMENT_COMPLETED" in found
            and found
        ),
        what="the COMPLETED event at the recorder",
    )
    completed = events["SERVICE_DEPLOYMENT_COMPLETED"]
    assert completed["source"] == "aws.ecs"
    assert completed["resources"] == [
        f"arn:aws:ecs:{cloud.region}:{cloud.account_id}:service/apps/steady"
    ]
    assert completed["detail"]["eventType"] == "INFO"
    assert completed["detail"]["deploymentId"] == deployment["id"]
    assert completed["detail"]["reason"] == f"ECS deployment {deployment['id']} completed."
    assert events["SERVICE_DEPLOYMENT_IN_PROGRESS"]["detail"]["eventType"] == "INFO"

    steady = describe(cloud, "steady")
    assert steady["runningCount"] == steady["desiredCount"] == 2
    assert [d["rolloutState"] for d in steady["deployments"]] == ["COMPLETED"]
    assert steady["events"][0]["message"] == "(service steady) has reached a steady state."
    assert steady["deploymentConfiguration"]["deploymentCircuitBreaker"] == {
        "enable": False,
        "rollback": False,
    }


def test_tasks_of_a_service_are_listed_and_run_once_the_rollout_completes(
    cloud: LocalCloud, network: dict[str, Any], eventually: Any
) -> None:
    create_service(cloud, network, "tasks", register(cloud, "tasks", PUBLIC_IMAGE))
    ecs = cloud.client("ecs")
    arns = ecs.list_tasks(cluster="apps", serviceName="tasks")["taskArns"]
    assert len(arns) == 2
    early = ecs.describe_tasks(cluster="apps", tasks=arns)["tasks"]
    assert {task["lastStatus"] for task in early} == {"PROVISIONING"}

    def running() -> bool:
        tasks = ecs.describe_tasks(cluster="apps", tasks=arns)["tasks"]
        return {task["lastStatus"] for task in tasks} == {"RUNNING"}

    eventually(running, what="the service's tasks to run")
    assert {task["group"] for task in ecs.describe_tasks(cluster="apps", tasks=arns)["tasks"]} == {
        "service:tasks"
    }


def test_unpullable_image_fails_the_deployment_and_ecs_rolls_back_to_the_previous_revision(
    cloud: LocalCloud, network: dict[str, Any], eventually: Any, table_items: Any
) -> None:
    good = register(cloud, "rollback", PUBLIC_IMAGE)
    bad = register(cloud, "rollback", missing_ecr_image(cloud, "rollback"))
    create_service(cloud, network, "rollback", good, deploymentConfiguration=BREAKER_WITH_ROLLBACK)
    eventually(
        lambda: describe(cloud, "rollback")["deployments"][0]["rolloutState"] == "COMPLETED",
        what="the first rollout",
    )

    updated = cloud.client("ecs").update_service(
        cluster="apps", service="rollback", taskDefinition=bad
    )
    deployments = updated["service"]["deployments"]
    assert updated["service"]["taskDefinition"] == bad
    assert [(d["status"], d["taskDefinition"]) for d in deployments] == [
        ("PRIMARY", bad),
        ("ACTIVE", good),
    ]
    failed_id = deployments[0]["id"]

    def rolled_back() -> dict[str, Any] | None:
        service = describe(cloud, "rollback")
        done = [d["rolloutState"] for d in service["deployments"]] == ["COMPLETED"]
        return service if done and service["taskDefinition"] == good else None

    service = eventually(rolled_back, what="the rollback to complete")
    assert service["runningCount"] == 2
    failed = eventually(
        lambda: recorded_events(table_items, failed_id).get("SERVICE_DEPLOYMENT_FAILED"),
        what="the FAILED event at the recorder",
    )
    assert failed["detail"]["eventType"] == "ERROR"
    assert failed["detail"]["reason"] == "ECS deployment circuit breaker: tasks failed to start."
    rollback_id = service["deployments"][0]["id"]
    rollback_events = eventually(
        lambda: (
            (found := recorded_events(table_items, rollback_id))
            and "SERVICE_DEPLOYMENT_COMPLETED" in found
            and found
        ),
        what="the rollback's own events",
    )
    assert rollback_events["SERVICE_DEPLOYMENT_IN_PROGRESS"]["detail"]["reason"].startswith(
        "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/"
    )
    ecs = cloud.client("ecs")
    stopped = ecs.describe_tasks(
        cluster="apps",
        tasks=ecs.list_tasks(cluster="apps", serviceName="rollback", desiredStatus="STOPPED")[
            "taskArns"
        ],
    )["tasks"]
    failed_to_start = [
        task
        for task in stopped
        if task["startedBy"] == failed_id and task["stopCode"] == "TaskFailedToStart"
    ]
    assert len(failed_to_start) >= 3  # the breaker's threshold
    assert all(
        task["stoppedReason"].startswith("CannotPullContainerError:") for task in failed_to_start
    )


def test_pushing_the_missing_image_makes_the_same_revision_deployable(
    cloud: LocalCloud, network: dict[str, Any], eventually: Any
) -> None:
    image = missing_ecr_image(cloud, "pushed-later")
    ecr = cloud.client("ecr")
    ecr.create_repository(repositoryName="pushed-later")
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "layers": [{"digest": "sha256:" + "c" * 64}],
    }
    ecr.put_image(
        repositoryName="pushed-later", imageManifest=json.dumps(manifest), imageTag="never-pushed"
    )

    create_service(cloud, network, "pushed", register(cloud, "pushed", image))
    service = eventually(
        lambda: (
            (found := describe(cloud, "pushed"))["deployments"][0]["rolloutState"] == "COMPLETED"
            and found
        ),
        what="the rollout of the pushed image",
    )
    assert service["runningCount"] == 2


def test_first_deployment_that_fails_leaves_the_service_with_no_running_tasks(
    cloud: LocalCloud, network: dict[str, Any], eventually: Any
) -> None:
    bad = register(cloud, "doomed", missing_ecr_image(cloud, "doomed"))
    create_service(cloud, network, "doomed", bad, deploymentConfiguration=BREAKER_WITH_ROLLBACK)

    service = eventually(
        lambda: (
            (found := describe(cloud, "doomed"))["deployments"][0]["rolloutState"] == "FAILED"
            and found
        ),
        what="the deployment to fail",
    )
    assert service["runningCount"] == 0
    assert service["taskDefinition"] == bad
    assert len(service["deployments"]) == 1
    # ECS's breaker trips at half the desired count of failed tasks, but never under 3
    assert service["deployments"][0]["failedTasks"] == 3


def test_rollout_fault_fails_the_next_rollout_of_that_service_only(
    cloud: LocalCloud, network: dict[str, Any], eventually: Any
) -> None:
    cloud.add_fault(
        {"rollout": "faulty", "cluster": "apps", "reason": "EssentialContainerExited", "times": 1}
    )
    create_service(
        cloud,
        network,
        "faulty",
        register(cloud, "faulty", PUBLIC_IMAGE),
        deploymentConfiguration=BREAKER_WITH_ROLLBACK,
    )

    eventually(
        lambda: describe(cloud, "faulty")["deployments"][0]["rolloutState"] == "FAILED",
        what="the faulted rollout to fail",
    )
    ecs = cloud.client("ecs")
    stopped = ecs.describe_tasks(
        cluster="apps",
        tasks=ecs.list_tasks(cluster="apps", serviceName="faulty", desiredStatus="STOPPED")[
            "taskArns"
        ],
    )["tasks"]
    assert {task["stoppedReason"] for task in stopped} == {"EssentialContainerExited"}
    assert cloud.faults() == []  # consumed

    ecs.update_service(cluster="apps", service="faulty", forceNewDeployment=True)
    eventually(
        lambda: describe(cloud, "faulty")["deployments"][0]["rolloutState"] == "COMPLETED",
        what="the next rollout to succeed",
    )


def test_without_circuit_breaker_a_failing_rollout_stays_in_progress_and_sends_no_failed_event(
    cloud: LocalCloud, network: dict[str, Any], eventually: Any, table_items: Any
) -> None:
    bad = register(cloud, "stuck", missing_ecr_image(cloud, "stuck"))
    service = create_service(cloud, network, "stuck", bad)
    deployment_id = service["deployments"][0]["id"]

    stuck = eventually(
        lambda: (found := describe(cloud, "stuck"))["deployments"][0]["failedTasks"] == 2 and found,
        what="the failed task attempts",
    )
    assert stuck["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert "is unable to consistently start tasks successfully" in stuck["events"][0]["message"]
    recorded = eventually(
        lambda: recorded_events(table_items, deployment_id), what="the IN_PROGRESS event"
    )
    assert set(recorded) == {"SERVICE_DEPLOYMENT_IN_PROGRESS"}


def test_scaling_without_a_new_task_definition_starts_no_deployment(
    cloud: LocalCloud, network: dict[str, Any], eventually: Any
) -> None:
    create_service(cloud, network, "scaled", register(cloud, "scaled", PUBLIC_IMAGE))
    first = eventually(
        lambda: (
            (found := describe(cloud, "scaled"))["deployments"][0]["rolloutState"] == "COMPLETED"
            and found
        ),
        what="the first rollout",
    )
    scaled = cloud.client("ecs").update_service(cluster="apps", service="scaled", desiredCount=3)
    deployments = scaled["service"]["deployments"]
    assert [d["id"] for d in deployments] == [first["deployments"][0]["id"]]
    eventually(lambda: describe(cloud, "scaled")["runningCount"] == 3, what="the third task to run")
    assert [d["id"] for d in describe(cloud, "scaled")["deployments"]] == [
        first["deployments"][0]["id"]
    ]


def test_list_tasks_shows_only_tasks_meant_to_run_unless_stopped_ones_are_asked_for(
    cloud: LocalCloud, network: dict[str, Any], eventually: Any
) -> None:
    first = register(cloud, "listed", PUBLIC_IMAGE)
    create_service(cloud, network, "listed", first)
    eventually(
        lambda: describe(cloud, "listed")["deployments"][0]["rolloutState"] == "COMPLETED",
        what="the first rollout",
    )
    ecs = cloud.client("ecs")
    ecs.update_service(
        cluster="apps", service="listed", taskDefinition=register(cloud, "listed", PUBLIC_IMAGE)
    )
    eventually(
        lambda: (
            [d["rolloutState"] for d in describe(cloud, "listed")["deployments"]] == ["COMPLETED"]
        ),
        what="the second rollout",
    )
    running = ecs.list_tasks(cluster="apps", serviceName="listed")["taskArns"]
    stopped = ecs.list_tasks(cluster="apps", serviceName="listed", desiredStatus="STOPPED")
    assert len(running) == len(stopped["taskArns"]) == 2
    described = ecs.describe_tasks(cluster="apps", tasks=running)["tasks"]
    assert {task["lastStatus"] for task in described} == {"RUNNING"}
