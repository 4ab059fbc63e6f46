"""The rollback ledger: what a deployment created or changed, written as it happens.

Each step records a resource the moment it exists, so a step that crashes half-way
leaves an exact account of what to undo. Entries are idempotent per (kind, id).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ecsdrop.aws.store import StateStore
from ecsdrop.contract import JsonModel, flattened
from ecsdrop.spec.model import Spec
from ecsdrop.spec.render import TAG_DEPLOYMENT, ecsdrop_tags


class Created(StrEnum):
    """What a run can create; rollback deletes it (ecsdrop.deploy.rollback has one undo
    for each, which a test checks)."""

    TASK_DEFINITION = "task-definition"
    LOG_GROUP = "log-group"
    CLUSTER = "cluster"
    SERVICE = "service"
    SCALABLE_TARGET = "scalable-target"
    LOAD_BALANCER = "load-balancer"
    TARGET_GROUP = "target-group"
    LISTENER = "listener"
    LISTENER_RULE = "listener-rule"
    VPC = "vpc"
    SUBNET = "subnet"
    INTERNET_GATEWAY = "internet-gateway"
    ELASTIC_IP = "elastic-ip"
    NAT_GATEWAY = "natgateway"
    ROUTE_TABLE = "route-table"
    ROUTE_TABLE_ASSOCIATION = "route-table-association"
    SECURITY_GROUP = "security-group"
    SCHEDULE = "schedule"


class Changed(StrEnum):
    """What a run can change in place; rollback restores the recorded previous value."""

    SERVICE = "service"
    SERVICE_TAGS = "service-tags"
    SCALABLE_TARGET = "scalable-target"
    SECURITY_GROUP_RULES = "security-group-rules"
    TARGET_GROUP_SETTINGS = "target-group-settings"
    TARGET_GROUP_ATTRIBUTES = "target-group-attributes"
    LISTENER_SETTINGS = "listener-settings"
    SCHEDULE = "schedule"


CREATED = "created"
CHANGED = "changed"
INTENDED = "intended"


@dataclass(frozen=True)
class LedgerEntry(JsonModel):
    """One line of the ledger: a resource this run created, changed (with the value to put
    back) or was about to create (``intended``: rollback skips it)."""

    kind: str  # a Created or Changed value (an intent's: "<created kind>-intent")
    id: str
    action: str  # CREATED | CHANGED | INTENDED
    previous: Any = None  # what rollback restores a changed resource to
    # what the undo needs besides the id (a service's cluster, a gateway's VPC...)
    details: dict[str, Any] = flattened()  # noqa: RUF009 -- a field(), as dataclasses wants


class Ledger:
    def __init__(self, store: StateStore, deployment_id: str) -> None:
        self._store = store
        self.deployment_id = deployment_id

    def created(self, kind: Created, resource_id: str, **details: Any) -> None:
        """This run created the resource; rollback deletes it."""
        self._store.record(
            self.deployment_id, kind.value, resource_id, {"action": CREATED, **details}
        )

    def changed(self, kind: Changed, resource_id: str, previous: Any, **details: Any) -> None:
        """This run changed the resource; rollback restores ``previous``."""
        self._store.record(
            self.deployment_id,
            kind.value,
            resource_id,
            {"action": CHANGED, "previous": previous, **details},
        )

    def intend(self, kind: Created, name: str) -> None:
        """This run is about to create the resource called ``name``, which does not exist.
        A resource found under that name later in the run is then this run's, even when
        the step stopped between creating and recording it (for resources whose tags the
        step cannot read). Rollback skips these entries."""
        self._store.record(self.deployment_id, f"{kind.value}-intent", name, {"action": INTENDED})

    def intended(self, kind: Created, name: str) -> bool:
        return any(e["kind"] == f"{kind.value}-intent" and e["id"] == name for e in self.entries())

    def entries(self) -> list[dict[str, Any]]:
        return self._store.ledger(self.deployment_id)

    def tags(self, spec: Spec, role: str) -> dict[str, str]:
        """Tags for a resource this run creates: the service's, its role, and this run's id
        (a retried step that finds a resource with this run's id knows it made it)."""
        return {**ecsdrop_tags(spec, role), **self.run_tag()}

    def run_tag(self) -> dict[str, str]:
        """This run's id as a tag, for resources whose other tags come from the spec."""
        return {TAG_DEPLOYMENT: self.deployment_id}

    def made(self, tags: dict[str, str]) -> bool:
        """Whether the resource carrying ``tags`` was created by this run."""
        return tags.get(TAG_DEPLOYMENT) == self.deployment_id

    def adopt(self, kind: Created, resource_id: str, tags: dict[str, str], **details: Any) -> None:
        """A resource found by its tags: if this run made it (a crash before its ledger entry
        was written), make sure the ledger has it."""
        if self.made(tags):
            self.created(kind, resource_id, **details)
