"""Teardown: the end of a service whose spec was deleted.

``deletionPolicy: retain`` (the default) leaves everything running and says what still
costs money. ``delete`` removes everything ecsdrop created for the service: it lists them
(by their ``ecsdrop:service`` tag, and from the service's record) in the order a deployment
creates them, and walks that list backwards with the rollback's undo, which waits (bounded)
for ENIs to leave and NAT gateways to go before what depends on them. What is gone already
counts as gone, so a retry after a failure finishes the job.

Kept on purpose: the cluster (free, and shared by every service in it) and anything ecsdrop
did not create (a VPC the spec names, a shared load balancer's listener).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecsdrop.aws.ec2 import id_of
from ecsdrop.aws.ec2 import tags_of as ec2_tags
from ecsdrop.aws.ecs import tags_of as ecs_tags
from ecsdrop.aws.store import StateStore
from ecsdrop.aws.tagging import TaggedResources
from ecsdrop.deploy.ledger import CREATED, Created, Ledger, LedgerEntry
from ecsdrop.deploy.ownership import owned_by
from ecsdrop.deploy.results import RollbackResult, TeardownResult
from ecsdrop.deploy.rollback import Entry, Gateways, roll_back
from ecsdrop.deploy.schedule import is_ours
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.spec.installation import Installation
from ecsdrop.spec.model import Spec
from ecsdrop.spec.render import TAG_ROLE, TAG_SERVICE, log_group_input, scalable_resource_id
from ecsdrop.states import DELETE_FAILED, DELETED, RETAINED

# EC2 resources in the order the network step creates them (security groups: the load
# balancer's first, since the tasks' group refers to it).
_NETWORK_KINDS = (
    Created.VPC,
    Created.SUBNET,
    Created.INTERNET_GATEWAY,
    Created.ROUTE_TABLE,
    Created.ELASTIC_IP,
    Created.NAT_GATEWAY,
    Created.SECURITY_GROUP,
)
_SECURITY_GROUP_ORDER = {"sg-loadBalancer": 0, "sg-tasks": 1}
# Resource Groups Tagging API type → (ARN resource prefix, ledger kind)
_TAGGED_TYPES = {
    "ecs:task-definition": ("task-definition/", Created.TASK_DEFINITION),
    "elasticloadbalancing:targetgroup": ("targetgroup/", Created.TARGET_GROUP),
    "elasticloadbalancing:loadbalancer": ("loadbalancer/", Created.LOAD_BALANCER),
}


@dataclass(frozen=True)
class Teardown:
    gateways: Gateways
    tagged: TaggedResources
    installation: Installation
    store: StateStore


def undo(state: WorkflowState, teardown: Teardown) -> RollbackResult | TeardownResult:
    """The Undo function's two jobs: roll a failed run back from its ledger, or end a
    deleted spec's service. Both delete what ecsdrop created and restore what it changed."""
    if state.deployment.deletes:
        return tear_down(state, teardown)
    entries = Ledger(teardown.store, state.deployment.id).entries()
    return roll_back(entries, teardown.gateways).result()


def tear_down(state: WorkflowState, teardown: Teardown) -> TeardownResult:
    """The Teardown step: retain or delete what runs, as the deployed spec's policy says."""
    spec = state.spec
    record = state.previous
    if spec.deletion_policy == "retain":
        running = still_running(spec, record, teardown.gateways)
        if spec.schedule is not None:
            running.insert(0, _still_scheduled(spec, teardown))
        return TeardownResult(RETAINED, retained=tuple(running))
    entries = inventory(spec, record, teardown)
    report = roll_back(entries, teardown.gateways)
    outcome = DELETE_FAILED if report.left else DELETED
    return TeardownResult(outcome, deleted=tuple(report.undone), left=tuple(report.left))


def still_running(spec: Spec, record: dict[str, Any], gateways: Gateways) -> list[str]:
    """What keeps running (and costing money) when ecsdrop lets go of the service."""
    running = []
    service = gateways.ecs.describe_service(spec.cluster, spec.name)
    if service is not None:
        running.append(
            f"ECS service {spec.name} in cluster {spec.cluster} "
            f"({service.get('runningCount', 0)} of {service.get('desiredCount', 0)} tasks running)"
        )
    load_balancer = record.get("loadBalancer") or {}
    if load_balancer.get("loadBalancerArn"):
        name = str(load_balancer["loadBalancerArn"]).split("/")[-2]
        dns = load_balancer.get("dnsName")
        running.append(f"load balancer {name}" + (f" ({dns})" if dns else ""))
    network = record.get("network") or {}
    running += [f"NAT gateway {nat} and its Elastic IP" for nat in network.get("natGatewayIds", [])]
    if network.get("mode") == "managed" and network.get("vpcId"):
        running.append(f"VPC {network['vpcId']} with its subnets, gateways and security groups")
    return running


def _still_scheduled(spec: Spec, teardown: Teardown) -> str:
    schedule = spec.schedule or {}
    return (
        f"schedule {spec.name} in group {teardown.installation.schedule_group}, which starts "
        f"a task at {schedule.get('expression')} ({schedule.get('timezone')})"
    )


def inventory(spec: Spec, record: dict[str, Any], teardown: Teardown) -> list[Entry]:
    """Everything ecsdrop created for the service, as ledger entries in creation order."""
    g = teardown.gateways
    entries: list[Entry] = []
    log_group = log_group_input(spec, teardown.installation)
    if log_group:
        entries.append(_created(Created.LOG_GROUP, log_group["logGroupName"]))
    tagged = _tagged(spec, record, teardown.tagged)
    entries += [
        _created(Created.TASK_DEFINITION, arn, purge=True)
        for arn in tagged[Created.TASK_DEFINITION]
    ]
    entries += _network(spec, g)
    entries += [_created(Created.TARGET_GROUP, arn) for arn in tagged[Created.TARGET_GROUP]]
    entries += [_created(Created.LOAD_BALANCER, arn) for arn in tagged[Created.LOAD_BALANCER]]
    rule = (record.get("loadBalancer") or {}).get("ruleArn")
    if rule:
        entries.append(_created(Created.LISTENER_RULE, rule))
    service = g.ecs.describe_service(spec.cluster, spec.name)
    if service is not None and owned_by(ecs_tags(service), spec.name):
        entries.append(_created(Created.SERVICE, spec.name, cluster=spec.cluster))
    target = scalable_resource_id(spec)
    if g.autoscaling.scalable_target(target) is not None:
        entries.append(_created(Created.SCALABLE_TARGET, target))
    if spec.schedule is not None:  # only a job has one (a name does not switch kinds)
        group = teardown.installation.schedule_group
        schedule = g.scheduler.schedule(group, spec.name)
        if schedule is not None and is_ours(schedule, spec.name):
            entries.append(_created(Created.SCHEDULE, spec.name, group=group))
    return entries


def _tagged(
    spec: Spec, record: dict[str, Any], tagged: TaggedResources
) -> dict[Created, list[str]]:
    """Task definitions, target groups and load balancers: by tag (old revisions, a target
    group left by a port change) and from the record (what AWS may not have indexed yet)."""
    found: dict[Created, list[str]] = {kind: [] for _, kind in _TAGGED_TYPES.values()}
    load_balancer = record.get("loadBalancer") or {}
    known = {
        Created.TASK_DEFINITION: record.get("taskDefinitionArn"),
        Created.TARGET_GROUP: load_balancer.get("targetGroupArn"),
        Created.LOAD_BALANCER: load_balancer.get("loadBalancerArn"),
    }
    for arn in tagged.arns({TAG_SERVICE: spec.name}, list(_TAGGED_TYPES)):
        kind = _kind_of(arn)
        if kind and arn not in found[kind]:
            found[kind].append(arn)
    for kind, known_arn in known.items():
        if known_arn and known_arn not in found[kind]:
            found[kind].append(str(known_arn))
    return {kind: sorted(arns, key=_revision_order) for kind, arns in found.items()}


def _kind_of(arn: str) -> Created | None:
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    for resource_type, (prefix, kind) in _TAGGED_TYPES.items():
        if resource_type.startswith(f"{parts[2]}:") and parts[5].startswith(prefix):
            return kind
    return None


def _revision_order(arn: str) -> tuple[str, int]:
    head, _, tail = arn.rpartition(":")
    return (head, int(tail)) if tail.isdigit() else (arn, 0)


def _network(spec: Spec, g: Gateways) -> list[Entry]:
    entries: list[Entry] = []
    for kind in _NETWORK_KINDS:
        found = g.ec2.find_tagged(kind, {TAG_SERVICE: spec.name})
        if kind == Created.SECURITY_GROUP:
            found.sort(key=lambda sg: _SECURITY_GROUP_ORDER.get(ec2_tags(sg).get(TAG_ROLE, ""), 2))
        for resource in found:
            entries += _network_entries(kind, resource)
    return entries


def _network_entries(kind: Created, resource: dict[str, Any]) -> list[Entry]:
    resource_id = id_of(kind, resource)
    if kind == Created.INTERNET_GATEWAY:
        attached = [a["VpcId"] for a in resource.get("Attachments", []) if a.get("VpcId")]
        return [_created(kind, resource_id, vpcId=attached[0] if attached else None)]
    if kind == Created.ROUTE_TABLE:
        associations = [
            _created(
                Created.ROUTE_TABLE_ASSOCIATION,
                a["RouteTableAssociationId"],
                routeTableId=resource_id,
            )
            for a in resource.get("Associations", [])
            if not a.get("Main") and a.get("RouteTableAssociationId")
        ]
        return [_created(kind, resource_id), *associations]
    return [_created(kind, resource_id)]


def _created(kind: Created, resource_id: str, **details: Any) -> Entry:
    return LedgerEntry(kind.value, resource_id, CREATED, details=details)
