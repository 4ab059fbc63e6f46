"""The specs the benchmark deploys: the seed's scorekeep, renamed, with a chosen API image."""

from __future__ import annotations

from bench.settings import REGISTRY, ROOT

SCOREKEEP = ROOT / "examples" / "scorekeep.yaml"
_API_IMAGE = f"{REGISTRY}/scorekeep-api:latest"


def scorekeep(service: str, api_tag: str = "latest") -> str:
    """examples/scorekeep.yaml (the complete architecture) as ``service``, its API container
    running ``scorekeep-api:<api_tag>``."""
    text = SCOREKEEP.read_text(encoding="utf-8")
    text = text.replace("name: scorekeep\n", f"name: {service}\n")
    text = text.replace("family: scorekeep\n", f"family: {service}\n")
    return text.replace(_API_IMAGE, f"{REGISTRY}/scorekeep-api:{api_tag}")


_ROLLING = (
    "  deployment:\n    minimumHealthyPercent: 100\n    maximumPercent: 200\n"
    "    stabilityTimeoutSeconds: 600\n"
)


def scorekeep_deploying(service: str, deployment: str, api_tag: str = "latest") -> str:
    """scorekeep with ``deployment`` (YAML lines, as under service.deployment) in place of
    its rolling update's settings."""
    text = scorekeep(service, api_tag)
    if _ROLLING not in text:
        raise ValueError(
            f"{SCOREKEEP} no longer holds the rolling settings bench/specs.py replaces"
        )
    lines = "".join(f"    {line}\n" for line in deployment.splitlines())
    return text.replace(_ROLLING, f"  deployment:\n{lines}")


def scorekeep_in_shared_vpc(service: str, vpc_id: str, subnet_ids: list[str]) -> str:
    """scorekeep in an existing VPC's private subnets, without a load balancer: the shape of
    many services of one team, where each deployment is ECS work (and a security group)."""
    text = scorekeep(service)
    head = text.split("\nnetwork:\n", 1)[0]
    subnets = "".join(f"\n      - {subnet}" for subnet in subnet_ids)
    return (
        f"{head}\nnetwork:\n  placement: private\n  existing:\n    vpcId: {vpc_id}\n"
        f"    privateSubnetIds:{subnets}\nloadBalancer:\n  type: none\n"
    )
