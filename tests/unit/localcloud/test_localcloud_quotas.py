"""Account quotas: AWS's defaults, raised by name, refused when misspelt."""

from __future__ import annotations

import pytest

from localcloud.quotas import DEFAULTS, Quotas


def test_defaults_are_aws_defaults() -> None:
    """Amazon VPC quotas; Quotas for your Application (and Network) Load Balancers."""
    assert Quotas().as_dict() == {
        "ec2:vpcs-per-region": 5,
        "ec2:internet-gateways-per-region": 5,
        "ec2:elastic-ips-per-region": 5,
        "ec2:nat-gateways-per-availability-zone": 5,
        "ec2:subnets-per-vpc": 200,
        "ec2:route-tables-per-vpc": 200,
        "ec2:security-groups-per-region": 2500,
        "elbv2:application-load-balancers": 50,
        "elbv2:network-load-balancers": 50,
        "elbv2:target-groups": 3000,
        "elbv2:listeners-per-application-load-balancer": 50,
        "elbv2:listeners-per-network-load-balancer": 50,
        "elbv2:rules-per-application-load-balancer": 100,
    }
    assert Quotas().as_dict() == DEFAULTS


def test_internet_gateways_follow_the_vpcs_unless_set() -> None:
    assert Quotas({"ec2:vpcs-per-region": 40}).limit("ec2:internet-gateways-per-region") == 40
    both = Quotas({"ec2:vpcs-per-region": 40, "ec2:internet-gateways-per-region": 8})
    assert both.limit("ec2:internet-gateways-per-region") == 8


def test_replace_sets_new_quotas_over_the_defaults() -> None:
    quotas = Quotas({"ec2:vpcs-per-region": 40})
    quotas.replace({"elbv2:target-groups": 10})

    assert quotas.limit("ec2:vpcs-per-region") == 5
    assert quotas.limit("elbv2:target-groups") == 10


@pytest.mark.parametrize(
    ("raised", "problem"),
    [
        ({"ec2:vpcs": 10}, "unknown quota ec2:vpcs: the quotas are ec2:elastic-ips-per-region"),
        ({"ec2:vpcs-per-region": -1}, "must be a whole number of 0 or more: -1"),
        ({"ec2:vpcs-per-region": "10"}, "must be a whole number of 0 or more: '10'"),
        ({"ec2:vpcs-per-region": True}, "must be a whole number"),
    ],
)
def test_a_misspelt_or_impossible_quota_is_an_error(raised: dict[str, int], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Quotas(raised)
