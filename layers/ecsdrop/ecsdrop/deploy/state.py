"""The deployment as it travels between the workflow's steps (plain JSON in the state machine)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ecsdrop.spec.model import Spec, digest_of
from ecsdrop.states import SUCCEEDED, status_of

DEPLOY = "deploy"
DELETE = "delete"


@dataclass(frozen=True)
class Deployment:
    """Who and what: one run of the workflow for one service."""

    id: str
    execution_arn: str
    service: str
    cluster: str
    started_at: str
    spec_key: str
    spec_version_id: str | None
    spec_digest: str
    trigger: dict[str, Any]
    image_overrides: dict[str, str] = field(default_factory=dict)
    action: str = DEPLOY  # or DELETE: the spec was deleted, the service's end
    # a rollback: the revision to deploy again (reused when the spec renders to it)
    rollback_to: str | None = None

    @property
    def deletes(self) -> bool:
        return self.action == DELETE

    @property
    def request_digest(self) -> str:
        """What this run was asked to do, whichever execution runs it: the same for every
        delivery of one event (S3 and EventBridge deliver at least once), different for a
        new upload, push or request."""
        request = asdict(self)
        for per_run in ("id", "execution_arn", "started_at"):
            del request[per_run]
        return digest_of(request)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        return cls(**data)


@dataclass(frozen=True)
class WorkflowState:
    """The state machine's document: the deployment, its spec, and each step's result."""

    deployment: Deployment
    spec: Spec
    steps: dict[str, Any] = field(default_factory=dict)
    lock: dict[str, Any] = field(default_factory=dict)

    @property
    def deployed(self) -> dict[str, Any]:
        """What the service's last successful deployment recorded (empty when nothing of it
        runs as ecsdrop left it: never deployed, deleted, or retained when its spec went)."""
        previous: dict[str, Any] = self.lock.get("previous") or {}
        return previous if status_of(previous) == SUCCEEDED else {}

    def step(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.steps.get(name) or {}
        return result

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkflowState:
        return cls(
            deployment=Deployment.from_json(data["deployment"]),
            spec=Spec.from_json(data["spec"]),
            steps=dict(data.get("steps") or {}),
            lock=dict(data.get("lock") or {}),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment.to_json(),
            "spec": self.spec.to_json(),
            "steps": self.steps,
            "lock": self.lock,
        }
