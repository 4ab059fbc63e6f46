"""A service somebody created by hand (``aws ecs create-service``): what ecsdrop must refuse
to touch, or take over only when a spec adopts it (service.adopt), and put back as it was
when that first deployment fails."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from tests.support.networks import public_subnet

Client = Callable[[str], Any]

# What describe-services says of a service that an update, or a rollout, changes.
SERVICE_FIELDS = (
    "taskDefinition",
    "desiredCount",
    "deploymentConfiguration",
    "networkConfiguration",
    "loadBalancers",
    "platformVersion",
    "propagateTags",
    "enableExecuteCommand",
    "healthCheckGracePeriodSeconds",
    "tags",
    "deployments",
)


def hand_made_service(
    client: Client,
    cluster: str,
    name: str,
    tags: Mapping[str, str],
    seconds: float = 30.0,
) -> dict[str, Any]:
    """The service in a cluster of its own, with its own task definition and network, none
    of it ecsdrop's; returned (with its tags) once its rollout settled."""
    ecs, ec2 = client("ecs"), client("ec2")
    ecs.create_cluster(clusterName=cluster)
    vpc, subnet = public_subnet(ec2, "10.9.0.0/16")
    group = ec2.create_security_group(GroupName=f"{name}-hand", Description="hand", VpcId=vpc)
    revision = ecs.register_task_definition(
        family=f"{name}-hand",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {"name": "app", "image": "public.ecr.aws/nginx/nginx:1.27", "cpu": 256, "memory": 512}
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster=cluster,
        serviceName=name,
        taskDefinition=revision,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": [subnet],
                "securityGroups": [group["GroupId"]],
                "assignPublicIp": "ENABLED",
            }
        },
        tags=[{"key": k, "value": v} for k, v in tags.items()],
    )
    deadline = time.monotonic() + seconds
    while True:
        service = described(client, cluster, name)
        if service["deployments"] and service["deployments"][0]["rolloutState"] == "COMPLETED":
            return service
        assert time.monotonic() < deadline, f"{name} did not settle within {seconds}s"
        time.sleep(0.2)


def described(client: Client, cluster: str, name: str) -> dict[str, Any]:
    """The one service of that name in the cluster, with its tags."""
    (service,) = client("ecs").describe_services(
        cluster=cluster, services=[name], include=["TAGS"]
    )["services"]
    return dict(service)
