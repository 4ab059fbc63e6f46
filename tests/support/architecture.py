"""The seed's complete architecture, checked resource by resource against what AWS (moto, or
the local cloud) reports: used by the integration tests and the end-to-end tests alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Client = Callable[[str], Any]


def _by_role(items: list[dict[str, Any]], role: str) -> list[dict[str, Any]]:
    return [i for i in items if {"Key": "ecsdrop:role", "Value": role} in i.get("Tags", [])]


def _default_route(table: dict[str, Any]) -> dict[str, Any]:
    routes = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    assert len(routes) == 1, table["Routes"]
    return routes[0]


def assert_complete_architecture(
    client: Client,
    network: dict[str, Any],
    load_balancer: dict[str, Any],
    *,
    service_name: str = "scorekeep",
    cluster: str = "ecsdrop",
    container: tuple[str, int] = ("scorekeep-frontend", 8080),
    cidr: str = "10.0.0.0/16",
) -> None:
    """internet → ALB (public subnets, open on 80) → tasks in private subnets (open only on
    the container port, only to the ALB's group), egress through a NAT gateway."""
    ec2, elb, ecs = client("ec2"), client("elbv2"), client("ecs")
    vpc = ec2.describe_vpcs(VpcIds=[network["vpcId"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == cidr
    vpc_filter = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    subnets = ec2.describe_subnets(Filters=vpc_filter)["Subnets"]
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

    tables = ec2.describe_route_tables(Filters=vpc_filter)["RouteTables"]
    (public_table,) = _by_role(tables, "route-table-public")
    assert _default_route(public_table)["GatewayId"] == igw["InternetGatewayId"]
    assert {a["SubnetId"] for a in public_table["Associations"]} == set(network["publicSubnetIds"])
    for zone, subnet_id in enumerate(network["privateSubnetIds"]):
        (table,) = _by_role(tables, f"route-table-private-{zone}")
        assert _default_route(table)["NatGatewayId"] == nat["NatGatewayId"]
        assert [a["SubnetId"] for a in table["Associations"]] == [subnet_id]

    groups = network["securityGroups"]
    (alb_group,) = ec2.describe_security_groups(GroupIds=[groups["loadBalancer"]])["SecurityGroups"]
    (task_group,) = ec2.describe_security_groups(GroupIds=[groups["tasks"]])["SecurityGroups"]
    assert [(p["FromPort"], p["IpRanges"]) for p in alb_group["IpPermissions"]] == [
        (80, [{"CidrIp": "0.0.0.0/0"}])
    ]
    (task_rule,) = task_group["IpPermissions"]
    assert (task_rule["FromPort"], task_rule["ToPort"]) == (container[1], container[1])
    assert task_rule["IpRanges"] == []
    assert [p["GroupId"] for p in task_rule["UserIdGroupPairs"]] == [alb_group["GroupId"]]

    (alb,) = elb.describe_load_balancers(LoadBalancerArns=[load_balancer["loadBalancerArn"]])[
        "LoadBalancers"
    ]
    assert (alb["Type"], alb["Scheme"]) == ("application", "internet-facing")
    assert {z["SubnetId"] for z in alb["AvailabilityZones"]} == set(network["publicSubnetIds"])
    assert alb["SecurityGroups"] == [alb_group["GroupId"]]
    (target_group,) = elb.describe_target_groups(TargetGroupArns=[load_balancer["targetGroupArn"]])[
        "TargetGroups"
    ]
    assert (target_group["TargetType"], target_group["Port"]) == ("ip", container[1])
    assert target_group["HealthCheckPath"] == "/"
    (listener,) = elb.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    assert (listener["Protocol"], listener["Port"]) == ("HTTP", 80)
    assert listener["DefaultActions"][0]["TargetGroupArn"] == target_group["TargetGroupArn"]

    (service,) = ecs.describe_services(cluster=cluster, services=[service_name], include=["TAGS"])[
        "services"
    ]
    awsvpc = service["networkConfiguration"]["awsvpcConfiguration"]
    assert awsvpc["assignPublicIp"] == "DISABLED"
    assert set(awsvpc["subnets"]) == set(network["privateSubnetIds"])
    assert awsvpc["securityGroups"] == [task_group["GroupId"]]
    assert service["loadBalancers"] == [
        {
            "targetGroupArn": target_group["TargetGroupArn"],
            "containerName": container[0],
            "containerPort": container[1],
        }
    ]
    assert service["launchType"] == "FARGATE"
    assert service["propagateTags"] == "SERVICE"
    assert {"key": "ecsdrop:service", "value": service_name} in service["tags"]
    task = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    assert task["networkMode"] == "awsvpc"
    assert all("@sha256:" in c["image"] for c in task["containerDefinitions"])


def tagged_network(client: Client, service: str) -> dict[str, list[str]]:
    """Every EC2 network resource carrying ``ecsdrop:service=<service>`` (none after a
    greenfield rollback)."""
    ec2 = client("ec2")
    tag = [{"Name": "tag:ecsdrop:service", "Values": [service]}]
    return {
        "vpcs": [v["VpcId"] for v in ec2.describe_vpcs(Filters=tag)["Vpcs"]],
        "subnets": [s["SubnetId"] for s in ec2.describe_subnets(Filters=tag)["Subnets"]],
        "gateways": [
            g["InternetGatewayId"]
            for g in ec2.describe_internet_gateways(Filters=tag)["InternetGateways"]
        ],
        "nat": [
            n["NatGatewayId"]
            for n in ec2.describe_nat_gateways(Filter=tag)["NatGateways"]
            # moto ignores tag filters on NAT gateways: check the tags here
            if n["State"] not in ("deleted", "deleting")
            and {"Key": "ecsdrop:service", "Value": service} in n.get("Tags", [])
        ],
        "eips": [a["AllocationId"] for a in ec2.describe_addresses(Filters=tag)["Addresses"]],
        "route_tables": [
            r["RouteTableId"] for r in ec2.describe_route_tables(Filters=tag)["RouteTables"]
        ],
        "security_groups": [
            g["GroupId"] for g in ec2.describe_security_groups(Filters=tag)["SecurityGroups"]
        ],
    }


NO_NETWORK: dict[str, list[str]] = {
    "vpcs": [],
    "subnets": [],
    "gateways": [],
    "nat": [],
    "eips": [],
    "route_tables": [],
    "security_groups": [],
}


def tagged_resources(client: Client, service: str) -> list[str]:
    """Everything in the account tagged ``ecsdrop:service=<service>``, as the Resource Groups
    Tagging API lists it (ECS, ELB, logs, EC2), beside the EC2 network (whose NAT gateways
    the tagging API keeps listing once deleted) and the ECS service itself. Tasks are left
    out: ECS forgets stopped tasks on its own within the hour."""
    pages = (
        client("resourcegroupstaggingapi")
        .get_paginator("get_resources")
        .paginate(TagFilters=[{"Key": "ecsdrop:service", "Values": [service]}])
    )
    arns = [
        item["ResourceARN"]
        for page in pages
        for item in page["ResourceTagMappingList"]
        if ":task/" not in item["ResourceARN"] and ":ec2:" not in item["ResourceARN"]
    ]
    network = [i for ids in tagged_network(client, service).values() for i in ids]
    return sorted([arn for arn in arns if not _deleted_service(client, arn)] + network)


def _deleted_service(client: Client, arn: str) -> bool:
    """A deleted ECS service stays INACTIVE (describable, tags and all) for a while."""
    if ":service/" not in arn or not arn.startswith("arn:aws:ecs:"):
        return False
    cluster, name = arn.rsplit("/", 2)[-2:]
    found = client("ecs").describe_services(cluster=cluster, services=[name])["services"]
    return all(s["status"] == "INACTIVE" for s in found)
