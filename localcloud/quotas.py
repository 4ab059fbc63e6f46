"""Account quotas as AWS sets them by default; an account may raise them, and so may a caller.

The names are the local cloud's (ELBv2's are the names `DescribeAccountLimits` uses); the
defaults, the error codes and what each counts are AWS's (localcloud/README.md, "Quotas").
The services that enforce them are localcloud/ec2.py and localcloud/elbv2.py.
"""

from __future__ import annotations

from collections.abc import Mapping

VPCS_PER_REGION = "ec2:vpcs-per-region"
INTERNET_GATEWAYS_PER_REGION = "ec2:internet-gateways-per-region"
ELASTIC_IPS_PER_REGION = "ec2:elastic-ips-per-region"
NAT_GATEWAYS_PER_AZ = "ec2:nat-gateways-per-availability-zone"
SUBNETS_PER_VPC = "ec2:subnets-per-vpc"
ROUTE_TABLES_PER_VPC = "ec2:route-tables-per-vpc"
SECURITY_GROUPS_PER_REGION = "ec2:security-groups-per-region"
APPLICATION_LOAD_BALANCERS = "elbv2:application-load-balancers"
NETWORK_LOAD_BALANCERS = "elbv2:network-load-balancers"
TARGET_GROUPS = "elbv2:target-groups"
LISTENERS_PER_APPLICATION_LOAD_BALANCER = "elbv2:listeners-per-application-load-balancer"
LISTENERS_PER_NETWORK_LOAD_BALANCER = "elbv2:listeners-per-network-load-balancer"
RULES_PER_APPLICATION_LOAD_BALANCER = "elbv2:rules-per-application-load-balancer"

DEFAULTS: dict[str, int] = {
    VPCS_PER_REGION: 5,
    # AWS ties it to the VPC quota: raising one raises the other (see `Quotas.limit`)
    INTERNET_GATEWAYS_PER_REGION: 5,
    ELASTIC_IPS_PER_REGION: 5,
    NAT_GATEWAYS_PER_AZ: 5,
    SUBNETS_PER_VPC: 200,
    ROUTE_TABLES_PER_VPC: 200,
    SECURITY_GROUPS_PER_REGION: 2500,
    APPLICATION_LOAD_BALANCERS: 50,
    NETWORK_LOAD_BALANCERS: 50,
    TARGET_GROUPS: 3000,
    LISTENERS_PER_APPLICATION_LOAD_BALANCER: 50,
    LISTENERS_PER_NETWORK_LOAD_BALANCER: 50,
    RULES_PER_APPLICATION_LOAD_BALANCER: 100,
}


class Quotas:
    """The quotas of the local cloud's one account: AWS's defaults, with `raised` over them."""

    def __init__(self, raised: Mapping[str, int] | None = None) -> None:
        self._raised = self._checked(raised)

    def replace(self, raised: Mapping[str, int]) -> None:
        """Raise these quotas instead (`{}`: AWS's defaults again)."""
        self._raised = self._checked(raised)

    @staticmethod
    def _checked(raised: Mapping[str, int] | None) -> dict[str, int]:
        raised = dict(raised or {})
        unknown = sorted(set(raised) - set(DEFAULTS))
        if unknown:
            known = ", ".join(sorted(DEFAULTS))
            raise ValueError(f"unknown quota {', '.join(unknown)}: the quotas are {known}")
        for name, value in raised.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"quota {name} must be a whole number of 0 or more: {value!r}")
        return raised

    def limit(self, name: str) -> int:
        if name in self._raised:
            return self._raised[name]
        if name == INTERNET_GATEWAYS_PER_REGION:
            # "Increasing [VPCs per Region] increases the quota on internet gateways per
            # Region by the same amount" (Amazon VPC quotas)
            return self.limit(VPCS_PER_REGION)
        return DEFAULTS[name]

    def as_dict(self) -> dict[str, int]:
        return {name: self.limit(name) for name in DEFAULTS}
