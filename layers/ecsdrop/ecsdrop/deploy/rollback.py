"""Rollback: walk the ledger backwards, deleting what this run created and restoring what
it changed. Deletion waits (bounded) for dependencies to drain: ENIs leaving subnets and
security groups, NAT gateways going away before their Elastic IPs are released.

One budget bounds all the waiting of a rollback (the function has 15 minutes), and once
something could not be undone, what it blocks (a VPC, when a subnet was left behind) fails
at once instead of waiting for a dependency that will not go.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ecsdrop.aws.autoscaling import SCALABLE_DIMENSION, SERVICE_NAMESPACE, AutoScaling
from ecsdrop.aws.ec2 import Ec2, flatten_permissions, ingress_rules
from ecsdrop.aws.ecs import Ecs
from ecsdrop.aws.elbv2 import Elbv2
from ecsdrop.aws.logs import Logs
from ecsdrop.aws.scheduler import Scheduler, schedule_request
from ecsdrop.deploy.ledger import CREATED, INTENDED, LedgerEntry
from ecsdrop.deploy.load_balancer import listener_essentials
from ecsdrop.deploy.network import set_ingress
from ecsdrop.deploy.results import RollbackResult
from ecsdrop.errors import AwsError, ConflictError, NotFoundError, TransientAwsError
from ecsdrop.observability import logger

Entry = LedgerEntry


@dataclass
class Gateways:
    ecs: Ecs
    ec2: Ec2
    elbv2: Elbv2
    logs: Logs
    autoscaling: AutoScaling
    scheduler: Scheduler
    sleep: Callable[[float], None] = time.sleep
    patience_seconds: float = 600.0  # all the waiting one rollback may do


@dataclass
class Patience:
    """What is left of a rollback's waiting budget."""

    seconds: float
    sleep: Callable[[float], None]
    conflicts_worth_waiting: bool = True  # False when what blocks the undo was left behind

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Charge the time the block takes (a waiter's polling) to the budget."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.seconds = max(0.0, self.seconds - (time.monotonic() - started))

    def wait(self, delay: float) -> bool:
        """Sleep ``delay`` seconds if the budget allows; False when it is spent."""
        if self.seconds < delay:
            return False
        self.sleep(delay)
        self.seconds -= delay
        return True


# What can keep a resource from being deleted while it is still there (its ENIs, an
# attachment, a reference): when one of these was left behind, waiting is pointless.
_BLOCKERS: dict[str, frozenset[str]] = {
    "cluster": frozenset({"service"}),
    "target-group": frozenset(
        {"listener", "listener-settings", "listener-rule", "service", "load-balancer"}
    ),
    "security-group": frozenset({"service", "load-balancer", "security-group"}),
    "route-table": frozenset({"route-table-association"}),
    "elastic-ip": frozenset({"natgateway"}),
    "internet-gateway": frozenset({"natgateway", "elastic-ip", "load-balancer", "service"}),
    "subnet": frozenset({"service", "load-balancer", "natgateway", "route-table-association"}),
    "vpc": frozenset(
        {
            "subnet",
            "security-group",
            "route-table",
            "internet-gateway",
            "natgateway",
            "load-balancer",
            "service",
        }
    ),
}


class AlreadyAsBefore(Exception):
    """What this run changed is already back as it was (the change never happened)."""


@dataclass
class RollbackReport:
    undone: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return "ROLLBACK_FAILED" if self.left else "ROLLED_BACK"

    def result(self) -> RollbackResult:
        return RollbackResult(self.outcome, tuple(self.undone), tuple(self.left))


def roll_back(
    entries: Sequence[LedgerEntry | Mapping[str, Any]], gateways: Gateways
) -> RollbackReport:
    """Undo ``entries`` (a ledger, oldest first; as stored, or read) newest first; go on
    past failures and report what could not be undone. Each stored entry is read as a
    LedgerEntry on its turn: one that cannot be is named by what it has, and left."""
    report = RollbackReport()
    patience = Patience(gateways.patience_seconds, gateways.sleep)
    left_kinds: set[str] = set()
    for stored in reversed([e for e in entries if _action(e) != INTENDED]):
        label = describe(stored)
        kind = stored.kind if isinstance(stored, LedgerEntry) else str(stored.get("kind", ""))
        blockers = _BLOCKERS.get(kind, frozenset()) if _action(stored) == CREATED else frozenset()
        patience.conflicts_worth_waiting = not (blockers & left_kinds)
        try:
            entry = stored if isinstance(stored, LedgerEntry) else LedgerEntry.from_json(stored)
            undo(entry, gateways, patience)
        except NotFoundError:
            report.undone.append(f"{label} (already gone)")
        except AlreadyAsBefore:
            report.undone.append(f"{label} (already as before)")
        except AwsError as e:
            report.left.append(f"{label}: {e}")
            left_kinds.add(kind)
        except Exception as e:  # noqa: BLE001 -- a malformed entry or a bug: name it, go on
            logger.exception("could not undo a ledger entry", extra={"entry": label})
            report.left.append(f"{label}: {type(e).__name__}: {e}")
            left_kinds.add(kind)
        else:
            report.undone.append(label)
    return report


def _action(entry: LedgerEntry | Mapping[str, Any]) -> str | None:
    return entry.action if isinstance(entry, LedgerEntry) else entry.get("action")


def describe(entry: LedgerEntry | Mapping[str, Any]) -> str:
    """The entry as the report names it; a malformed one by whatever it has."""
    document = entry.to_json() if isinstance(entry, LedgerEntry) else entry
    verb = "deleted" if document.get("action") == CREATED else "restored"
    return f"{verb} {document.get('kind', '(no kind)')} {document.get('id', '(no id)')}"


def undo(entry: Entry, gateways: Gateways, patience: Patience) -> None:
    table = _UNDO_CREATED if entry.action == CREATED else _UNDO_CHANGED
    handler = table.get(entry.kind)
    if handler is None:
        raise AwsError(f"no way to undo {entry.action} {entry.kind}")
    patiently(lambda: handler(entry, gateways, patience), patience)


def patiently(action: Callable[[], None], patience: Patience) -> None:
    """Retry while AWS is throttling, or says the resource is still in use (unless what it
    waits for was left behind), as long as the budget lasts."""
    delay = 2.0
    while True:
        try:
            action()
            return
        except ConflictError:
            if not (patience.conflicts_worth_waiting and patience.wait(delay)):
                raise
        except TransientAwsError:
            if not patience.wait(delay):
                raise
        delay = min(delay * 2, 30.0)


# --------------------------------------------------------------------------- deletions


def _delete_service(entry: Entry, g: Gateways, _: Patience) -> None:
    g.ecs.delete_service(entry.details["cluster"], entry.id)


def _delete_internet_gateway(entry: Entry, g: Gateways, _: Patience) -> None:
    try:
        if entry.details.get("vpcId"):  # a teardown lists a gateway it found detached without one
            g.ec2.detach_internet_gateway(entry.id, entry.details["vpcId"])
    except NotFoundError:
        pass  # already detached
    except AwsError as e:
        if "Gateway.NotAttached" not in str(e):
            raise
    g.ec2.delete_internet_gateway(entry.id)


def _delete_nat_gateway(entry: Entry, g: Gateways, patience: Patience) -> None:
    g.ec2.delete_nat_gateway(entry.id)
    with patience.counting():
        g.ec2.wait_nat_gateways_deleted([entry.id], max_seconds=int(patience.seconds))


def _delete_load_balancer(entry: Entry, g: Gateways, patience: Patience) -> None:
    g.elbv2.delete_load_balancer(entry.id)
    with patience.counting():
        g.elbv2.wait_load_balancer_deleted(entry.id, max_seconds=int(patience.seconds))


def _deregister_scalable_target(entry: Entry, g: Gateways, _: Patience) -> None:
    if _known_absent(lambda: g.autoscaling.scalable_target(entry.id)):
        raise NotFoundError(f"scalable target {entry.id} is not registered")
    g.autoscaling.deregister_scalable_target(entry.id)


def _delete_task_definition(entry: Entry, g: Gateways, _: Patience) -> None:
    """Deregister the revision; a teardown (``purge``) deletes it as well, tags and all."""
    try:
        g.ecs.deregister_task_definition(entry.id)
    except AwsError:
        if not entry.details.get("purge"):
            raise  # a revision already INACTIVE (a failed run's) may refuse: delete it anyway
    if entry.details.get("purge"):
        g.ecs.delete_task_definition(entry.id)


def _delete_schedule(entry: Entry, g: Gateways, _: Patience) -> None:
    g.scheduler.delete_schedule(entry.details["group"], entry.id)


_UNDO_CREATED: dict[str, Callable[[Entry, Gateways, Patience], None]] = {
    "task-definition": _delete_task_definition,
    "log-group": lambda e, g, _: g.logs.delete_log_group(e.id),
    "cluster": lambda e, g, _: g.ecs.delete_cluster(e.id),
    "service": _delete_service,
    "scalable-target": _deregister_scalable_target,
    "load-balancer": _delete_load_balancer,
    "target-group": lambda e, g, _: g.elbv2.delete_target_group(e.id),
    "listener": lambda e, g, _: g.elbv2.delete_listener(e.id),
    "listener-rule": lambda e, g, _: g.elbv2.delete_rule(e.id),
    "security-group": lambda e, g, _: g.ec2.delete_security_group(e.id),
    "route-table-association": lambda e, g, _: g.ec2.disassociate_route_table(e.id),
    "route-table": lambda e, g, _: g.ec2.delete_route_table(e.id),
    "natgateway": _delete_nat_gateway,
    "elastic-ip": lambda e, g, _: g.ec2.release_address(e.id),
    "internet-gateway": _delete_internet_gateway,
    "subnet": lambda e, g, _: g.ec2.delete_subnet(e.id),
    "vpc": lambda e, g, _: g.ec2.delete_vpc(e.id),
    "schedule": _delete_schedule,
}


# --------------------------------------------------------------------------- restorations


def _restore_service(entry: Entry, g: Gateways, _: Patience) -> None:
    previous = dict(entry.previous)
    current = g.ecs.describe_service(entry.details["cluster"], entry.id)
    _unless_as_before(current, previous)
    request: dict[str, Any] = {"cluster": entry.details["cluster"], "service": entry.id, **previous}
    config = request.get("deploymentConfiguration")
    if config:  # UpdateService does not take the read-only parts describe returns
        kept = {k: v for k, v in config.items() if k in _RESTORED_DEPLOYMENT_FIELDS}
        # what describe left out was ECS's default: sent when this run set a strategy or
        # hooks, so that they are undone too
        now = (current or {}).get("deploymentConfiguration") or {}
        if now.get("strategy", "ROLLING") != "ROLLING":
            kept.setdefault("strategy", "ROLLING")
        if now.get("lifecycleHooks"):
            kept.setdefault("lifecycleHooks", [])
        request["deploymentConfiguration"] = kept
    g.ecs.update_service(request)


_RESTORED_DEPLOYMENT_FIELDS = frozenset(
    {
        "deploymentCircuitBreaker",
        "maximumPercent",
        "minimumHealthyPercent",
        "alarms",
        "strategy",
        "bakeTimeInMinutes",
        "canaryConfiguration",
        "linearConfiguration",
        "lifecycleHooks",
    }
)


def _restore_service_tags(entry: Entry, g: Gateways, _: Patience) -> None:
    """Take off the tags an adoption added, and put back values they replaced."""
    previous: dict[str, str] = entry.previous
    added = [key for key in entry.details.get("added", []) if key not in previous]
    if added:
        g.ecs.untag_resource(entry.id, added)
    if previous:
        g.ecs.tag_resource(entry.id, previous)


def _restore_security_group_rules(entry: Entry, g: Gateways, _: Patience) -> None:
    group = g.ec2.security_group(entry.id)
    if group is None:
        raise NotFoundError(f"security group {entry.id} is gone")
    current = flatten_permissions(group.get("IpPermissions", []))
    if ingress_rules(current) == ingress_rules(entry.previous):
        raise AlreadyAsBefore
    set_ingress(g.ec2, entry.id, current, entry.previous)


def _restore_target_group_settings(entry: Entry, g: Gateways, _: Patience) -> None:
    current = _read_or_none(lambda: g.elbv2.target_group(entry.id))
    _unless_as_before(current, entry.previous)
    g.elbv2.modify_target_group(entry.id, entry.previous)


def _restore_target_group_attributes(entry: Entry, g: Gateways, _: Patience) -> None:
    current = _read_or_none(lambda: g.elbv2.target_group_attributes(entry.id))
    _unless_as_before(current, entry.previous)
    g.elbv2.set_target_group_attributes(entry.id, entry.previous)


def _restore_listener_settings(entry: Entry, g: Gateways, _: Patience) -> None:
    current = _read_or_none(lambda: g.elbv2.listener(entry.id))
    if current is not None and listener_essentials(current) == listener_essentials(entry.previous):
        raise AlreadyAsBefore
    g.elbv2.modify_listener(entry.id, entry.previous)


def _restore_scalable_target(entry: Entry, g: Gateways, _: Patience) -> None:
    current = _read_or_none(lambda: g.autoscaling.scalable_target(entry.id))
    _unless_as_before(current, entry.previous)
    g.autoscaling.register_scalable_target(
        {
            "ServiceNamespace": SERVICE_NAMESPACE,
            "ResourceId": entry.id,
            "ScalableDimension": SCALABLE_DIMENSION,
            **entry.previous,
        }
    )


def _restore_schedule(entry: Entry, g: Gateways, _: Patience) -> None:
    """UpdateSchedule takes the whole definition: the recorded one goes back as it was."""
    current = _read_or_none(lambda: g.scheduler.schedule(entry.details["group"], entry.id))
    previous = dict(entry.previous)
    if current is not None and schedule_request(current) == previous:
        raise AlreadyAsBefore
    g.scheduler.update_schedule(previous)  # a schedule that is gone: NotFoundError


def _unless_as_before(current: dict[str, Any] | None, previous: dict[str, Any]) -> None:
    """Raise AlreadyAsBefore when the resource already has every previous value."""
    if current is not None and all(current.get(k) == v for k, v in previous.items()):
        raise AlreadyAsBefore


def _known_absent(read: Callable[[], dict[str, Any] | None]) -> bool:
    """Whether the resource can be read and is not there (an unreadable one may be)."""
    try:
        return read() is None
    except AwsError:
        return False


def _read_or_none(read: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
    """The resource as it is now, or None when it cannot be read (then restore anyway)."""
    try:
        return read()
    except AwsError:
        return None


_UNDO_CHANGED: dict[str, Callable[[Entry, Gateways, Patience], None]] = {
    "service": _restore_service,
    "service-tags": _restore_service_tags,
    "security-group-rules": _restore_security_group_rules,
    "target-group-settings": _restore_target_group_settings,
    "target-group-attributes": _restore_target_group_attributes,
    "listener-settings": _restore_listener_settings,
    "scalable-target": _restore_scalable_target,
    "schedule": _restore_schedule,
}
