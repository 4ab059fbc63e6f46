"""The local cloud fails where AWS fails, and takes the time AWS takes (compressed).

Each test names an AWS behaviour a kinder emulator would hide: a task cannot pull before its
NAT gateway is available, a rollout is not complete before its targets are healthy, a stopped
service task is replaced, a task whose health check cannot pass is stopped, a service whose
image was missing recovers once the image is pushed, a container that exits stops its task.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from localcloud import LocalCloud
from tests.support.networks import public_subnet
from tests.support.quotas import MANY_SERVICES

PUBLIC_IMAGE = "public.ecr.aws/nginx/nginx:1.27"


@pytest.fixture(scope="module")
def cloud(new_cloud: Callable[..., LocalCloud]) -> Iterator[LocalCloud]:
    # a VPC per test, all kept: more than an account's default 5 (tests/support/quotas.py)
    with new_cloud(None, quotas=MANY_SERVICES) as running:
        running.client("ecs").create_cluster(clusterName="real")
        yield running


def register(cloud: LocalCloud, family: str, image: str = PUBLIC_IMAGE, **container: Any) -> str:
    definition = {"name": "app", "image": image, "portMappings": [{"containerPort": 80}]}
    return cloud.client("ecs").register_task_definition(
        family=family,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{**definition, **container}],
    )["taskDefinition"]["taskDefinitionArn"]


def public_network(cloud: LocalCloud, cidr: str) -> tuple[str, dict[str, Any]]:
    ec2 = cloud.client("ec2")
    vpc, subnet = public_subnet(ec2, cidr)
    group = ec2.create_security_group(GroupName=f"g{cidr}", Description="g", VpcId=vpc)
    return vpc, {
        "awsvpcConfiguration": {
            "subnets": [subnet],
            "securityGroups": [group["GroupId"]],
            "assignPublicIp": "ENABLED",
        }
    }


def describe(cloud: LocalCloud, name: str) -> dict[str, Any]:
    return cloud.client("ecs").describe_services(cluster="real", services=[name])["services"][0]


def service_tasks(cloud: LocalCloud, name: str, desired: str = "RUNNING") -> list[dict[str, Any]]:
    ecs = cloud.client("ecs")
    arns = ecs.list_tasks(cluster="real", serviceName=name, desiredStatus=desired)["taskArns"]
    return ecs.describe_tasks(cluster="real", tasks=arns)["tasks"] if arns else []


def behind_a_load_balancer(
    cloud: LocalCloud, vpc: str, network: dict[str, Any], name: str, **health: Any
) -> str:
    """A new ALB (in the network's subnet and a second one) forwarding to a new ip target group."""
    ec2, elb = cloud.client("ec2"), cloud.client("elbv2")
    subnet = network["awsvpcConfiguration"]["subnets"][0]
    cidr = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["CidrBlock"]
    second = ec2.create_subnet(
        VpcId=vpc, CidrBlock=cidr.replace(".1.0/24", ".2.0/24"), AvailabilityZone="us-east-1b"
    )["Subnet"]["SubnetId"]
    balancer = elb.create_load_balancer(Name=name, Subnets=[subnet, second])["LoadBalancers"][0]
    group = elb.create_target_group(
        Name=name, Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip", **health
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(
        LoadBalancerArn=balancer["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
    )
    return str(group)


def target_states(cloud: LocalCloud, group: str) -> list[str]:
    found = cloud.client("elbv2").describe_target_health(TargetGroupArn=group)
    return sorted(item["TargetHealth"]["State"] for item in found["TargetHealthDescriptions"])


def test_tasks_in_private_subnets_cannot_pull_before_their_nat_gateway_is_available(
    cloud: LocalCloud, eventually: Any
) -> None:
    ec2 = cloud.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.71.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.71.0.0/24")["Subnet"]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.71.1.0/24")["Subnet"]["SubnetId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    out = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=out, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=out, SubnetId=public)
    address = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=address)["NatGateway"]
    assert nat["State"] == "pending"
    inside = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(
        RouteTableId=inside, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"]
    )
    ec2.associate_route_table(RouteTableId=inside, SubnetId=private)
    group = ec2.create_security_group(GroupName="early", Description="early", VpcId=vpc)

    # created at once, as a deployer that does not wait for the NAT gateway would
    cloud.client("ecs").create_service(
        cluster="real",
        serviceName="early",
        taskDefinition=register(cloud, "early"),
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": [private], "securityGroups": [group["GroupId"]]}
        },
    )
    failed = eventually(
        lambda: service_tasks(cloud, "early", "STOPPED"), timeout=30, what="a failed task"
    )
    assert failed[0]["stopCode"] == "TaskFailedToStart"
    assert "i/o timeout" in failed[0]["stoppedReason"]
    # ECS keeps trying; once the NAT gateway is available the next attempt pulls
    eventually(
        lambda: describe(cloud, "early")["deployments"][0]["rolloutState"] == "COMPLETED",
        timeout=60,
        what="the rollout once the NAT gateway is available",
    )
    state = ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]
    assert state["State"] == "available"


def test_a_rollout_is_not_complete_before_its_targets_are_healthy(
    cloud: LocalCloud, eventually: Any
) -> None:
    vpc, network = public_network(cloud, "10.72.0.0/16")
    group = behind_a_load_balancer(
        cloud, vpc, network, "paced", HealthCheckIntervalSeconds=30, HealthyThresholdCount=5
    )
    cloud.client("ecs").create_service(
        cluster="real",
        serviceName="paced",
        taskDefinition=register(cloud, "paced"),
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration=network,
        loadBalancers=[{"targetGroupArn": group, "containerName": "app", "containerPort": 80}],
    )
    running = eventually(
        lambda: {t["lastStatus"] for t in service_tasks(cloud, "paced")} == {"RUNNING"},
        what="the tasks to run",
    )
    assert running
    # RUNNING tasks, targets still in their health checks: not done yet
    assert target_states(cloud, group) == ["initial", "initial"]
    assert describe(cloud, "paced")["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    eventually(
        lambda: describe(cloud, "paced")["deployments"][0]["rolloutState"] == "COMPLETED",
        what="the rollout",
    )
    assert target_states(cloud, group) == ["healthy", "healthy"]


def test_a_redeploy_drains_the_old_targets_before_it_completes(
    cloud: LocalCloud, eventually: Any
) -> None:
    vpc, network = public_network(cloud, "10.73.0.0/16")
    group = behind_a_load_balancer(
        cloud, vpc, network, "drained", HealthCheckIntervalSeconds=10, HealthyThresholdCount=2
    )
    elb = cloud.client("elbv2")
    elb.modify_target_group_attributes(
        TargetGroupArn=group,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "120"}],
    )
    ecs = cloud.client("ecs")
    ecs.create_service(
        cluster="real",
        serviceName="drained",
        taskDefinition=register(cloud, "drained"),
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=network,
        loadBalancers=[{"targetGroupArn": group, "containerName": "app", "containerPort": 80}],
    )
    eventually(
        lambda: describe(cloud, "drained")["deployments"][0]["rolloutState"] == "COMPLETED",
        what="the first rollout",
    )
    ecs.update_service(cluster="real", service="drained", taskDefinition=register(cloud, "drained"))
    eventually(lambda: "draining" in target_states(cloud, group), what="the old target to drain")
    assert describe(cloud, "drained")["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    eventually(
        lambda: describe(cloud, "drained")["deployments"][0]["rolloutState"] == "COMPLETED",
        what="the redeploy",
    )
    assert target_states(cloud, group) == ["healthy"]


def test_a_stopped_service_task_is_replaced(cloud: LocalCloud, eventually: Any) -> None:
    _, network = public_network(cloud, "10.74.0.0/16")
    ecs = cloud.client("ecs")
    ecs.create_service(
        cluster="real",
        serviceName="replaced",
        taskDefinition=register(cloud, "replaced"),
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=network,
    )
    eventually(
        lambda: describe(cloud, "replaced")["deployments"][0]["rolloutState"] == "COMPLETED",
        what="the rollout",
    )
    (first,) = service_tasks(cloud, "replaced")
    ecs.stop_task(cluster="real", task=first["taskArn"], reason="testing")

    def replacement() -> dict[str, Any] | None:
        found = [t for t in service_tasks(cloud, "replaced") if t["taskArn"] != first["taskArn"]]
        return found[0] if found and found[0]["lastStatus"] == "RUNNING" else None

    assert eventually(replacement, what="a replacement task")
    (stopped,) = ecs.describe_tasks(cluster="real", tasks=[first["taskArn"]])["tasks"]
    assert (stopped["stopCode"], stopped["stoppedReason"]) == ("UserInitiated", "testing")
    eventually(lambda: describe(cloud, "replaced")["runningCount"] == 1, what="one running")


def test_tasks_whose_health_check_port_nobody_listens_on_are_stopped_and_the_breaker_trips(
    cloud: LocalCloud, eventually: Any
) -> None:
    vpc, network = public_network(cloud, "10.75.0.0/16")
    group = behind_a_load_balancer(
        cloud,
        vpc,
        network,
        "deaf",
        HealthCheckIntervalSeconds=10,
        UnhealthyThresholdCount=2,
        HealthCheckPort="9999",
    )
    cloud.client("ecs").create_service(
        cluster="real",
        serviceName="deaf",
        taskDefinition=register(cloud, "deaf"),
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=network,
        loadBalancers=[{"targetGroupArn": group, "containerName": "app", "containerPort": 80}],
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )
    service = eventually(
        lambda: (
            (found := describe(cloud, "deaf"))["deployments"][0]["rolloutState"] == "FAILED"
            and found
        ),
        timeout=30,
        what="the breaker to trip",
    )
    assert service["deployments"][0]["failedTasks"] == 3
    stopped = service_tasks(cloud, "deaf", "STOPPED")
    assert any(
        t["stoppedReason"].startswith("Task failed ELB health checks in (target-group")
        for t in stopped
    )
    assert any("is unhealthy in (target-group" in e["message"] for e in service["events"])


def test_a_service_whose_image_was_missing_recovers_once_it_is_pushed(
    cloud: LocalCloud, eventually: Any
) -> None:
    _, network = public_network(cloud, "10.76.0.0/16")
    image = f"{cloud.account_id}.dkr.ecr.{cloud.region}.amazonaws.com/later:v1"
    cloud.client("ecs").create_service(
        cluster="real",
        serviceName="later",
        taskDefinition=register(cloud, "later", image),
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=network,
    )
    failed = eventually(
        lambda: service_tasks(cloud, "later", "STOPPED"), what="a task that cannot pull"
    )
    assert failed[0]["stoppedReason"].startswith("CannotPullContainerError:")
    ecr = cloud.client("ecr")
    ecr.create_repository(repositoryName="later")
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "layers": [{"digest": "sha256:" + "d" * 64}],
    }
    ecr.put_image(repositoryName="later", imageManifest=json.dumps(manifest), imageTag="v1")
    eventually(
        lambda: describe(cloud, "later")["deployments"][0]["rolloutState"] == "COMPLETED",
        timeout=60,
        what="the service to recover",
    )


def test_a_task_whose_essential_container_exits_stops_with_its_exit_code(
    cloud: LocalCloud, eventually: Any
) -> None:
    _, network = public_network(cloud, "10.77.0.0/16")
    ecs = cloud.client("ecs")
    definition = register(cloud, "oneshot", command=["sh", "-c", "sleep 20; exit 3"])
    (task,) = ecs.run_task(
        cluster="real",
        taskDefinition=definition,
        launchType="FARGATE",
        networkConfiguration=network,
    )["tasks"]

    def stopped() -> dict[str, Any] | None:
        (found,) = ecs.describe_tasks(cluster="real", tasks=[task["taskArn"]])["tasks"]
        return found if found["lastStatus"] == "STOPPED" else None

    done = eventually(stopped, what="the task to stop")
    assert done["stopCode"] == "EssentialContainerExited"
    assert done["containers"][0]["exitCode"] == 3
    assert "startedAt" in done  # it ran before it exited


def test_ecs_answers_errors_as_ecs_does_never_a_server_error(cloud: LocalCloud) -> None:
    ecs = cloud.client("ecs")
    with pytest.raises(ecs.exceptions.InvalidParameterException, match="not found"):
        ecs.stop_task(cluster="real", task="0123456789abcdef0123456789abcdef")
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        ecs.run_task(cluster="nowhere", taskDefinition=register(cloud, "errors"))
    with pytest.raises(ecs.exceptions.InvalidParameterException, match="Network Configuration"):
        ecs.run_task(cluster="real", taskDefinition=register(cloud, "errors"))
    missing = ecs.describe_tasks(cluster="real", tasks=["0123456789abcdef0123456789abcdef"])
    assert missing["tasks"] == [] and missing["failures"][0]["reason"] == "MISSING"
