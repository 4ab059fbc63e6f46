"""A first deployment of the seed's scorekeep spec builds the complete architecture."""

from __future__ import annotations

from typing import Any

import boto3

from tests.support.moto_stack import ACCOUNT, MotoStack, example


def by_tag(items: list[dict[str, Any]], role: str) -> list[dict[str, Any]]:
    return [i for i in items if {"Key": "ecsdrop:role", "Value": role} in i.get("Tags", [])]


def test_scorekeep_greenfield_yields_the_seed_complete_architecture(
    stack: MotoStack, aws: boto3.Session
) -> None:
    state = stack.deploy(example("scorekeep.yaml"))
    ec2, elb, ecs = aws.client("ec2"), aws.client("elbv2"), aws.client("ecs")
    network = state["steps"]["network"]

    vpc = ec2.describe_vpcs(VpcIds=[network["vpcId"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.0.0.0/16"

    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
        "Subnets"
    ]
    public = [s for s in subnets if s["SubnetId"] in network["publicSubnetIds"]]
    private = [s for s in subnets if s["SubnetId"] in network["privateSubnetIds"]]
    assert len(public) == len(private) == 2
    assert len({s["AvailabilityZone"] for s in public}) == 2
    assert {s["AvailabilityZone"] for s in public} == {s["AvailabilityZone"] for s in private}

    igw = ec2.describe_internet_gateways(InternetGatewayIds=[network["internetGatewayId"]])[
        "InternetGateways"
    ][0]
    assert igw["Attachments"][0]["VpcId"] == vpc["VpcId"]

    (nat,) = ec2.describe_nat_gateways(NatGatewayIds=network["natGatewayIds"])["NatGateways"]
    assert nat["SubnetId"] in network["publicSubnetIds"]
    assert nat["NatGatewayAddresses"][0]["AllocationId"]

    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
        "RouteTables"
    ]
    (public_table,) = by_tag(tables, "route-table-public")
    default = [r for r in public_table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    assert default[0]["GatewayId"] == igw["InternetGatewayId"]
    assert {a["SubnetId"] for a in public_table["Associations"]} == set(network["publicSubnetIds"])
    for zone, subnet_id in enumerate(network["privateSubnetIds"]):
        (table,) = by_tag(tables, f"route-table-private-{zone}")
        default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        assert default[0]["NatGatewayId"] == nat["NatGatewayId"]
        assert [a["SubnetId"] for a in table["Associations"]] == [subnet_id]

    groups = network["securityGroups"]
    (alb_group,) = ec2.describe_security_groups(GroupIds=[groups["loadBalancer"]])["SecurityGroups"]
    (task_group,) = ec2.describe_security_groups(GroupIds=[groups["tasks"]])["SecurityGroups"]
    assert [(p["FromPort"], p["IpRanges"]) for p in alb_group["IpPermissions"]] == [
        (80, [{"CidrIp": "0.0.0.0/0"}])
    ]
    (task_rule,) = task_group["IpPermissions"]
    assert (task_rule["FromPort"], task_rule["ToPort"]) == (8080, 8080)
    assert task_rule["IpRanges"] == []
    assert [p["GroupId"] for p in task_rule["UserIdGroupPairs"]] == [alb_group["GroupId"]]

    lb_step = state["steps"]["loadBalancer"]
    (alb,) = elb.describe_load_balancers(LoadBalancerArns=[lb_step["loadBalancerArn"]])[
        "LoadBalancers"
    ]
    assert (alb["Type"], alb["Scheme"]) == ("application", "internet-facing")
    assert {z["SubnetId"] for z in alb["AvailabilityZones"]} == set(network["publicSubnetIds"])
    assert alb["SecurityGroups"] == [alb_group["GroupId"]]
    (target_group,) = elb.describe_target_groups(TargetGroupArns=[lb_step["targetGroupArn"]])[
        "TargetGroups"
    ]
    assert (target_group["TargetType"], target_group["Port"]) == ("ip", 8080)
    assert target_group["HealthCheckPath"] == "/"
    (listener,) = elb.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    assert (listener["Protocol"], listener["Port"]) == ("HTTP", 80)
    assert listener["DefaultActions"][0]["TargetGroupArn"] == target_group["TargetGroupArn"]

    (service,) = ecs.describe_services(cluster="ecsdrop", services=["scorekeep"], include=["TAGS"])[
        "services"
    ]
    awsvpc = service["networkConfiguration"]["awsvpcConfiguration"]
    assert awsvpc["assignPublicIp"] == "DISABLED"
    assert set(awsvpc["subnets"]) == set(network["privateSubnetIds"])
    assert awsvpc["securityGroups"] == [task_group["GroupId"]]
    assert service["loadBalancers"] == [
        {
            "targetGroupArn": target_group["TargetGroupArn"],
            "containerName": "scorekeep-frontend",
            "containerPort": 8080,
        }
    ]
    assert service["desiredCount"] == 2
    assert service["launchType"] == "FARGATE"
    assert service["propagateTags"] == "SERVICE"
    assert {"key": "ecsdrop:service", "value": "scorekeep"} in service["tags"]

    task = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    assert (task["cpu"], task["memory"], task["networkMode"]) == ("1024", "2048", "awsvpc")
    images = [c["image"] for c in task["containerDefinitions"]]
    assert all("@sha256:" in image for image in images), images
    assert task["executionRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/ecsdrop-task-execution"


def test_a_successful_deployment_is_recorded_announced_and_unlocked(stack: MotoStack) -> None:
    state = stack.deploy(example("scorekeep.yaml"))
    status = stack.status_object("scorekeep")
    assert status["state"] == "SUCCEEDED"
    assert status["taskDefinition"]["revision"] == 1
    assert status["loadBalancerDnsName"] == state["steps"]["loadBalancer"]["dnsName"]
    assert [e["detail"]["state"] for e in stack.published()] == ["STARTED", "SUCCEEDED"]
    assert stack.runtime.store.lock_holder("scorekeep") is None
    current = stack.runtime.store.get_state("scorekeep")
    assert current is not None
    assert current["specVersionId"] == state["deployment"]["spec_version_id"]
    followed = stack.runtime.store.services_following("scorekeep-api", "latest")
    assert [(f["service"], f["container"]) for f in followed] == [("scorekeep", "scorekeep-api")]
