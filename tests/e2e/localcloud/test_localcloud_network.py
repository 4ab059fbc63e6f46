"""EC2 and ELBv2 on the local cloud as AWS behaves: provisioning that takes its simulated time,
NAT gateways that fail without an internet gateway, and the account's default quotas.

One empty cloud for the module; tests that count against a per-Region quota each work in a
Region of their own, so none depends on what another created.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud import LocalCloud
from localcloud.clock import REALISTIC
from localcloud.ec2 import nat_gateway_state
from localcloud.elbv2 import load_balancer_active
from localcloud.quotas import DEFAULTS
from tests.e2e.localcloud.conftest import TIME_SCALE, poll

NAT_AVAILABLE = REALISTIC.nat_gateway_available * TIME_SCALE  # wall seconds
NAT_DELETED = REALISTIC.nat_gateway_deleted * TIME_SCALE
LOAD_BALANCER_ACTIVE = REALISTIC.load_balancer_active * TIME_SCALE
_REGIONS = itertools.cycle(
    [
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-north-1",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ca-central-1",
        "sa-east-1",
    ]
)


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    """An empty cloud (no template): what is tested here needs none."""
    with LocalCloud(time_scale=TIME_SCALE) as running:
        yield running


@pytest.fixture
def region() -> str:
    """A Region no other test of the module uses."""
    return next(_REGIONS)


def error_of(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    return {
        "code": raised.value.response["Error"]["Code"],
        "message": raised.value.response["Error"]["Message"],
        "status": raised.value.response["ResponseMetadata"]["HTTPStatusCode"],
    }


def public_subnet(ec2: Any, *, internet_gateway: bool = True, route: bool = True) -> dict[str, str]:
    """A VPC with a subnet, the VPC's internet gateway (attached) and the subnet's default
    route to it, as a NAT gateway's subnet has."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    zone = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone=zone)
    found = {"vpc": vpc, "subnet": subnet["Subnet"]["SubnetId"], "zone": zone}
    if internet_gateway:
        gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        if route:
            table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
            ec2.create_route(
                RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway
            )
            ec2.associate_route_table(RouteTableId=table, SubnetId=found["subnet"])
    return found


def create_nat_gateway(ec2: Any, subnet: str) -> tuple[dict[str, Any], str]:
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    created = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    return created, allocation


def nat_gateway(ec2: Any, nat_id: str) -> dict[str, Any]:
    found: dict[str, Any] = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]
    return found


def association_of(ec2: Any, allocation: str) -> str | None:
    return ec2.describe_addresses(AllocationIds=[allocation])["Addresses"][0].get("AssociationId")


# -- NAT gateways --------------------------------------------------------------------------------


@pytest.fixture
def slow_nat(cloud: LocalCloud) -> Iterator[float]:
    """NAT gateways that take 5 s of wall-clock time here, so that the looks at a pending one
    are made while it is pending however busy the machine is; the gateway's delay in wall
    seconds."""
    realistic = cloud.profile
    cloud.profile = replace(realistic, nat_gateway_available=5.0 / TIME_SCALE)
    try:
        yield cloud.profile.nat_gateway_available * TIME_SCALE
    finally:
        cloud.profile = realistic


def test_a_nat_gateway_is_pending_then_available_after_its_delay(
    cloud: LocalCloud, region: str, slow_nat: float
) -> None:
    ec2 = cloud.client("ec2", region_name=region)
    subnet = public_subnet(ec2)
    started = time.monotonic()
    created, allocation = create_nat_gateway(ec2, subnet["subnet"])
    nat_id = created["NatGatewayId"]

    assert created["State"] == "pending"
    assert nat_gateway(ec2, nat_id)["State"] == "pending"
    pending = ec2.describe_nat_gateways(Filters=[{"Name": "state", "Values": ["pending"]}])
    assert [n["NatGatewayId"] for n in pending["NatGateways"]] == [nat_id]
    assert nat_gateway_state(cloud.account_id, region, nat_id) == "pending"
    ec2.get_waiter("nat_gateway_available").wait(
        NatGatewayIds=[nat_id], WaiterConfig={"Delay": 0.05, "MaxAttempts": 1200}
    )
    waited = time.monotonic() - started

    assert waited >= slow_nat * 0.9  # never available before its delay
    assert nat_gateway_state(cloud.account_id, region, nat_id) == "available"
    assert association_of(ec2, allocation) is not None
    assert nat_gateway_state(cloud.account_id, region, "nat-0000000000000000f") is None


def test_a_public_nat_gateway_in_a_vpc_without_an_internet_gateway_fails(
    cloud: LocalCloud, region: str
) -> None:
    ec2 = cloud.client("ec2", region_name=region)
    subnet = public_subnet(ec2, internet_gateway=False)
    created, allocation = create_nat_gateway(ec2, subnet["subnet"])
    assert created["State"] == "pending"

    failed = poll(
        lambda: (found := nat_gateway(ec2, created["NatGatewayId"]))["State"] == "failed" and found,
        timeout=NAT_AVAILABLE + 5.0,
        interval=0.05,
        what="the NAT gateway to fail",
    )

    assert failed["FailureCode"] == "Gateway.NotAttached"
    assert failed["FailureMessage"] == f"Network {subnet['vpc']} has no Internet gateway attached"
    assert association_of(ec2, allocation) is None  # a failed gateway holds no address
    ec2.release_address(AllocationId=allocation)
    waiter = ec2.get_waiter("nat_gateway_available")
    with pytest.raises(Exception, match="failure state"):
        waiter.wait(NatGatewayIds=[created["NatGatewayId"]], WaiterConfig={"Delay": 0.05})


def test_a_nat_gateway_in_a_subnet_without_a_route_to_the_internet_gateway_is_available(
    cloud: LocalCloud, region: str
) -> None:
    """AWS checks the VPC's internet gateway only (no failure code concerns routes): such a
    gateway becomes available and simply cannot reach the internet."""
    ec2 = cloud.client("ec2", region_name=region)
    subnet = public_subnet(ec2, route=False)
    created, _ = create_nat_gateway(ec2, subnet["subnet"])

    ec2.get_waiter("nat_gateway_available").wait(
        NatGatewayIds=[created["NatGatewayId"]], WaiterConfig={"Delay": 0.05, "MaxAttempts": 200}
    )

    assert "FailureCode" not in nat_gateway(ec2, created["NatGatewayId"])


def test_a_deleted_nat_gateway_is_deleting_and_keeps_its_address_until_deleted(
    cloud: LocalCloud, region: str
) -> None:
    ec2 = cloud.client("ec2", region_name=region)
    subnet = public_subnet(ec2)
    created, allocation = create_nat_gateway(ec2, subnet["subnet"])
    nat_id = created["NatGatewayId"]
    ec2.get_waiter("nat_gateway_available").wait(
        NatGatewayIds=[nat_id], WaiterConfig={"Delay": 0.05, "MaxAttempts": 200}
    )

    started = time.monotonic()
    assert ec2.delete_nat_gateway(NatGatewayId=nat_id)["NatGatewayId"] == nat_id
    assert nat_gateway(ec2, nat_id)["State"] == "deleting"
    assert association_of(ec2, allocation) is not None
    refused = error_of(lambda: ec2.release_address(AllocationId=allocation))
    assert refused["code"] == "AuthFailure"
    assert ec2.delete_nat_gateway(NatGatewayId=nat_id)["NatGatewayId"] == nat_id  # idempotent
    ec2.get_waiter("nat_gateway_deleted").wait(
        NatGatewayIds=[nat_id], WaiterConfig={"Delay": 0.05, "MaxAttempts": 200}
    )
    waited = time.monotonic() - started

    assert NAT_DELETED * 0.9 <= waited < NAT_DELETED + 5.0
    deleted = nat_gateway(ec2, nat_id)
    assert deleted["DeleteTime"] >= deleted["CreateTime"]
    assert association_of(ec2, allocation) is None
    ec2.release_address(AllocationId=allocation)  # what ecsdrop's rollback does next
    assert ec2.describe_addresses()["Addresses"] == []
    unknown = error_of(lambda: ec2.delete_nat_gateway(NatGatewayId="nat-0000000000000000f"))
    assert unknown["code"] == "NatGatewayNotFound"


# -- EC2 quotas ---------------------------------------------------------------------------------


def fill(create: Callable[[int], Any], count: int) -> None:
    for index in range(count):
        create(index)


def test_the_quotas_are_aws_defaults(cloud: LocalCloud) -> None:
    assert cloud.quotas == DEFAULTS
    assert cloud.quotas["ec2:vpcs-per-region"] == 5
    assert cloud.quotas["elbv2:target-groups"] == 3000


def test_five_vpcs_per_region_counting_the_default_vpc(cloud: LocalCloud, region: str) -> None:
    ec2 = cloud.client("ec2", region_name=region)
    assert len(ec2.describe_vpcs()["Vpcs"]) == 1  # the default VPC
    fill(lambda i: ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16"), 4)

    refused = error_of(lambda: ec2.create_vpc(CidrBlock="10.99.0.0/16"))

    assert refused == {
        "code": "VpcLimitExceeded",
        "message": "The maximum number of VPCs has been reached.",
        "status": 400,
    }
    vpc = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.3.0.0/16"]}])["Vpcs"][0]
    ec2.delete_vpc(VpcId=vpc["VpcId"])
    ec2.create_vpc(CidrBlock="10.99.0.0/16")  # a deleted VPC frees its place


def test_five_elastic_ips_and_five_internet_gateways_per_region(
    cloud: LocalCloud, region: str
) -> None:
    ec2 = cloud.client("ec2", region_name=region)
    fill(lambda _: ec2.allocate_address(Domain="vpc"), 5)
    fill(lambda _: ec2.create_internet_gateway(), 5)

    assert error_of(lambda: ec2.allocate_address(Domain="vpc"))["code"] == "AddressLimitExceeded"
    refused = error_of(ec2.create_internet_gateway)
    assert refused["code"] == "InternetGatewayLimitExceeded"


def test_five_nat_gateways_per_availability_zone(cloud: LocalCloud, region: str) -> None:
    """Failed and deleted gateways do not count, pending, available and deleting ones do."""
    cloud.set_quotas({"ec2:elastic-ips-per-region": 10})  # an address per gateway, and spares
    try:
        ec2 = cloud.client("ec2", region_name=region)
        subnet = public_subnet(ec2)
        other_zone = ec2.describe_availability_zones()["AvailabilityZones"][1]["ZoneName"]
        other = ec2.create_subnet(
            VpcId=subnet["vpc"], CidrBlock="10.0.1.0/24", AvailabilityZone=other_zone
        )["Subnet"]["SubnetId"]
        gateways = [create_nat_gateway(ec2, subnet["subnet"])[0] for _ in range(5)]
        ec2.delete_nat_gateway(NatGatewayId=gateways[0]["NatGatewayId"])

        refused = error_of(lambda: create_nat_gateway(ec2, subnet["subnet"]))
        assert refused["code"] == "NatGatewayLimitExceeded"
        assert refused["message"] == "The maximum number of NAT Gateways has been reached."
        create_nat_gateway(ec2, other)  # another zone has its own five
        ec2.get_waiter("nat_gateway_deleted").wait(
            NatGatewayIds=[gateways[0]["NatGatewayId"]],
            WaiterConfig={"Delay": 0.05, "MaxAttempts": 200},
        )
        create_nat_gateway(ec2, subnet["subnet"])
    finally:
        cloud.set_quotas({})


@pytest.mark.parametrize(
    ("quota", "code", "create"),
    [
        (
            "ec2:subnets-per-vpc",
            "SubnetLimitExceeded",
            lambda ec2, vpc, i: ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24"),
        ),
        (
            "ec2:route-tables-per-vpc",  # the main route table counts
            "RouteTableLimitExceeded",
            lambda ec2, vpc, _: ec2.create_route_table(VpcId=vpc),
        ),
        (
            "ec2:security-groups-per-region",  # every VPC's default group counts
            "SecurityGroupLimitExceeded",
            lambda ec2, vpc, i: ec2.create_security_group(
                GroupName=f"g{i}", Description="g", VpcId=vpc
            ),
        ),
    ],
)
def test_subnets_route_tables_and_security_groups_stop_at_their_quota(
    cloud: LocalCloud, region: str, quota: str, code: str, create: Callable[..., Any]
) -> None:
    """At AWS's default of 200 for the first two; the security groups' 2,500 is lowered to 20
    here to keep the test short (the same check counts to whatever the quota is)."""
    ec2 = cloud.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    lowered = {"ec2:security-groups-per-region": 20}
    cloud.set_quotas(lowered)
    try:
        existing = {
            "ec2:subnets-per-vpc": 0,
            "ec2:route-tables-per-vpc": 1,
            "ec2:security-groups-per-region": 2,  # the default VPC's and this VPC's
        }[quota]
        fill(lambda i: create(ec2, vpc, i), cloud.quotas[quota] - existing)

        assert error_of(lambda: create(ec2, vpc, 250))["code"] == code
    finally:
        cloud.set_quotas({})


def test_a_raised_quota_allows_more(cloud: LocalCloud, region: str) -> None:
    ec2 = cloud.client("ec2", region_name=region)
    fill(lambda i: ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16"), 4)
    assert error_of(lambda: ec2.create_vpc(CidrBlock="10.9.0.0/16"))["code"] == "VpcLimitExceeded"

    # As an account's increase does: internet gateways follow the VPCs per Region
    cloud.set_quotas({"ec2:vpcs-per-region": 7})
    try:
        fill(lambda i: ec2.create_vpc(CidrBlock=f"10.{10 + i}.0.0/16"), 2)
        fill(lambda _: ec2.create_internet_gateway(), 7)
        assert error_of(lambda: ec2.create_vpc(CidrBlock="10.20.0.0/16"))["code"] == (
            "VpcLimitExceeded"
        )
        assert error_of(ec2.create_internet_gateway)["code"] == "InternetGatewayLimitExceeded"
        with pytest.raises(ValueError, match="unknown quota ec2:vpcs"):
            cloud.set_quotas({"ec2:vpcs": 10})
    finally:
        cloud.set_quotas({})


# -- load balancers -----------------------------------------------------------------------------


def two_subnets(ec2: Any) -> list[str]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"][:2]]
    return [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone)["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate(zones)
    ]


def test_a_load_balancer_is_provisioning_then_active_after_its_delay(
    cloud: LocalCloud, region: str
) -> None:
    ec2, elb = cloud.client("ec2", region_name=region), cloud.client("elbv2", region_name=region)
    started = time.monotonic()
    created = elb.create_load_balancer(Name="web", Subnets=two_subnets(ec2))["LoadBalancers"][0]
    arn = created["LoadBalancerArn"]

    assert created["State"] == {"Code": "provisioning"}
    described = elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
    assert described["State"] == {"Code": "provisioning"}  # moto made it active here
    assert not load_balancer_active(cloud.account_id, region, arn)
    elb.get_waiter("load_balancer_available").wait(
        LoadBalancerArns=[arn], WaiterConfig={"Delay": 0.05, "MaxAttempts": 400}
    )
    waited = time.monotonic() - started

    assert LOAD_BALANCER_ACTIVE * 0.9 <= waited < LOAD_BALANCER_ACTIVE + 5.0
    assert load_balancer_active(cloud.account_id, region, arn)
    assert not load_balancer_active(cloud.account_id, region, arn.replace("/web/", "/gone/"))


def test_fifty_application_load_balancers_per_region(cloud: LocalCloud, region: str) -> None:
    ec2, elb = cloud.client("ec2", region_name=region), cloud.client("elbv2", region_name=region)
    subnets = two_subnets(ec2)
    fill(lambda i: elb.create_load_balancer(Name=f"alb-{i}", Subnets=subnets), 50)

    refused = error_of(lambda: elb.create_load_balancer(Name="one-more", Subnets=subnets))

    assert refused == {
        "code": "TooManyLoadBalancers",
        "message": f"Exceeded quota of account {cloud.account_id}",
        "status": 400,
    }
    elb.create_load_balancer(Name="nlb", Subnets=subnets, Type="network")  # a quota of its own
    limits = {item["Name"]: item["Max"] for item in elb.describe_account_limits()["Limits"]}
    assert limits["application-load-balancers"] == "50"


def test_listeners_rules_and_target_groups_stop_at_their_quota(
    cloud: LocalCloud, region: str
) -> None:
    """Listeners and rules at AWS's defaults (50, 100 not counting default rules); target
    groups' 3,000 lowered to 10 here to keep the test short."""
    ec2, elb = cloud.client("ec2", region_name=region), cloud.client("elbv2", region_name=region)
    subnets = two_subnets(ec2)
    vpc = ec2.describe_subnets(SubnetIds=subnets)["Subnets"][0]["VpcId"]
    balancer = elb.create_load_balancer(Name="web", Subnets=subnets)["LoadBalancers"][0]
    fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]

    def listener(port: int) -> str:
        return str(
            elb.create_listener(
                LoadBalancerArn=balancer["LoadBalancerArn"],
                Protocol="HTTP",
                Port=port,
                DefaultActions=fixed,
            )["Listeners"][0]["ListenerArn"]
        )

    listeners = [listener(8000 + i) for i in range(50)]
    assert error_of(lambda: listener(9000))["code"] == "TooManyListeners"

    def rule(index: int) -> None:
        elb.create_rule(
            ListenerArn=listeners[index % 2],  # the quota is the load balancer's, all listeners
            Priority=index + 1,
            Conditions=[{"Field": "path-pattern", "Values": [f"/p{index}"]}],
            Actions=fixed,
        )

    fill(rule, 100)
    assert error_of(lambda: rule(100))["code"] == "TooManyRules"

    cloud.set_quotas({"elbv2:target-groups": 10})
    try:
        fill(
            lambda i: elb.create_target_group(
                Name=f"tg-{i}", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip"
            ),
            10,
        )
        refused = error_of(
            lambda: elb.create_target_group(
                Name="tg-more", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip"
            )
        )
        assert refused["code"] == "TooManyTargetGroups"
    finally:
        cloud.set_quotas({})
