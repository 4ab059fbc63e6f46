"""How the rollback waits (one budget, none for what depends on a leftover) and when a
restore has nothing to do; how waiter failures become domain errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import WaiterError

from ecsdrop.aws.errors import aws_call
from ecsdrop.deploy.rollback import Gateways, Patience, patiently, roll_back
from ecsdrop.errors import AwsError, ConflictError, NotFoundError, TransientAwsError


class FakeEc2:
    """Subnets refused for good; a VPC that stays "in use" while any subnet is left."""

    def __init__(self, deny_subnets: bool) -> None:
        self.deny_subnets = deny_subnets
        self.subnets = {"subnet-1", "subnet-2"}
        self.vpc_attempts = 0

    def delete_subnet(self, subnet_id: str) -> None:
        if self.deny_subnets:
            raise AwsError(f"ec2:DeleteSubnet: UnauthorizedOperation: {subnet_id}")
        self.subnets.discard(subnet_id)

    def delete_vpc(self, vpc_id: str) -> None:
        self.vpc_attempts += 1
        if self.subnets:
            raise ConflictError(f"ec2:DeleteVpc: DependencyViolation: {vpc_id}")


def gateways(ec2: FakeEc2, slept: list[float], patience: float = 600.0) -> Gateways:
    fake: Any = object()
    vpcs: Any = ec2
    return Gateways(
        fake, vpcs, fake, fake, fake, fake, sleep=slept.append, patience_seconds=patience
    )


LEDGER = [
    {"kind": "vpc", "id": "vpc-1", "action": "created"},
    {"kind": "subnet", "id": "subnet-1", "action": "created"},
    {"kind": "subnet", "id": "subnet-2", "action": "created"},
]


def test_what_depends_on_a_leftover_fails_at_once_and_is_named() -> None:
    slept: list[float] = []
    ec2 = FakeEc2(deny_subnets=True)
    report = roll_back(LEDGER, gateways(ec2, slept))
    assert report.outcome == "ROLLBACK_FAILED"
    assert [line.split(":")[0] for line in report.left] == [
        "deleted subnet subnet-2",
        "deleted subnet subnet-1",
        "deleted vpc vpc-1",
    ]
    assert slept == []  # no wait for a VPC whose subnets will not go
    assert ec2.vpc_attempts == 1


class FakeLogsAndEc2:
    """A log group refused for good; a security group in use for two more attempts."""

    def __init__(self) -> None:
        self.busy = 2

    def delete_log_group(self, name: str) -> None:
        raise AwsError(f"logs:DeleteLogGroup: AccessDeniedException: {name}")

    def delete_security_group(self, group_id: str) -> None:
        if self.busy:
            self.busy -= 1
            raise ConflictError(f"ec2:DeleteSecurityGroup: DependencyViolation: {group_id}")


def test_a_leftover_that_blocks_nothing_does_not_stop_the_waiting_for_the_rest() -> None:
    slept: list[float] = []
    fake: Any = FakeLogsAndEc2()
    gateways = Gateways(fake, fake, fake, fake, fake, fake, sleep=slept.append)
    ledger = [
        {"kind": "security-group", "id": "sg-1", "action": "created"},
        {"kind": "log-group", "id": "/ecsdrop/web", "action": "created"},
    ]
    report = roll_back(ledger, gateways)
    assert [line.split(":")[0] for line in report.left] == ["deleted log-group /ecsdrop/web"]
    assert report.undone == ["deleted security-group sg-1"]
    assert slept == [2.0, 4.0]


class FakeElbv2:
    """A listener whose settings cannot be put back, so it keeps forwarding to the new target
    group, which ELB then refuses to delete ("in use")."""

    def __init__(self) -> None:
        self.target_group_attempts = 0

    def listener(self, arn: str) -> dict[str, Any]:
        return {"ListenerArn": arn, "Port": 80, "DefaultActions": []}

    def modify_listener(self, arn: str, settings: dict[str, Any]) -> None:
        raise AwsError(f"elasticloadbalancing:ModifyListener: AccessDenied: {arn}")

    def delete_target_group(self, arn: str) -> None:
        self.target_group_attempts += 1
        raise ConflictError(f"elasticloadbalancing:DeleteTargetGroup: ResourceInUse: {arn}")


def test_a_target_group_a_listener_still_forwards_to_is_not_waited_for() -> None:
    slept: list[float] = []
    fake: Any = object()
    elb = FakeElbv2()
    balancing: Any = elb
    gateways = Gateways(fake, fake, balancing, fake, fake, fake, sleep=slept.append)
    previous = {"Port": 80, "Protocol": "HTTP", "DefaultActions": [{"Type": "forward"}]}
    ledger = [
        {"kind": "target-group", "id": "tg-new", "action": "created"},
        {"kind": "listener-settings", "id": "lst-1", "action": "changed", "previous": previous},
    ]
    report = roll_back(ledger, gateways)
    assert [line.split(":")[0] for line in report.left] == [
        "restored listener-settings lst-1",
        "deleted target-group tg-new",
    ]
    assert slept == [] and elb.target_group_attempts == 1


def test_conflicts_are_waited_out_within_one_budget_for_the_whole_rollback() -> None:
    slept: list[float] = []
    patience = Patience(10.0, slept.append)
    attempts: list[int] = []

    def busy() -> None:
        attempts.append(1)
        raise ConflictError("ec2:DeleteSecurityGroup: DependencyViolation")

    with pytest.raises(ConflictError):
        patiently(busy, patience)
    assert sum(slept) <= 10.0
    assert slept == [2.0, 4.0]  # the next wait (8 s) would overrun the budget
    with pytest.raises(TransientAwsError):  # the budget is spent for what comes next too
        patiently(lambda: (_ for _ in ()).throw(TransientAwsError("throttled")), patience)
    assert len(slept) == 3  # only what was left of the budget


def test_a_transient_failure_is_retried_until_it_passes() -> None:
    slept: list[float] = []
    failures = [TransientAwsError("throttled"), TransientAwsError("throttled")]

    def flaky() -> None:
        if failures:
            raise failures.pop()

    patiently(flaky, Patience(600.0, slept.append))
    assert slept == [2.0, 4.0]


@pytest.mark.parametrize(
    ("response", "error"),
    [
        ({"Error": {"Code": "AccessDenied", "Message": "no"}}, AwsError),
        ({"Error": {"Code": "Throttling", "Message": "slow"}}, TransientAwsError),
        ({"Error": {"Code": "LoadBalancerNotFound", "Message": "gone"}}, NotFoundError),
        ({"LoadBalancers": [{"State": {"Code": "active"}}]}, AwsError),  # max attempts
    ],
)
def test_a_waiter_that_stops_raises_a_domain_error_naming_the_call(
    response: dict[str, Any], error: type[Exception]
) -> None:
    with (
        pytest.raises(error, match="elasticloadbalancing:DescribeLoadBalancers"),
        aws_call("elasticloadbalancing:DescribeLoadBalancers"),
    ):
        raise WaiterError("LoadBalancersDeleted", "stopped", response)
