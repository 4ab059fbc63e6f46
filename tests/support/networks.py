"""Networks made by hand, as a user would with the AWS CLI, in which Fargate tasks can start."""

from __future__ import annotations

import time
from typing import Any


def public_subnet(ec2: Any, cidr: str, az: str | None = None) -> tuple[str, str]:
    """(VPC id, subnet id) of a new VPC whose one subnet routes to an internet gateway, so a
    task given a public IP can pull its image (as on AWS: without a route out it cannot)."""
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    prefix = cidr.rsplit(".", 2)[0]  # 10.9.0.0/16 -> 10.9
    placement = {"AvailabilityZone": az} if az else {}
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{prefix}.1.0/24", **placement)["Subnet"][
        "SubnetId"
    ]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    return vpc, subnet


def team_network(ec2: Any, cidr: str, zones: int = 2, seconds: float = 60.0) -> dict[str, Any]:
    """A platform team's VPC: public and private subnets in `zones` zones (tagged `tier`), an
    internet gateway for the public ones and a NAT gateway the private ones route through,
    returned once the NAT gateway is available: {"vpcId", "public": [...], "private": [...]}."""
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    prefix = cidr.rsplit(".", 2)[0]
    names = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    subnets: dict[str, list[str]] = {"public": [], "private": []}
    pairs = [(tier, zone) for tier in ("public", "private") for zone in names[:zones]]
    for index, (tier, zone) in enumerate(pairs):
        subnets[tier].append(
            ec2.create_subnet(
                VpcId=vpc,
                CidrBlock=f"{prefix}.{index}.0/24",
                AvailabilityZone=zone,
                TagSpecifications=[
                    {"ResourceType": "subnet", "Tags": [{"Key": "tier", "Value": tier}]}
                ],
            )["Subnet"]["SubnetId"]
        )
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    public = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    for subnet in subnets["public"]:
        ec2.associate_route_table(RouteTableId=public, SubnetId=subnet)
    address = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnets["public"][0], AllocationId=address)["NatGateway"][
        "NatGatewayId"
    ]
    private = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    for subnet in subnets["private"]:
        ec2.associate_route_table(RouteTableId=private, SubnetId=subnet)
    deadline = time.monotonic() + seconds
    while ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["State"] != "available":
        assert time.monotonic() < deadline, f"NAT gateway {nat} not available after {seconds}s"
        time.sleep(0.05)
    return {"vpcId": vpc, **subnets}
