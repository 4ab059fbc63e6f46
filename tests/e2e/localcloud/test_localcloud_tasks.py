"""One-off tasks as ECS runs them: what their containers do, what they log, what ECS announces.

A task rule (localcloud/faults.py, `task:`) says how long a task's containers run, what they
write to their awslogs stream and how they exit, or that the task fails to start; without one a
standalone task's command exits 0 after a short run, while a service's tasks keep running.
Every change of a task is an "ECS Task State Change" event on the default bus.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from localcloud import LocalCloud
from tests.e2e.localcloud.conftest import TIME_SCALE
from tests.support.networks import public_subnet

CLUSTER = "jobs"
IMAGE = "public.ecr.aws/docker/library/python:3.13"
SAMPLE = Path(__file__).resolve().parents[3] / "events" / "ecs-task-state-change-stopped.json"


@pytest.fixture(scope="module")
def cloud(new_cloud: Callable[..., LocalCloud]) -> Iterator[LocalCloud]:
    with new_cloud(None) as running:
        running.client("ecs").create_cluster(clusterName=CLUSTER)
        yield running


@pytest.fixture(scope="module")
def network(cloud: LocalCloud) -> dict[str, Any]:
    ec2 = cloud.client("ec2")
    vpc, subnet = public_subnet(ec2, "10.81.0.0/16")
    group = ec2.create_security_group(GroupName="jobs", Description="jobs", VpcId=vpc)["GroupId"]
    return {
        "awsvpcConfiguration": {
            "subnets": [subnet],
            "securityGroups": [group],
            "assignPublicIp": "ENABLED",
        }
    }


def register(cloud: LocalCloud, family: str, **container: Any) -> str:
    definition = {"name": "app", "image": IMAGE, **container}
    return str(
        cloud.client("ecs").register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[definition],
        )["taskDefinition"]["taskDefinitionArn"]
    )


def awslogs(group: str, **options: str) -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": group,
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "jobs",
            **options,
        },
    }


def run(cloud: LocalCloud, network: dict[str, Any], definition: str, **extra: Any) -> str:
    (task,) = cloud.client("ecs").run_task(
        cluster=CLUSTER,
        taskDefinition=definition,
        launchType="FARGATE",
        networkConfiguration=network,
        **extra,
    )["tasks"]
    return str(task["taskArn"])


def command(*words: str) -> dict[str, Any]:
    return {"containerOverrides": [{"name": "app", "command": list(words)}]}


def described(cloud: LocalCloud, task_arn: str) -> dict[str, Any]:
    (task,) = cloud.client("ecs").describe_tasks(cluster=CLUSTER, tasks=[task_arn])["tasks"]
    return dict(task)


def in_status(eventually: Callable[..., Any], cloud: LocalCloud, task_arn: str, status: str) -> Any:
    def reached() -> dict[str, Any] | None:
        task = described(cloud, task_arn)
        return task if task["lastStatus"] == status else None

    return eventually(reached, what=f"task {task_arn} to be {status}")


def state_changes(cloud: LocalCloud, task_arn: str) -> list[dict[str, Any]]:
    return [
        entry["event"]
        for entry in cloud.events()
        if entry["event"]["detail-type"] == "ECS Task State Change"
        and entry["event"]["resources"] == [task_arn]
    ]


def until_stopped(cloud: LocalCloud, task_arn: str) -> list[dict[str, Any]] | None:
    """The task's state change events, once the last one says STOPPED."""
    events = state_changes(cloud, task_arn)
    return events if events and events[-1]["detail"]["lastStatus"] == "STOPPED" else None


def test_a_task_rule_makes_the_task_exit_3_after_its_simulated_seconds(
    cloud: LocalCloud, network: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    cloud.add_fault({"task": "migrate", "exit": 3, "seconds": 100, "times": 1})
    task_arn = run(cloud, network, register(cloud, "migrate"))

    stopped = in_status(eventually, cloud, task_arn, "STOPPED")

    assert stopped["stopCode"] == "EssentialContainerExited"
    assert stopped["containers"][0]["exitCode"] == 3
    ran = (stopped["stoppingAt"] - stopped["startedAt"]).total_seconds()
    assert ran >= 100 * TIME_SCALE  # the clock never runs early: it ran its 100 simulated s
    assert cloud.faults() == []  # its one time is used up


def test_a_task_rule_posted_over_http_applies_to_the_next_task(
    cloud: LocalCloud, network: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    rule = {"task": "posted", "container": "app", "exit": 7, "seconds": 10, "times": 1}
    request = urllib.request.Request(
        f"{cloud.endpoint}/_localcloud/faults", data=json.dumps(rule).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 201
    assert cloud.faults() == [{**rule, "cluster": None, "reason": None}]

    task_arn = run(cloud, network, register(cloud, "posted"))

    assert in_status(eventually, cloud, task_arn, "STOPPED")["containers"][0]["exitCode"] == 7


def test_a_task_rule_with_a_reason_makes_the_task_fail_to_start_with_it(
    cloud: LocalCloud, network: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    reason = "CannotPullContainerError: pull access denied for scorekeep-api"
    cloud.add_fault({"task": "unpullable", "reason": reason})
    task_arn = run(cloud, network, register(cloud, "unpullable"))

    stopped = in_status(eventually, cloud, task_arn, "STOPPED")

    assert (stopped["stopCode"], stopped["stoppedReason"]) == ("TaskFailedToStart", reason)
    assert stopped["containers"][0]["reason"] == reason
    assert "startedAt" not in stopped


def test_a_standalone_command_exits_0_after_a_short_run_and_a_task_without_one_keeps_running(
    cloud: LocalCloud, network: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    definition = register(cloud, "oneoff")
    job = run(cloud, network, definition, overrides=command("./manage.py", "migrate"))
    server = run(cloud, network, definition)  # the image's own command: a server, maybe

    done = in_status(eventually, cloud, job, "STOPPED")

    assert done["stopCode"] == "EssentialContainerExited"
    assert done["containers"][0]["exitCode"] == 0
    assert described(cloud, server)["lastStatus"] == "RUNNING"
    cloud.client("ecs").stop_task(cluster=CLUSTER, task=server)


def test_a_rule_for_a_family_leaves_its_service_tasks_running_unless_it_names_the_service(
    cloud: LocalCloud, network: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    ecs = cloud.client("ecs")
    definition = register(cloud, "web", command=["./serve", "--port", "80"])
    cloud.add_fault({"task": "web", "exit": 1, "seconds": 10})
    ecs.create_service(
        cluster=CLUSTER,
        serviceName="web",
        taskDefinition=definition,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=network,
    )
    (service_task,) = eventually(
        lambda: ecs.list_tasks(cluster=CLUSTER, serviceName="web")["taskArns"],
        what="the service's task",
    )
    standalone = run(cloud, network, definition)

    in_status(eventually, cloud, standalone, "STOPPED")  # the rule ran it 10 s, then exit 1
    assert described(cloud, standalone)["containers"][0]["exitCode"] == 1
    running = in_status(eventually, cloud, service_task, "RUNNING")
    assert running["desiredStatus"] == "RUNNING"  # the command ran no short run, no rule

    cloud.add_fault({"task": "web", "service": "web", "exit": 2, "seconds": 10, "times": 1})
    ecs.stop_task(cluster=CLUSTER, task=service_task)  # its replacement meets the rule
    replaced = eventually(
        lambda: [
            arn
            for arn in ecs.list_tasks(cluster=CLUSTER, serviceName="web")["taskArns"]
            if arn != service_task
        ],
        what="the replacement task",
    )
    exited = in_status(eventually, cloud, replaced[0], "STOPPED")
    assert exited["containers"][0]["exitCode"] == 2
    ecs.delete_service(cluster=CLUSTER, service="web", force=True)


def test_log_lines_are_readable_while_the_container_runs_under_ecs_stream_name(
    cloud: LocalCloud, network: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    logs = cloud.client("logs")
    logs.create_log_group(logGroupName="/jobs/report")
    definition = register(cloud, "report", logConfiguration=awslogs("/jobs/report"))
    cloud.add_fault({"task": "report", "seconds": 400, "logs": ["counting", "42 rows"]})
    task_arn = run(cloud, network, definition)
    stream = f"jobs/app/{task_arn.rsplit('/', 1)[-1]}"

    def both_lines() -> list[str]:
        try:
            found = logs.get_log_events(logGroupName="/jobs/report", logStreamName=stream)
        except logs.exceptions.ResourceNotFoundException:
            return []  # the stream comes when the container starts
        lines = [event["message"] for event in found["events"]]
        return lines if len(lines) == 2 else []

    assert eventually(both_lines, what="both log lines") == ["counting", "42 rows"]
    assert described(cloud, task_arn)["lastStatus"] == "RUNNING"  # 200 simulated s to go
    filtered = logs.filter_log_events(logGroupName="/jobs/report", filterPattern="rows")
    assert [(e["logStreamName"], e["message"]) for e in filtered["events"]] == [(stream, "42 rows")]
    cloud.client("ecs").stop_task(cluster=CLUSTER, task=task_arn)


def test_a_missing_log_group_fails_the_task_to_start_with_a_resource_initialization_error(
    cloud: LocalCloud, network: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    definition = register(cloud, "nolog", logConfiguration=awslogs("/jobs/never-created"))
    task_arn = run(cloud, network, definition)

    stopped = in_status(eventually, cloud, task_arn, "STOPPED")

    assert stopped["stopCode"] == "TaskFailedToStart"
    assert stopped["stoppedReason"].startswith(
        "ResourceInitializationError: failed to validate logger args:"
    )
    assert "The specified log group does not exist." in stopped["stoppedReason"]
    groups = cloud.client("logs").describe_log_groups(logGroupNamePrefix="/jobs/never")
    assert groups["logGroups"] == []


def test_awslogs_create_group_true_creates_the_group_and_the_stream(
    cloud: LocalCloud, network: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    options = {"awslogs-create-group": "true"}
    definition = register(cloud, "selfmade", logConfiguration=awslogs("/jobs/made", **options))
    task_arn = run(cloud, network, definition)

    in_status(eventually, cloud, task_arn, "RUNNING")

    logs = cloud.client("logs")
    streams = logs.describe_log_streams(logGroupName="/jobs/made")["logStreams"]
    assert [item["logStreamName"] for item in streams] == [
        f"jobs/app/{task_arn.rsplit('/', 1)[-1]}"
    ]
    cloud.client("ecs").stop_task(cluster=CLUSTER, task=task_arn)


def test_task_state_change_events_come_in_order_with_the_exit_code_on_the_stopped_one(
    cloud: LocalCloud, network: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    cloud.add_fault({"task": "counted", "exit": 3, "seconds": 10, "times": 1})
    task_arn = run(cloud, network, register(cloud, "counted"), startedBy="ecsdrop")

    events = eventually(lambda: until_stopped(cloud, task_arn), what="the STOPPED event")

    details = [event["detail"] for event in events]
    assert [(d["lastStatus"], d["desiredStatus"]) for d in details] == [
        ("PROVISIONING", "RUNNING"),
        ("PENDING", "RUNNING"),
        ("ACTIVATING", "RUNNING"),
        ("RUNNING", "RUNNING"),
        ("RUNNING", "STOPPED"),  # the essential container exited: ECS wants the task stopped
        ("DEACTIVATING", "STOPPED"),
        ("STOPPING", "STOPPED"),
        ("DEPROVISIONING", "STOPPED"),
        ("STOPPED", "STOPPED"),
    ]
    versions = [d["version"] for d in details]
    assert versions == sorted(set(versions))
    last = details[-1]
    assert last["containers"][0]["exitCode"] == 3
    assert last["stopCode"] == "EssentialContainerExited"
    assert "exitCode" not in details[3]["containers"][0]
    for event in events:
        assert (event["source"], event["account"], event["region"]) == (
            "aws.ecs",
            cloud.account_id,
            cloud.region,
        )
        datetime.strptime(event["detail"]["createdAt"], "%Y-%m-%dT%H:%M:%S.%fZ")


def test_the_stopped_event_has_the_fields_of_the_sample_ecs_sends(
    cloud: LocalCloud, network: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    sample = json.loads(SAMPLE.read_text())
    cloud.add_fault({"task": "sampled", "exit": 3, "seconds": 10, "times": 1})
    definition = register(cloud, "sampled", cpu=512, memoryReservation=512)
    task_arn = run(cloud, network, definition, startedBy="ecsdrop")

    stopped = eventually(lambda: until_stopped(cloud, task_arn), what="the STOPPED event")[-1]

    assert set(stopped) == set(sample)
    assert set(stopped["detail"]) == set(sample["detail"])
    sample_container = set(sample["detail"]["containers"][0]) - {"imageDigest"}  # ECR's only
    assert set(stopped["detail"]["containers"][0]) == sample_container
