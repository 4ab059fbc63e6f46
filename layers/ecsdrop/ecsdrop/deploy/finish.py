"""Record & release: the outcome of a run, told everywhere it must be.

Every outcome is published on the bus (chat hears it), written to the status object and
the history, and frees the lock when the run held it. A rollback is never a success.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ecsdrop.aws.bucket import SpecBucket
from ecsdrop.aws.events import EventPublisher
from ecsdrop.aws.store import StateStore
from ecsdrop.deploy.load import service_name_of, source_of
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.errors import AwsError
from ecsdrop.observability import logger

STARTED = "STARTED"
SUCCEEDED = "SUCCEEDED"
REJECTED = "REJECTED"
FAILED = "FAILED"
ROLLED_BACK = "ROLLED_BACK"
ROLLBACK_FAILED = "ROLLBACK_FAILED"
NOOP = "NOOP"


@dataclass(frozen=True)
class Reporter:
    store: StateStore
    bucket: SpecBucket
    publisher: EventPublisher
    region: str

    def started(self, state: WorkflowState, previous: dict[str, Any] | None) -> None:
        detail = _detail(state, STARTED, self.region)
        detail["taskDefinition"]["previous"] = (previous or {}).get("taskDefinitionArn")
        self._announce(detail)

    def succeeded(self, state: WorkflowState) -> dict[str, Any]:
        """Record what runs now, free the lock, announce it."""
        deployment = state.deployment
        network = state.step("network")
        load_balancer = state.step("loadBalancer")
        task = state.step("taskDefinition")
        service = state.step("service")
        current = {
            "status": SUCCEEDED,
            "service": deployment.service,
            "cluster": deployment.cluster,
            "deploymentId": deployment.id,
            "specKey": deployment.spec_key,
            "specVersionId": deployment.spec_version_id,
            "specDigest": deployment.spec_digest,
            "taskDefinitionArn": task.get("taskDefinitionArn"),
            "images": task.get("images", {}),
            "serviceArn": service.get("serviceArn"),
            "network": network,
            "loadBalancer": load_balancer,
            "triggers": state.spec.triggers,
            "updatedAt": _now(),
        }
        self.store.put_state(deployment.service, current)
        self.store.set_triggers(deployment.service, state.spec.triggers)
        return self._finish(state, _detail(state, SUCCEEDED, self.region))

    def no_op(self, state: WorkflowState) -> dict[str, Any]:
        """Nothing to deploy (a duplicate event, a superseded upload): free the lock quietly."""
        self.store.release_lock(state.deployment.service, state.deployment.id)
        return {"state": "NOOP", "reason": state.lock.get("reason")}

    def failed(
        self,
        state: WorkflowState,
        outcome: str,
        error: dict[str, Any],
        rollback: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A run that failed after it started: rolled back, or not (ROLLBACK_FAILED)."""
        detail = _detail(state, outcome, self.region)
        detail.update(_error_fields(error))
        if rollback:
            detail["rolledBack"] = rollback.get("undone", [])
            detail["leftBehind"] = rollback.get("left", [])
        return self._finish(state, detail)

    def rejected_or_failed_early(
        self, event: dict[str, Any], execution: dict[str, Any], outcome: str, error: dict[str, Any]
    ) -> dict[str, Any]:
        """A run that ended before it had a valid spec or the lock: nothing to release."""
        try:
            source = source_of(event)
            key, version, trigger = source.key, source.version_id, source.trigger
        except Exception:  # noqa: BLE001 -- the event itself was unreadable; report that
            key, version, trigger = None, None, {"type": "unknown"}
        service = service_name_of(key) if key else None
        detail = {
            "state": outcome,
            "service": service,
            "cluster": None,
            "deploymentId": execution.get("name"),
            "executionArn": execution.get("id"),
            "trigger": trigger,
            "spec": {"key": key, "versionId": version, "digest": None},
            "taskDefinition": {"previous": None, "current": None},
            "startedAt": execution.get("startTime"),
            "finishedAt": _now(),
            "consoleUrl": console_url(str(execution.get("id", "")), self.region),
            **_error_fields(error),
        }
        detail["durationSeconds"] = _duration(detail["startedAt"], detail["finishedAt"])
        if service:
            self.bucket.write_status(service, detail)
            self.store.add_history(service, detail)
        self._announce(detail)
        return detail

    def _finish(self, state: WorkflowState, detail: dict[str, Any]) -> dict[str, Any]:
        """Free the lock first: whatever fails after, the next deployment is not blocked."""
        deployment = state.deployment
        self.store.release_lock(deployment.service, deployment.id)
        self.bucket.write_status(deployment.service, detail)
        self.store.add_history(deployment.service, detail)
        self._announce(detail, [r for r in [detail.get("serviceArn")] if r])
        return detail

    def _announce(self, detail: dict[str, Any], resources: list[str] | None = None) -> bool:
        """Publish the state change. An EventBridge outage must not fail (or roll back) a
        deployment: the status object and the history still tell what happened."""
        try:
            self.publisher.publish(detail, resources or [])
        except AwsError as e:
            logger.warning(
                "could not publish the deployment event",
                extra={"state": detail.get("state"), "error": str(e)},
            )
            return False
        return True


def _detail(state: WorkflowState, outcome: str, region: str) -> dict[str, Any]:
    """The "Deployment State Change" event's detail (docs/events.md), also the status object."""
    deployment = state.deployment
    task = state.step("taskDefinition")
    load_balancer = state.step("loadBalancer")
    finished = _now()
    return {
        "state": outcome,
        "service": deployment.service,
        "cluster": deployment.cluster,
        "deploymentId": deployment.id,
        "executionArn": deployment.execution_arn,
        "serviceArn": state.step("service").get("serviceArn"),
        "trigger": deployment.trigger,
        "spec": {
            "key": deployment.spec_key,
            "versionId": deployment.spec_version_id,
            "digest": deployment.spec_digest,
        },
        "taskDefinition": {
            "previous": task.get("previousTaskDefinitionArn"),
            "current": task.get("taskDefinitionArn"),
            "revision": _revision(task.get("taskDefinitionArn")),
            "previousRevision": _revision(task.get("previousTaskDefinitionArn")),
        },
        "loadBalancerDnsName": load_balancer.get("dnsName"),
        "startedAt": deployment.started_at,
        "finishedAt": finished,
        "durationSeconds": _duration(deployment.started_at, finished),
        "consoleUrl": console_url(deployment.execution_arn, region),
        # the spec's chat preferences travel with the event: the notifier has no other way
        # to learn which channels hear about this service (docs/events.md)
        "notifications": state.spec.notifications,
    }


def _error_fields(error: dict[str, Any]) -> dict[str, Any]:
    """Step Functions' Catch gives {Error, Cause}; a Lambda error's Cause is JSON."""
    cause = error.get("Cause") or ""
    message = cause
    try:
        parsed = json.loads(cause)
        if isinstance(parsed, dict):
            message = parsed.get("errorMessage", cause)
    except ValueError:
        pass
    return {"error": error.get("Error"), "cause": message}


def _revision(arn: str | None) -> int | None:
    if not arn or ":" not in arn:
        return None
    tail = arn.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def console_url(execution_arn: str, region: str) -> str:
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _duration(started: str | None, finished: str) -> float | None:
    if not started:
        return None
    try:
        start = datetime.fromisoformat(started.replace("Z", "+00:00"))
    except ValueError:
        return None
    end = datetime.fromisoformat(finished)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return round((end - start).total_seconds(), 3)


def conclude(payload: dict[str, Any], reporter: Reporter) -> dict[str, Any]:
    """The Finish step: report the run's outcome the way it ended."""
    outcome = payload["outcome"]
    if "state" not in payload:  # ended before the spec was loaded
        return reporter.rejected_or_failed_early(
            payload["event"], payload["execution"], outcome, payload.get("error") or {}
        )
    raw = payload["state"]
    state = WorkflowState.from_json(raw)
    if outcome == SUCCEEDED:
        return reporter.succeeded(state)
    if outcome == NOOP:
        return reporter.no_op(state)
    return reporter.failed(state, outcome, raw.get("error") or {}, raw.get("rollback"))
