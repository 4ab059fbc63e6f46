"""The other architectures the examples describe: public, private over three zones, HTTPS
with a redirect, an NLB in an existing VPC, a rule on a shared ALB; and a failure in any
step leaving nothing behind."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.integration.deploy.test_rollback import fail_call
from tests.support.architecture import NO_NETWORK
from tests.support.moto_stack import MotoStack, example


def test_public_placement_without_a_load_balancer_opens_the_ports_to_anyone(
    stack: MotoStack, aws: boto3.Session
) -> None:
    state = stack.deploy(example("scorekeep-public.yaml"), key="specs/scorekeep-public.yaml")
    network = state["steps"]["network"]
    assert network["natGatewayIds"] == []
    assert network["privateSubnetIds"] == []
    assert network["securityGroups"]["loadBalancer"] is None
    ec2 = aws.client("ec2")
    (group,) = ec2.describe_security_groups(GroupIds=[network["securityGroups"]["tasks"]])[
        "SecurityGroups"
    ]
    assert sorted((p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in group["IpPermissions"]) == [
        (5000, "0.0.0.0/0"),
        (8080, "0.0.0.0/0"),
    ]
    (service,) = aws.client("ecs").describe_services(
        cluster="ecsdrop", services=["scorekeep-public"]
    )["services"]
    awsvpc = service["networkConfiguration"]["awsvpcConfiguration"]
    assert awsvpc["assignPublicIp"] == "ENABLED"
    assert set(awsvpc["subnets"]) == set(network["publicSubnetIds"])
    assert service["loadBalancers"] == []
    assert state["steps"]["loadBalancer"] == {"type": "none"}


def test_private_placement_with_a_nat_gateway_per_zone(
    stack: MotoStack, aws: boto3.Session
) -> None:
    state = stack.deploy(example("scorekeep-private.yaml"), key="specs/scorekeep-private.yaml")
    network = state["steps"]["network"]
    assert len(network["availabilityZones"]) == 3
    assert len(network["natGatewayIds"]) == 3
    ec2 = aws.client("ec2")
    nats = ec2.describe_nat_gateways(NatGatewayIds=network["natGatewayIds"])["NatGateways"]
    assert {n["SubnetId"] for n in nats} == set(network["publicSubnetIds"])
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": network["privateSubnetIds"]}]
    )["RouteTables"]
    routed = {
        route.get("NatGatewayId")
        for table in tables
        for route in table["Routes"]
        if route.get("DestinationCidrBlock") == "0.0.0.0/0"
    }
    assert routed == set(network["natGatewayIds"])
    (group,) = ec2.describe_security_groups(GroupIds=[network["securityGroups"]["tasks"]])[
        "SecurityGroups"
    ]
    assert {p["IpRanges"][0]["CidrIp"] for p in group["IpPermissions"]} == {"10.20.0.0/16"}


def test_https_listener_with_its_certificate_and_a_redirect_from_http(
    stack: MotoStack, aws: boto3.Session
) -> None:
    stack.push_image("orders/api", "2.4.1", "orders-1")
    certificate = aws.client("acm").request_certificate(DomainName="orders.example.com")[
        "CertificateArn"
    ]
    spec = example("https-api.json").replace(
        "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
        certificate,
    )
    state = stack.deploy(spec, key="specs/orders-api.yaml")
    elb = aws.client("elbv2")
    listeners = {
        listener["Port"]: listener
        for listener in elb.describe_listeners(
            LoadBalancerArn=state["steps"]["loadBalancer"]["loadBalancerArn"]
        )["Listeners"]
    }
    assert set(listeners) == {80, 443}
    https = listeners[443]
    assert https["Protocol"] == "HTTPS"
    assert https["Certificates"][0]["CertificateArn"] == certificate
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    redirect = listeners[80]["DefaultActions"][0]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"]["Protocol"] == "HTTPS"
    ec2 = aws.client("ec2")
    group_id = state["steps"]["network"]["securityGroups"]["loadBalancer"]
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert sorted(p["FromPort"] for p in group["IpPermissions"]) == [80, 443]
    (target_group,) = elb.describe_target_groups(
        TargetGroupArns=[state["steps"]["loadBalancer"]["targetGroupArn"]]
    )["TargetGroups"]
    assert (target_group["Port"], target_group["HealthCheckPath"]) == (8443, "/health")
    scaling = aws.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=["service/ecsdrop/orders-api"]
    )["ScalableTargets"]
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in scaling] == [(3, 12)]


def existing_vpc(aws: boto3.Session) -> dict[str, Any]:
    """A VPC the platform team already has: two public and two private subnets."""
    ec2 = aws.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    zones = ["us-east-1a", "us-east-1b"]
    public = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate(zones)
    ]
    private = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.9.{10 + i}.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate(zones)
    ]
    return {"vpcId": vpc_id, "public": public, "private": private}


def test_an_nlb_in_an_existing_vpc_creates_no_network_of_its_own(
    stack: MotoStack, aws: boto3.Session
) -> None:
    vpc = existing_vpc(aws)
    spec = example("nlb-tcp.yaml")
    spec = spec.replace("vpc-0a1b2c3d4e5f60718", vpc["vpcId"])
    for old, new in zip(
        [
            "subnet-0a1b2c3d4e5f60001",
            "subnet-0a1b2c3d4e5f60002",
            "subnet-0a1b2c3d4e5f60011",
            "subnet-0a1b2c3d4e5f60012",
        ],
        [*vpc["public"], *vpc["private"]],
        strict=True,
    ):
        spec = spec.replace(old, new)
    state = stack.deploy(spec, key="specs/mqtt-broker.yaml")
    assert stack.tagged_network("mqtt-broker")["vpcs"] == []
    assert len(stack.tagged_network("mqtt-broker")["security_groups"]) == 2
    elb = aws.client("elbv2")
    (nlb,) = elb.describe_load_balancers(
        LoadBalancerArns=[state["steps"]["loadBalancer"]["loadBalancerArn"]]
    )["LoadBalancers"]
    assert (nlb["Type"], nlb["VpcId"]) == ("network", vpc["vpcId"])
    (listener,) = elb.describe_listeners(LoadBalancerArn=nlb["LoadBalancerArn"])["Listeners"]
    assert (listener["Protocol"], listener["Port"]) == ("TCP", 1883)
    (service,) = aws.client("ecs").describe_services(cluster="ecsdrop", services=["mqtt-broker"])[
        "services"
    ]
    assert set(service["networkConfiguration"]["awsvpcConfiguration"]["subnets"]) == set(
        vpc["private"]
    )


def test_a_rule_on_a_shared_alb_routes_the_host_to_the_service(
    stack: MotoStack, aws: boto3.Session
) -> None:
    vpc = existing_vpc(aws)
    elb = aws.client("elbv2")
    shared = elb.create_load_balancer(Name="platform", Subnets=vpc["public"])["LoadBalancers"][0]
    default = elb.create_target_group(
        Name="platform-default", Protocol="HTTP", Port=80, VpcId=vpc["vpcId"], TargetType="ip"
    )["TargetGroups"][0]
    listener = elb.create_listener(
        LoadBalancerArn=shared["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": default["TargetGroupArn"]}],
    )["Listeners"][0]
    spec = example("web-minimal.yaml") + (
        "network:\n"
        f"  existing: {{vpcId: {vpc['vpcId']}, privateSubnetIds: [{', '.join(vpc['private'])}]}}\n"
        "loadBalancer:\n"
        f"  rule: {{listenerArn: '{listener['ListenerArn']}', priority: 10,"
        " hostHeaders: [web.example.com]}\n"
    )
    stack.push_image("web", "stable", "web-1")
    state = stack.deploy(spec, key="specs/web.yaml")
    rules = [
        r
        for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
        if not r["IsDefault"]
    ]
    (rule,) = rules
    assert rule["Priority"] == "10"
    assert rule["Conditions"][0]["Values"] == ["web.example.com"]
    assert rule["Actions"][0]["TargetGroupArn"] == state["steps"]["loadBalancer"]["targetGroupArn"]
    assert len(elb.describe_load_balancers()["LoadBalancers"]) == 1  # no ALB of its own


@pytest.mark.parametrize(
    ("failing_call", "failing_step"),
    [
        ("CreateSecurityGroup", "network"),
        ("CreateLoadBalancer", "loadBalancer"),
        ("CreateListener", "loadBalancer"),
        ("CreateService", "service"),
    ],
)
def test_a_greenfield_failure_in_any_step_leaves_nothing_behind(
    stack: MotoStack, aws: boto3.Session, failing_call: str, failing_step: str
) -> None:
    state = stack.start(example("scorekeep.yaml"))
    clients = stack.runtime.clients
    client = {"network": clients.ec2, "loadBalancer": clients.elbv2, "service": clients.ecs}
    fail_call(client[failing_step], failing_call)
    with pytest.raises(Exception, match=failing_call):
        for step in ("taskDefinition", "network", "loadBalancer", "service"):
            stack.step(state, step)

    state = stack.fail_and_roll_back(state, "AwsError")

    assert state["rollback"]["outcome"] == "ROLLED_BACK", state["rollback"]
    assert stack.tagged_network("scorekeep") == NO_NETWORK
    elb = aws.client("elbv2")
    assert elb.describe_load_balancers()["LoadBalancers"] == []
    assert elb.describe_target_groups()["TargetGroups"] == []
    ecs = aws.client("ecs")
    active = (
        [
            s
            for s in ecs.describe_services(cluster="ecsdrop", services=["scorekeep"])["services"]
            if s["status"] == "ACTIVE"
        ]
        if ecs.list_clusters()["clusterArns"]
        else []
    )
    assert active == []
    revisions = ecs.list_task_definitions(familyPrefix="scorekeep", status="ACTIVE")
    assert revisions["taskDefinitionArns"] == []
