"""Quotas for suites that keep many services in one account.

Every scorekeep-like spec builds a VPC of its own with a NAT gateway and its Elastic IP, and
the e2e suites keep their services (one per test) side by side until the suite ends: the
pipeline suite keeps fifteen. Its teardowns and rollbacks leave no VPC, gateway or address
behind (a leak would be a defect to fix, not a reason for a quota), so it is the kept services
that need more than AWS's defaults: 5 VPCs per Region (the default VPC counting), 5 Elastic
IPs, 5 NAT gateways per Availability Zone (ecsdrop's single NAT gateway is always in the first
zone). These suites raise them, as such an account would have had AWS raise them; the
internet gateways per Region follow the VPCs, as in AWS. The hardening suites keep a service
per case of their matrix (over a hundred), so they raise the load balancers' too.
"""

from __future__ import annotations


def kept_services(services: int, load_balancers: bool = False) -> dict[str, int]:
    """Quotas for `services` complete scorekeeps kept side by side in one account: a VPC each
    (the default VPC counting too), its NAT gateway (in the first zone) and Elastic IP, and,
    with `load_balancers`, an ALB each beyond AWS's 50."""
    needed = max(5, services + 1)
    raised = {
        "ec2:vpcs-per-region": needed,
        "ec2:elastic-ips-per-region": needed,
        "ec2:nat-gateways-per-availability-zone": needed,
    }
    if load_balancers:
        raised["elbv2:application-load-balancers"] = max(50, services)
    return raised


MANY_SERVICES = kept_services(60)
