"""Ownership: ecsdrop changes only what it created, or what a spec explicitly adopts.

A service has one owner key in the bucket (the spec key its running deployment came from),
and every resource ecsdrop creates carries ``ecsdrop:service``. Before the first deployment
from a key, what already exists under the names ecsdrop would use is checked: an ECS service,
target group or load balancer that is not ecsdrop's refuses the run, which changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecsdrop.aws.ecs import Ecs, tags_of
from ecsdrop.aws.elbv2 import Elbv2
from ecsdrop.deploy.load import owner_key
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.spec.model import Spec
from ecsdrop.spec.render import TAG_SERVICE, load_balancer_plan


def owned_by(tags: dict[str, str], service: str) -> bool:
    """Whether a resource carrying ``tags`` was created by ecsdrop for ``service``."""
    return tags.get(TAG_SERVICE) == service


@dataclass(frozen=True)
class Ownership:
    """The Lock step's check. Its ECS and ELB adapters are made only when a key deploys for
    the first time, the one case that describes anything (a Lambda pays for a client's
    model on first use)."""

    ecs: Callable[[], Ecs]
    elbv2: Callable[[], Elbv2]

    def refusal(self, state: WorkflowState, previous: dict[str, Any] | None) -> str | None:
        """Why this run may not deploy (the message names the resource and how to adopt
        it), or None."""
        deployment, spec = state.deployment, state.spec
        owner = owner_key(previous)
        if owner is not None and owner != deployment.spec_key:
            return (
                f"service {spec.name} is deployed from {owner}; a service has one spec key, "
                f"so {deployment.spec_key} cannot deploy it too. Delete "
                f"{deployment.spec_key}, or delete {owner} first (its deletionPolicy "
                "applies) to move the service"
            )
        if owner is not None:  # ours: what runs was checked when this key first deployed it
            return switched_kind(spec, previous or {})
        if spec.schedule is not None:
            return None  # nothing of the name to take over but the schedule, checked there
        return foreign_service(spec, self.ecs()) or foreign_load_balancing(spec, self.elbv2())


def switched_kind(spec: Spec, previous: dict[str, Any]) -> str | None:
    """A service does not turn into a scheduled job or back in place: what runs would be
    left running beside the new kind, unmanaged."""
    was_job = bool(previous.get("scheduleArn"))
    if spec.schedule is not None and previous.get("serviceArn") and not was_job:
        return (
            f"service {spec.name} runs as an ECS service; a spec with schedule would leave it "
            "running unmanaged. Delete the spec first (with deletionPolicy: delete to remove "
            "the service), then upload the scheduled job, or give the job another service.name"
        )
    if spec.schedule is None and was_job:
        return (
            f"service {spec.name} runs as a scheduled job; a spec without schedule would leave "
            "its schedule firing unmanaged. Delete the spec first (with deletionPolicy: "
            "delete to remove the schedule), then upload the service, or give it another "
            "service.name"
        )
    return None


def foreign_service(spec: Spec, ecs: Ecs) -> str | None:
    service = ecs.describe_service(spec.cluster, spec.name)
    if service is None or owned_by(tags_of(service), spec.name) or spec.adopt:
        return None
    return (
        f"ECS service {spec.name} in cluster {spec.cluster} exists and was not created by "
        f"ecsdrop (it has no tag {TAG_SERVICE}={spec.name}): ecsdrop changes nothing it did "
        "not create. To take it over, set service.adopt: true in the spec (its settings are "
        "recorded and restored if the first deployment fails); to deploy beside it, choose "
        "another service.name or service.cluster"
    )


def foreign_load_balancing(spec: Spec, elbv2: Elbv2) -> str | None:
    plan = load_balancer_plan(spec)
    if plan["type"] == "none":
        return None
    named = [("target group", elbv2.find_target_group(plan["targetGroup"]["Name"]))]
    if "loadBalancer" in plan:
        named.append(("load balancer", elbv2.find_load_balancer(plan["loadBalancer"]["Name"])))
    for kind, found in named:
        if found is None:
            continue
        arn = str(found.get("TargetGroupArn") or found.get("LoadBalancerArn"))
        if not owned_by(elbv2.tags(arn), spec.name):
            name = found.get("TargetGroupName") or found.get("LoadBalancerName")
            return (
                f"{kind} {name} exists and was not created by ecsdrop for service {spec.name} "
                f"(it has no tag {TAG_SERVICE}={spec.name}): ecsdrop will not change it. "
                f"Delete or rename it, or tag it {TAG_SERVICE}={spec.name} to hand it over"
            )
    return None
