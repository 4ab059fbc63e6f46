"""The deployment as it travels between the workflow's steps (plain JSON in the state machine)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from ecsdrop.contract import JsonModel
from ecsdrop.deploy.results import (
    CaughtError,
    LockResult,
    Report,
    RollbackResult,
    Steps,
    TeardownResult,
)
from ecsdrop.spec.model import Spec, digest_of
from ecsdrop.states import SUCCEEDED, status_of

DEPLOY = "deploy"
DELETE = "delete"
PREPARE = "prepare"  # `ecsdrop run` before the first deployment: the network only


@dataclass(frozen=True)
class Deployment(JsonModel):
    """Who and what: one run of the workflow for one service."""

    snake_case_json: ClassVar[bool] = True

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
    # or DELETE: the spec was deleted, the service's end; or PREPARE: the network for a task
    action: str = DEPLOY
    # a rollback: the revision to deploy again (reused when the spec renders to it)
    rollback_to: str | None = None

    @property
    def deletes(self) -> bool:
        return self.action == DELETE

    @property
    def prepares(self) -> bool:
        return self.action == PREPARE

    @property
    def request_digest(self) -> str:
        """What this run was asked to do, whichever execution runs it: the same for every
        delivery of one event (S3 and EventBridge deliver at least once), different for a
        new upload, push or request."""
        request = asdict(self)
        for per_run in ("id", "execution_arn", "started_at"):
            del request[per_run]
        return digest_of(request)


@dataclass(frozen=True)
class WorkflowState(JsonModel):
    """The state machine's document: the deployment, its spec, each step's result, and
    what the later states added (a caught error, the rollback's or teardown's report)."""

    deployment: Deployment
    spec: Spec
    steps: Steps = field(default_factory=Steps)
    lock: LockResult | None = None
    error: CaughtError | None = None  # a Catch's: the run failed here
    rollback: RollbackResult | None = None
    rollback_error: CaughtError | None = None  # the rollback itself crashed
    teardown: TeardownResult | None = None
    rollout: dict[str, Any] | None = None  # what ECS's event (or the timeout) resumed it with
    report: Report | None = None

    @property
    def deployed(self) -> dict[str, Any]:
        """What the service's last successful deployment recorded (empty when nothing of it
        runs as ecsdrop left it: never deployed, deleted, or retained when its spec went)."""
        previous = self.previous
        return previous if status_of(previous) == SUCCEEDED else {}

    @property
    def previous(self) -> dict[str, Any]:
        """The service's record as the Lock step found it (empty before the lock, or when
        there was none)."""
        return dict((self.lock.previous if self.lock else None) or {})
