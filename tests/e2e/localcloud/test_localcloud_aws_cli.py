"""The seed's own command sequence, typed as a new user would with the real AWS CLI.

register-task-definition from a JSON file, create-cluster, run-task with an awsvpc network
configuration, then create-service with --desired-count 5 behind an ALB target group: the task
walks its life cycle by time and shows both containers, stops with UserInitiated, and the
service ends with 5 tasks RUNNING and 5 healthy targets — as on AWS, where none of it is
instant.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from localcloud import LocalCloud

# About forty CLI processes of a second each: with the slow suites (make test-slow, CI).
pytestmark = pytest.mark.slow
AWS = Path(sys.executable).parent / "aws"
# Slower than the other suites' clock, so that the CLI (about a second a call) sees a task
# that is still starting: 40 simulated seconds to start take 2 s here.
TIME_SCALE = 0.05


@pytest.fixture(scope="module")
def cloud(new_cloud: Callable[..., LocalCloud]) -> Iterator[LocalCloud]:
    with new_cloud(None, time_scale=TIME_SCALE) as running:
        yield running


@pytest.fixture(scope="module")
def aws(cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Any]:
    """`aws ...` against the local cloud, with test keys (the account's administrator)."""
    home = tmp_path_factory.mktemp("aws-home")
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),  # no developer profile or config
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        **cloud.environment(),
    }

    def run(*arguments: str) -> Any:
        done = subprocess.run(
            [str(AWS), *arguments, "--output", "json"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"aws {' '.join(arguments)}: {done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else None

    return run


def _at(value: Any) -> datetime:
    """A timestamp as the CLI prints it: epoch seconds (v1's wire format) or ISO 8601."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromisoformat(str(value))


def test_the_seed_command_sequence_runs_a_task_and_a_service_of_five_behind_an_alb(
    aws: Callable[..., Any], tmp_path: Path
) -> None:
    # the network: two public subnets in two zones, an internet gateway, a security group
    vpc = aws("ec2", "create-vpc", "--cidr-block", "10.60.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        aws(
            "ec2",
            "create-subnet",
            "--vpc-id",
            vpc,
            "--cidr-block",
            f"10.60.{index}.0/24",
            "--availability-zone",
            zone,
        )["Subnet"]["SubnetId"]
        for index, zone in enumerate(("us-east-1a", "us-east-1b"))
    ]
    gateway = aws("ec2", "create-internet-gateway")["InternetGateway"]["InternetGatewayId"]
    aws("ec2", "attach-internet-gateway", "--internet-gateway-id", gateway, "--vpc-id", vpc)
    table = aws("ec2", "create-route-table", "--vpc-id", vpc)["RouteTable"]["RouteTableId"]
    aws(
        "ec2",
        "create-route",
        "--route-table-id",
        table,
        "--destination-cidr-block",
        "0.0.0.0/0",
        "--gateway-id",
        gateway,
    )
    for subnet in subnets:
        aws("ec2", "associate-route-table", "--route-table-id", table, "--subnet-id", subnet)
    group = aws(
        "ec2",
        "create-security-group",
        "--group-name",
        "scorekeep",
        "--description",
        "scorekeep",
        "--vpc-id",
        vpc,
    )["GroupId"]
    network = (
        f"awsvpcConfiguration={{subnets=[{','.join(subnets)}],"
        f"securityGroups=[{group}],assignPublicIp=ENABLED}}"
    )

    # the task definition, from a JSON file, as the seed's notes do it
    definition = {
        "family": "scorekeep",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "1024",
        "memory": "2048",
        "containerDefinitions": [
            {
                "name": "scorekeep-frontend",
                "image": "public.ecr.aws/nginx/nginx:1.27",
                "cpu": 256,
                "memoryReservation": 256,
                "portMappings": [{"containerPort": 8080}],
            },
            {
                "name": "scorekeep-api",
                "image": "public.ecr.aws/docker/library/python:3.13",
                "cpu": 512,
                "memoryReservation": 512,
                "portMappings": [{"containerPort": 5000}],
            },
        ],
    }
    path = tmp_path / "scorekeep-task-definition.json"
    path.write_text(json.dumps(definition))
    registered = aws("ecs", "register-task-definition", "--cli-input-json", f"file://{path}")
    assert registered["taskDefinition"]["taskDefinitionArn"].endswith("task-definition/scorekeep:1")
    aws("ecs", "create-cluster", "--cluster-name", "xx")

    # run-task: PROVISIONING at once, RUNNING only after the time a Fargate task takes
    (task,) = aws(
        "ecs",
        "run-task",
        "--cluster",
        "xx",
        "--task-definition",
        "scorekeep:1",
        "--launch-type",
        "FARGATE",
        "--count",
        "1",
        "--network-configuration",
        network,
    )["tasks"]
    assert task["lastStatus"] == "PROVISIONING"
    assert task["desiredStatus"] == "RUNNING"
    assert (task["cpu"], task["memory"]) == ("1024", "2048")
    assert sorted(c["name"] for c in task["containers"]) == ["scorekeep-api", "scorekeep-frontend"]
    seen = [task["lastStatus"]]
    deadline = time.monotonic() + 60
    while seen[-1] != "RUNNING":
        assert time.monotonic() < deadline, f"the task never ran: {seen}"
        (task,) = aws("ecs", "describe-tasks", "--cluster", "xx", "--tasks", task["taskArn"])[
            "tasks"
        ]
        if task["lastStatus"] != seen[-1]:
            seen.append(task["lastStatus"])
    order = ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING"]
    assert seen == sorted(seen, key=order.index), seen
    assert len(seen) > 1, "the task was RUNNING at once"
    assert {c["lastStatus"] for c in task["containers"]} == {"RUNNING"}
    assert _at(task["createdAt"]) <= _at(task["pullStartedAt"]) <= _at(task["pullStoppedAt"])
    assert _at(task["pullStoppedAt"]) <= _at(task["startedAt"])
    assert task["platformVersion"] == "1.4.0"
    details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
    assert details["subnetId"] in subnets
    assert details["privateIPv4Address"].startswith(("10.60.0.", "10.60.1."))

    aws("ecs", "stop-task", "--cluster", "xx", "--task", task["taskArn"])
    deadline = time.monotonic() + 60
    while task["lastStatus"] != "STOPPED":
        assert time.monotonic() < deadline, "the task never stopped"
        (task,) = aws("ecs", "describe-tasks", "--cluster", "xx", "--tasks", task["taskArn"])[
            "tasks"
        ]
    assert task["stopCode"] == "UserInitiated"
    assert {c["lastStatus"] for c in task["containers"]} == {"STOPPED"}
    assert "stoppedAt" in task

    # an ALB in both subnets, a target group of type ip, a listener
    balancer = aws(
        "elbv2",
        "create-load-balancer",
        "--name",
        "scorekeep",
        "--subnets",
        *subnets,
        "--security-groups",
        group,
    )["LoadBalancers"][0]
    target_group = aws(
        "elbv2",
        "create-target-group",
        "--name",
        "scorekeep",
        "--protocol",
        "HTTP",
        "--port",
        "8080",
        "--vpc-id",
        vpc,
        "--target-type",
        "ip",
    )["TargetGroups"][0]["TargetGroupArn"]
    aws(
        "elbv2",
        "create-listener",
        "--load-balancer-arn",
        balancer["LoadBalancerArn"],
        "--protocol",
        "HTTP",
        "--port",
        "80",
        "--default-actions",
        f"Type=forward,TargetGroupArn={target_group}",
    )

    aws(
        "ecs",
        "create-service",
        "--cluster",
        "xx",
        "--service-name",
        "scorekeep",
        "--task-definition",
        "scorekeep:1",
        "--desired-count",
        "5",
        "--launch-type",
        "FARGATE",
        "--network-configuration",
        network,
        "--load-balancers",
        f"targetGroupArn={target_group},containerName=scorekeep-frontend,containerPort=8080",
    )
    deadline = time.monotonic() + 120
    while True:
        (service,) = aws("ecs", "describe-services", "--cluster", "xx", "--services", "scorekeep")[
            "services"
        ]
        if service["deployments"][0]["rolloutState"] == "COMPLETED":
            break
        assert service["deployments"][0]["rolloutState"] == "IN_PROGRESS", service
        assert time.monotonic() < deadline, f"the service never settled: {service['events'][:3]}"
    assert service["runningCount"] == 5
    health = aws("elbv2", "describe-target-health", "--target-group-arn", target_group)
    states = [target["TargetHealth"]["State"] for target in health["TargetHealthDescriptions"]]
    assert states == ["healthy"] * 5
    arns = aws("ecs", "list-tasks", "--cluster", "xx", "--service-name", "scorekeep")["taskArns"]
    tasks = aws("ecs", "describe-tasks", "--cluster", "xx", "--tasks", *arns)["tasks"]
    assert {t["lastStatus"] for t in tasks} == {"RUNNING"}
    addresses = {
        d["value"]
        for t in tasks
        for d in t["attachments"][0]["details"]
        if d["name"] == "privateIPv4Address"
    }
    registered_ips = {target["Target"]["Id"] for target in health["TargetHealthDescriptions"]}
    assert registered_ips == addresses
    zones = {t["availabilityZone"] for t in tasks}
    assert zones == {"us-east-1a", "us-east-1b"}  # spread over the service's subnets
