"""Rollback: walk the ledger backwards, deleting what this run created and restoring what
it changed. Deletion waits (bounded) for dependencies to drain: ENIs leaving subnets and
security groups, NAT gateways going away before their Elastic IPs are released.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ecsdrop.aws.autoscaling import AutoScaling
from ecsdrop.aws.ec2 import Ec2, flatten_permissions
from ecsdrop.aws.ecs import Ecs
from ecsdrop.aws.elbv2 import Elbv2
from ecsdrop.aws.logs import Logs
from ecsdrop.deploy.network import set_ingress
from ecsdrop.errors import AwsError, ConflictError, NotFoundError, TransientAwsError

Entry = dict[str, Any]


@dataclass
class Gateways:
    ecs: Ecs
    ec2: Ec2
    elbv2: Elbv2
    logs: Logs
    autoscaling: AutoScaling
    sleep: Callable[[float], None] = time.sleep
    patience_seconds: float = 300.0


@dataclass
class RollbackReport:
    undone: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return "ROLLBACK_FAILED" if self.left else "ROLLED_BACK"

    def to_json(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "undone": self.undone, "left": self.left}


def roll_back(entries: list[Entry], gateways: Gateways) -> RollbackReport:
    """Undo ``entries`` (a ledger, oldest first) newest first; go on past failures and
    report what could not be undone."""
    report = RollbackReport()
    for entry in reversed(entries):
        label = describe(entry)
        try:
            undo(entry, gateways)
        except NotFoundError:
            report.undone.append(f"{label} (already gone)")
        except AwsError as e:
            report.left.append(f"{label}: {e}")
        else:
            report.undone.append(label)
    return report


def describe(entry: Entry) -> str:
    verb = "deleted" if entry["action"] == "created" else "restored"
    return f"{verb} {entry['kind']} {entry['id']}"


def undo(entry: Entry, gateways: Gateways) -> None:
    table = _UNDO_CREATED if entry["action"] == "created" else _UNDO_CHANGED
    handler = table.get(entry["kind"])
    if handler is None:
        raise AwsError(f"no way to undo {entry['action']} {entry['kind']}")
    patiently(lambda: handler(entry, gateways), gateways)


def patiently(action: Callable[[], None], gateways: Gateways) -> None:
    """Retry while AWS says the resource is still in use or is throttling, up to the budget."""
    waited = 0.0
    delay = 2.0
    while True:
        try:
            action()
            return
        except (ConflictError, TransientAwsError):
            if waited >= gateways.patience_seconds:
                raise
            gateways.sleep(delay)
            waited += delay
            delay = min(delay * 2, 30.0)


# --------------------------------------------------------------------------- deletions


def _delete_service(entry: Entry, g: Gateways) -> None:
    g.ecs.delete_service(entry["cluster"], entry["id"])


def _delete_internet_gateway(entry: Entry, g: Gateways) -> None:
    try:
        g.ec2.detach_internet_gateway(entry["id"], entry["vpcId"])
    except NotFoundError:
        pass  # already detached
    except AwsError as e:
        if "Gateway.NotAttached" not in str(e):
            raise
    g.ec2.delete_internet_gateway(entry["id"])


def _delete_nat_gateway(entry: Entry, g: Gateways) -> None:
    g.ec2.delete_nat_gateway(entry["id"])
    g.ec2.wait_nat_gateways_deleted([entry["id"]], max_seconds=int(g.patience_seconds))


def _delete_load_balancer(entry: Entry, g: Gateways) -> None:
    g.elbv2.delete_load_balancer(entry["id"])
    g.elbv2.wait_load_balancer_deleted(entry["id"], max_seconds=int(g.patience_seconds))


def _deregister_scalable_target(entry: Entry, g: Gateways) -> None:
    g.autoscaling.deregister_scalable_target(entry["id"])


_UNDO_CREATED: dict[str, Callable[[Entry, Gateways], None]] = {
    "task-definition": lambda e, g: g.ecs.deregister_task_definition(e["id"]),
    "log-group": lambda e, g: g.logs.delete_log_group(e["id"]),
    "cluster": lambda e, g: g.ecs.delete_cluster(e["id"]),
    "service": _delete_service,
    "scalable-target": _deregister_scalable_target,
    "load-balancer": _delete_load_balancer,
    "target-group": lambda e, g: g.elbv2.delete_target_group(e["id"]),
    "listener": lambda e, g: g.elbv2.delete_listener(e["id"]),
    "listener-rule": lambda e, g: g.elbv2.delete_rule(e["id"]),
    "security-group": lambda e, g: g.ec2.delete_security_group(e["id"]),
    "route-table-association": lambda e, g: g.ec2.disassociate_route_table(e["id"]),
    "route-table": lambda e, g: g.ec2.delete_route_table(e["id"]),
    "natgateway": _delete_nat_gateway,
    "elastic-ip": lambda e, g: g.ec2.release_address(e["id"]),
    "internet-gateway": _delete_internet_gateway,
    "subnet": lambda e, g: g.ec2.delete_subnet(e["id"]),
    "vpc": lambda e, g: g.ec2.delete_vpc(e["id"]),
}


# --------------------------------------------------------------------------- restorations


def _restore_service(entry: Entry, g: Gateways) -> None:
    previous = dict(entry["previous"])
    request: dict[str, Any] = {"cluster": entry["cluster"], "service": entry["id"], **previous}
    config = request.get("deploymentConfiguration")
    if config:  # UpdateService does not take the read-only parts describe returns
        request["deploymentConfiguration"] = {
            k: v
            for k, v in config.items()
            if k
            in ("deploymentCircuitBreaker", "maximumPercent", "minimumHealthyPercent", "alarms")
        }
    g.ecs.update_service(request)


def _restore_security_group_rules(entry: Entry, g: Gateways) -> None:
    group = g.ec2.security_group(entry["id"])
    if group is None:
        raise NotFoundError(f"security group {entry['id']} is gone")
    current = flatten_permissions(group.get("IpPermissions", []))
    set_ingress(g.ec2, entry["id"], current, entry["previous"])


def _restore_scalable_target(entry: Entry, g: Gateways) -> None:
    g.autoscaling.register_scalable_target(
        {
            "ServiceNamespace": "ecs",
            "ResourceId": entry["id"],
            "ScalableDimension": "ecs:service:DesiredCount",
            **entry["previous"],
        }
    )


_UNDO_CHANGED: dict[str, Callable[[Entry, Gateways], None]] = {
    "service": _restore_service,
    "security-group-rules": _restore_security_group_rules,
    "target-group-settings": lambda e, g: g.elbv2.modify_target_group(e["id"], e["previous"]),
    "listener-settings": lambda e, g: g.elbv2.modify_listener(e["id"], e["previous"]),
    "scalable-target": _restore_scalable_target,
}
