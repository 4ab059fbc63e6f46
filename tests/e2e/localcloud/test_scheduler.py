"""EventBridge Scheduler fires: schedules run their targets on the local clock, as their role.

A rate schedule fires on its own on the compressed clock (rate(1 minute) every 0.6 wall
seconds at time_scale 0.01); a daily cron is fired with `cloud.fire_schedule`, the test seam.
Every firing is in `cloud.schedule_runs()`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud import LocalCloud
from tests.support.iam import trust_policy
from tests.support.networks import public_subnet

CLUSTER = "nightly"
IMAGE = "public.ecr.aws/docker/library/python:3.13"
DAILY = "cron(0 3 * * ? *)"


@pytest.fixture(scope="module")
def cloud(new_cloud: Callable[..., LocalCloud]) -> Iterator[LocalCloud]:
    with new_cloud() as running:
        running.client("ecs").create_cluster(clusterName=CLUSTER)
        yield running


@pytest.fixture(scope="module")
def job(cloud: LocalCloud) -> dict[str, Any]:
    """EcsParameters of a one-off job in a public subnet, and the cluster's ARN."""
    ec2 = cloud.client("ec2")
    vpc, subnet = public_subnet(ec2, "10.82.0.0/16")
    group = ec2.create_security_group(GroupName="job", Description="job", VpcId=vpc)["GroupId"]
    ecs = cloud.client("ecs")
    definition = ecs.register_task_definition(
        family="nightly-job",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": IMAGE, "command": ["true"]}],
    )["taskDefinition"]["taskDefinitionArn"]
    cluster = ecs.describe_clusters(clusters=[CLUSTER])["clusters"][0]["clusterArn"]
    return {
        "cluster": cluster,
        "parameters": {
            "TaskDefinitionArn": definition,
            "LaunchType": "FARGATE",
            "TaskCount": 1,
            "Group": "scheduled:nightly",
            "NetworkConfiguration": {
                "awsvpcConfiguration": {
                    "Subnets": [subnet],
                    "SecurityGroups": [group],
                    "AssignPublicIp": "ENABLED",
                }
            },
        },
    }


def role(cloud: LocalCloud, name: str, *actions: str) -> str:
    iam = cloud.client("iam")
    arn = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=trust_policy("scheduler.amazonaws.com")
    )["Role"]["Arn"]
    if actions:
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        }
        iam.put_role_policy(RoleName=name, PolicyName="run", PolicyDocument=json.dumps(policy))
    return str(arn)


def create(
    cloud: LocalCloud, name: str, expression: str, target: dict[str, Any], **extra: Any
) -> None:
    cloud.client("scheduler").create_schedule(
        Name=name,
        ScheduleExpression=expression,
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target,
        **extra,
    )


def ecs_target(job: dict[str, Any], role_arn: str, **extra: Any) -> dict[str, Any]:
    return {"Arn": job["cluster"], "RoleArn": role_arn, "EcsParameters": job["parameters"], **extra}


def stopped_events(cloud: LocalCloud, task_arn: str) -> list[dict[str, Any]] | None:
    events = [
        entry["event"]
        for entry in cloud.events()
        if entry["event"]["detail-type"] == "ECS Task State Change"
        and entry["event"]["resources"] == [task_arn]
    ]
    return events if events and events[-1]["detail"]["lastStatus"] == "STOPPED" else None


def test_a_rate_schedule_runs_its_task_on_the_clock_to_a_clean_exit(
    cloud: LocalCloud, job: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    runner = role(cloud, "nightly-runner", "ecs:RunTask", "iam:PassRole")
    create(cloud, "every-minute", "rate(1 minute)", ecs_target(job, runner))

    (run, *_) = eventually(lambda: cloud.schedule_runs("every-minute"), what="a firing")
    cloud.client("scheduler").delete_schedule(Name="every-minute")

    assert run["outcome"] == "started", run
    (task_arn,) = run["task_arns"]
    events = eventually(lambda: stopped_events(cloud, task_arn), what="the task to stop")
    (task,) = cloud.client("ecs").describe_tasks(cluster=CLUSTER, tasks=[task_arn])["tasks"]
    assert task["lastStatus"] == "STOPPED"
    assert task["containers"][0]["exitCode"] == 0
    assert task["group"] == "scheduled:nightly"
    assert events[-1]["detail"]["containers"][0]["exitCode"] == 0


def test_a_role_without_ecs_run_task_starts_nothing_and_the_journal_and_dlq_say_why(
    cloud: LocalCloud, job: dict[str, Any]
) -> None:
    sqs = cloud.client("sqs")
    queue = sqs.create_queue(QueueName="nightly-dlq")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    powerless = role(cloud, "nightly-powerless", "logs:CreateLogStream")
    target = ecs_target(job, powerless, DeadLetterConfig={"Arn": queue_arn})
    create(cloud, "not-allowed", DAILY, target)
    tasks_before = cloud.client("ecs").list_tasks(cluster=CLUSTER)["taskArns"]

    run = cloud.fire_schedule("not-allowed")

    assert run is not None and run["outcome"] == "failed"
    assert "not authorized to perform ecs:RunTask" in run["error"]
    assert job["parameters"]["TaskDefinitionArn"] in run["error"]
    assert cloud.schedule_runs("not-allowed") == [run]
    assert cloud.client("ecs").list_tasks(cluster=CLUSTER)["taskArns"] == tasks_before
    (message,) = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"]
    assert message["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "AccessDeniedException"


def test_a_role_that_does_not_trust_scheduler_is_refused(
    cloud: LocalCloud, job: dict[str, Any]
) -> None:
    iam = cloud.client("iam")
    arn = iam.create_role(
        RoleName="not-for-scheduler",
        AssumeRolePolicyDocument=trust_policy("ecs-tasks.amazonaws.com"),
    )["Role"]["Arn"]
    create(cloud, "wrong-trust", DAILY, ecs_target(job, arn))

    run = cloud.fire_schedule("wrong-trust")

    assert run is not None and run["outcome"] == "failed"
    assert "does not trust scheduler.amazonaws.com" in run["error"]


def test_a_deleted_schedule_fires_no_more(
    cloud: LocalCloud, job: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    runner = role(cloud, "deleted-runner", "ecs:RunTask")
    create(cloud, "soon-gone", "rate(1 minute)", ecs_target(job, runner))
    eventually(lambda: cloud.schedule_runs("soon-gone"), what="a firing")

    cloud.client("scheduler").delete_schedule(Name="soon-gone")
    time.sleep(0.3)  # a firing already under way when it was deleted is journaled still
    fired = len(cloud.schedule_runs("soon-gone"))
    time.sleep(2.0)  # three periods of the compressed clock

    assert len(cloud.schedule_runs("soon-gone")) == fired


def test_a_disabled_schedule_does_not_fire(cloud: LocalCloud, job: dict[str, Any]) -> None:
    runner = role(cloud, "disabled-runner", "ecs:RunTask")
    create(cloud, "switched-off", "rate(1 minute)", ecs_target(job, runner), State="DISABLED")

    time.sleep(1.5)

    assert cloud.schedule_runs("switched-off") == []
    assert cloud.fire_schedule("switched-off") is None
    cloud.client("scheduler").delete_schedule(Name="switched-off")


def test_an_updated_schedule_fires_by_its_new_expression(
    cloud: LocalCloud, job: dict[str, Any], eventually: Callable[..., Any]
) -> None:
    runner = role(cloud, "updated-runner", "ecs:RunTask")
    target = ecs_target(job, runner)
    create(cloud, "changed", DAILY, target)
    time.sleep(1.0)
    assert cloud.schedule_runs("changed") == []

    cloud.client("scheduler").update_schedule(
        Name="changed",
        ScheduleExpression="rate(1 minute)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target,
    )

    eventually(lambda: cloud.schedule_runs("changed"), what="a firing by the new expression")
    cloud.client("scheduler").delete_schedule(Name="changed")


def test_a_lambda_target_is_invoked_with_its_input(
    cloud: LocalCloud, eventually: Callable[..., Any]
) -> None:
    function_arn = cloud.client("lambda").get_function(
        FunctionName=cloud.resources["EchoFunction"]
    )["Configuration"]["FunctionArn"]
    invoker = role(cloud, "echo-invoker", "lambda:InvokeFunction")
    target = {
        "Arn": function_arn,
        "RoleArn": invoker,
        "Input": json.dumps({"job": "nightly-report"}),
    }
    create(cloud, "report", DAILY, target)

    run = cloud.fire_schedule("report")

    assert run is not None and run["outcome"] == "started", run
    eventually(
        lambda: any("nightly-report" in line for line in cloud.lambda_logs("EchoFunction")),
        what="the function to log its input",
    )


def test_an_at_schedule_that_deletes_itself_is_gone_after_firing(
    cloud: LocalCloud, job: dict[str, Any]
) -> None:
    runner = role(cloud, "once-runner", "ecs:RunTask")
    create(
        cloud,
        "once",
        "at(2099-01-01T00:00:00)",
        ecs_target(job, runner),
        ActionAfterCompletion="DELETE",
        ScheduleExpressionTimezone="Europe/Berlin",
    )

    run = cloud.fire_schedule("once")

    assert run is not None and run["outcome"] == "started"
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        cloud.client("scheduler").get_schedule(Name="once")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ScheduleExpression": "every day"}, "ValidationException"),
        ({"ScheduleExpression": "cron(0 3 * * * *)"}, "ValidationException"),
        ({"ScheduleExpression": "rate(5 weeks)"}, "ValidationException"),
        ({"ScheduleExpressionTimezone": "Europe/Gotham"}, "ValidationException"),
        ({"GroupName": "no-such-group"}, "ResourceNotFoundException"),
    ],
)
def test_create_schedule_refuses_what_aws_refuses(
    cloud: LocalCloud, job: dict[str, Any], change: dict[str, str], code: str
) -> None:
    request = {
        "Name": "refused",
        "ScheduleExpression": DAILY,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": ecs_target(job, "arn:aws:iam::123456789012:role/any"),
        **change,
    }
    with pytest.raises(ClientError) as raised:
        cloud.client("scheduler").create_schedule(**request)

    assert raised.value.response["Error"]["Code"] == code


def test_a_duplicate_name_conflicts_and_the_schedule_round_trips(
    cloud: LocalCloud, job: dict[str, Any]
) -> None:
    scheduler = cloud.client("scheduler")
    target = ecs_target(job, "arn:aws:iam::123456789012:role/any")
    create(cloud, "twice", DAILY, target, ScheduleExpressionTimezone="Europe/Berlin")

    with pytest.raises(ClientError, match="ConflictException"):
        create(cloud, "twice", DAILY, target)
    got = scheduler.get_schedule(Name="twice")

    assert got["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert got["State"] == "ENABLED"
    assert got["Target"]["EcsParameters"] == job["parameters"]
    assert got["CreationDate"] and got["LastModificationDate"]
