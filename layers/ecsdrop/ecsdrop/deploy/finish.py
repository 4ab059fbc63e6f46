"""Record & release: the outcome of a run, told everywhere it must be.

Every outcome is published on the bus (chat hears it), written to the status object and
the history, and frees the lock when the run held it. A rollback is never a success.

What runs now (the state item and the ECR triggers) is the record later runs build on: a
failure to write it fails the step (and rolls the run back, which puts the previous record
back). The lock, the status object, the history and the event are reports: each is
attempted whatever happened to the others, and a failure is logged and listed in the
step's result (``unreported``) but never fails or rolls back a deployment — the lock
expires on its own, and the other reports say what the missing one would have said.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ecsdrop.aws.bucket import SpecBucket
from ecsdrop.aws.events import EventPublisher
from ecsdrop.aws.store import StateStore
from ecsdrop.deploy.load import owner_key, service_name_near, service_name_of, source_of
from ecsdrop.deploy.results import (
    CaughtError,
    LoadBalancerResult,
    NetworkResult,
    Report,
    RollbackResult,
    ScheduleResult,
    ServiceResult,
    TaskDefinitionResult,
    TeardownResult,
)
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.errors import AwsError, DeleteFailedError, TransientAwsError
from ecsdrop.observability import logger
from ecsdrop.states import (
    DELETE_FAILED,
    DELETED,
    IN_PROGRESS,
    NOOP,
    PREPARED,
    RETAINED,
    STARTED,
    SUCCEEDED,
)

DELETE = "DELETE"  # the Finish step's outcome after a teardown: DELETED, RETAINED or DELETE_FAILED


@dataclass(frozen=True)
class Reporter:
    store: StateStore
    bucket: SpecBucket
    publisher: EventPublisher
    region: str

    def started(self, state: WorkflowState, previous: dict[str, Any] | None) -> None:
        """Announce the run, and let the status object say it is in progress (so nobody
        reads the previous run's outcome as this one's)."""
        detail = _detail(state, STARTED, self.region)
        detail["taskDefinition"]["previous"] = (previous or {}).get("taskDefinitionArn")
        service = state.deployment.service
        status = {**detail, "state": IN_PROGRESS, "finishedAt": None, "durationSeconds": None}
        self._attempt("write the status object", lambda: self.bucket.write_status(service, status))
        self._attempt("publish the event", lambda: self.publisher.publish(detail, []))

    def succeeded(self, state: WorkflowState) -> Report:
        """Record what runs now, free the lock, announce it."""
        deployment = state.deployment
        task = state.steps.done(TaskDefinitionResult)
        service = state.steps.maybe(ServiceResult)
        schedule = state.steps.maybe(ScheduleResult)
        if service is None and schedule is None:
            state.steps.done(ServiceResult)  # the ContractError: neither step ran
        current = {
            **_service_record(state, SUCCEEDED, task),
            "serviceArn": service.service_arn if service else None,
            "scheduleArn": schedule.schedule_arn if schedule else None,
            "loadBalancer": state.steps.done(LoadBalancerResult).to_json(),
        }
        self.store.put_state(deployment.service, current)
        self.store.set_triggers(deployment.service, state.spec.triggers)
        return self._finish(state, _detail(state, SUCCEEDED, self.region))

    def prepared(self, state: WorkflowState) -> Report:
        """Record the task definition, log group and network `ecsdrop run` needs as the
        service's (its key owns them, deleting the service removes them), free the lock,
        publish PREPARED. No ECR push redeploys a service that was never deployed: the
        triggers stay empty."""
        deployment = state.deployment
        task = state.steps.done(TaskDefinitionResult)
        network = state.steps.done(NetworkResult)
        current = {**_service_record(state, PREPARED, task), "triggers": []}
        self.store.put_state(deployment.service, current)
        detail = _detail(state, PREPARED, self.region)
        detail["network"] = {
            "vpcId": network.vpc_id,
            "taskSubnetIds": list(network.task_subnet_ids),
            "taskSecurityGroupIds": list(network.task_security_group_ids),
        }
        return self._finish(state, detail)

    def no_op(self, state: WorkflowState) -> Report:
        """Nothing to deploy (a duplicate event, a superseded upload): free the lock quietly."""
        deployment = state.deployment
        reason = state.lock.reason if state.lock else None
        failure = self._attempt(
            "release the lock", lambda: self.store.release_lock(deployment.service, deployment.id)
        )
        return _reported({"state": NOOP, "reason": reason}, [failure] if failure else [])

    def failed(
        self,
        state: WorkflowState,
        outcome: str,
        error: CaughtError | None,
        rollback: RollbackResult | None = None,
        rollback_error: CaughtError | None = None,
    ) -> Report:
        """A run that failed after it started: rolled back, or not (ROLLBACK_FAILED)."""
        detail = _detail(state, outcome, self.region)
        detail.update(_error_fields(error))
        if rollback:
            detail["rolledBack"] = list(rollback.undone)
            detail["leftBehind"] = list(rollback.left)
        elif rollback_error:
            stopped = _error_fields(rollback_error)
            detail["rolledBack"] = []
            detail["leftBehind"] = [
                f"the rollback stopped ({stopped['error']}: {stopped['cause']}): what the "
                f"ledger of deployment {state.deployment.id} lists may be left behind"
            ]
        failures = self._restore_record(state) if state.lock and state.lock.acquired else []
        return self._finish(state, detail, failures)

    def ended(
        self, state: WorkflowState, teardown: TeardownResult | None, error: CaughtError | None
    ) -> Report:
        """A deletion's end: record what is left of the service (nothing, what still runs,
        or what could not be removed), stop its ECR redeploys, free the lock, announce it."""
        deployment = state.deployment
        previous = state.previous
        outcome = DELETE_FAILED if error or not teardown else teardown.outcome
        detail = _detail(state, outcome, self.region)
        detail["taskDefinition"]["previous"] = previous.get("taskDefinitionArn")
        detail["taskDefinition"]["previousRevision"] = revision_of(
            previous.get("taskDefinitionArn")
        )
        detail["serviceArn"] = previous.get("serviceArn")
        detail["loadBalancerDnsName"] = (previous.get("loadBalancer") or {}).get("dnsName")
        if error:
            detail.update(_error_fields(error))
            detail["leftBehind"] = [
                f"the teardown stopped: what ecsdrop created for {deployment.service} may be "
                f"left; `ecsdrop delete {deployment.service}` tries again"
            ]
        elif outcome == RETAINED:
            detail["retained"] = list((teardown.retained if teardown else None) or ())
        else:
            detail["deleted"] = list((teardown.deleted if teardown else None) or ())
            detail["leftBehind"] = list((teardown.left if teardown else None) or ())
        if outcome == DELETE_FAILED and not error:
            detail["error"] = DeleteFailedError.__name__
            detail["cause"] = "; ".join(detail["leftBehind"])
        record = {
            **(previous if outcome != DELETED else {}),
            "status": outcome,
            "service": deployment.service,
            "cluster": deployment.cluster,
            "deploymentId": deployment.id,
            "specKey": deployment.spec_key,
            "specVersionId": deployment.spec_version_id,
            "triggers": [],
            "updatedAt": now_iso(),
        }
        for field in ("retained", "leftBehind"):
            if field in detail:
                record[field] = detail[field]
        try:
            self.store.put_state(deployment.service, record)
        except TransientAwsError:
            raise  # the step retries
        except AwsError as e:
            return self._finish(state, _not_recorded(detail, deployment.service, e))
        # The Lock step dropped them; this drops any a run racing it added (harmless left:
        # the ECR trigger redeploys no service whose state is not SUCCEEDED).
        failure = self._attempt(
            "drop the ECR triggers", lambda: self.store.set_triggers(deployment.service, [])
        )
        return self._finish(state, detail, [failure] if failure else [])

    def rejected_or_failed_early(
        self,
        event: dict[str, Any],
        execution: dict[str, Any],
        outcome: str,
        error: CaughtError | None,
    ) -> Report:
        """A run that ended before it had a valid spec or the lock: nothing to release."""
        try:
            source = source_of(event)
            key, version, trigger = source.key, source.version_id, source.trigger
        except Exception:  # noqa: BLE001 -- the event itself was unreadable; report that
            key, version, trigger = None, None, {"type": "unknown"}
        service = (service_name_of(key) or service_name_near(key)) if key else None
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
            "finishedAt": now_iso(),
            "consoleUrl": console_url(str(execution.get("id", "")), self.region),
            **_error_fields(error),
        }
        detail["durationSeconds"] = duration_seconds(detail["startedAt"], detail["finishedAt"])
        if service and key:
            owns = self._owns_status(service, key)
            failures = self._report(service, detail, [], status=owns)
        else:
            published = self._attempt(
                "publish the event", lambda: self.publisher.publish(detail, [])
            )
            failures = [published] if published else []
        return _reported(detail, failures)

    def _restore_record(self, state: WorkflowState) -> list[str]:
        """A run that recorded itself as what runs, then failed (a failure late in the
        Record step), puts the previous record and triggers back."""
        deployment = state.deployment
        previous = state.lock.previous if state.lock else None

        def restore() -> None:
            if self.store.restore_state(deployment.service, deployment.id, previous):
                self.store.set_triggers(deployment.service, (previous or {}).get("triggers", []))

        failure = self._attempt("put the previous state back", restore)
        return [failure] if failure else []

    def _finish(
        self, state: WorkflowState, detail: dict[str, Any], failures: list[str] | None = None
    ) -> Report:
        """Free the lock first: whatever fails after, the next deployment is not blocked."""
        deployment = state.deployment
        failures = list(failures or [])
        released = self._attempt(
            "release the lock", lambda: self.store.release_lock(deployment.service, deployment.id)
        )
        failures += [released] if released else []
        resources = [r for r in [detail.get("serviceArn")] if r]
        owns = may_report_status(owner_key(state.previous), deployment.spec_key)
        failures += self._report(deployment.service, detail, resources, status=owns)
        return _reported(detail, failures)

    def _owns_status(self, service: str, key: str) -> bool:
        """Whether a run from ``key`` may write the service's status object: not when
        another key owns the service (its status says how the service runs)."""
        try:
            return may_report_status(owner_key(self.store.get_state(service)), key)
        except AwsError:
            return False

    def _report(
        self, service: str, detail: dict[str, Any], resources: list[str], status: bool = True
    ) -> list[str]:
        """Status object, history and event: each attempted, whatever the others did."""
        attempts: list[tuple[str, Callable[[], object]]] = [
            ("add to the history", lambda: self.store.add_history(service, detail)),
            ("publish the event", lambda: self.publisher.publish(detail, resources)),
        ]
        if status:
            write = ("write the status object", lambda: self.bucket.write_status(service, detail))
            attempts.insert(0, write)
        return [f for f in (self._attempt(what, action) for what, action in attempts) if f]

    @staticmethod
    def _attempt(what: str, action: Callable[[], object]) -> str | None:
        """Run one piece of bookkeeping; its failure (logged) as a line, or None. An AWS
        outage here must not fail, or roll back, a deployment."""
        try:
            action()
        except AwsError as e:
            logger.error(f"could not {what}", extra={"error": str(e)})
            return f"could not {what}: {e}"
        return None


def _service_record(
    state: WorkflowState, status: str, task: TaskDefinitionResult
) -> dict[str, Any]:
    """The service's state item as a run that ends well leaves it: what runs (or, PREPARED,
    what a task of it runs in), from which spec."""
    deployment = state.deployment
    return {
        "status": status,
        "service": deployment.service,
        "cluster": deployment.cluster,
        "deploymentId": deployment.id,
        "specKey": deployment.spec_key,
        "specVersionId": deployment.spec_version_id,
        "specDigest": deployment.spec_digest,
        "taskDefinitionArn": task.task_definition_arn,
        "images": task.images,
        "logGroupDigest": task.log_group_digest,
        # what the next run reuses when the spec plans the same (no EC2 call)
        "network": state.steps.done(NetworkResult).to_json(),
        "triggers": state.spec.triggers,
        # the complete spec that runs (images as deployed): what diff compares with, and
        # what deleting the spec tears down by
        "spec": state.spec.to_json(),
        "updatedAt": now_iso(),
    }


def _reported(detail: dict[str, Any], failures: list[str]) -> Report:
    """Finish's result: the detail, and the bookkeeping that failed (when some did)."""
    return Report.from_json({**detail, "unreported": failures} if failures else detail)


def may_report_status(owner: str | None, key: str) -> bool:
    """A run may write the service's status object unless another key owns the service."""
    return owner is None or owner == key


def _detail(state: WorkflowState, outcome: str, region: str) -> dict[str, Any]:
    """The "Deployment State Change" event's detail (docs/events.md), also the status object."""
    deployment = state.deployment
    task = state.steps.maybe(TaskDefinitionResult)
    load_balancer = state.steps.maybe(LoadBalancerResult)
    service = state.steps.maybe(ServiceResult)
    schedule = state.steps.maybe(ScheduleResult)
    current = task.task_definition_arn if task else None
    previous = task.previous_task_definition_arn if task else None
    finished = now_iso()
    return {
        "state": outcome,
        "action": deployment.action,
        "service": deployment.service,
        "cluster": deployment.cluster,
        "deploymentId": deployment.id,
        "executionArn": deployment.execution_arn,
        "serviceArn": service.service_arn if service else None,
        # a scheduled job's: its schedule, and when it starts the task
        "schedule": (
            schedule_detail(
                schedule.schedule_arn, schedule.expression, schedule.timezone, schedule.state
            )
            if schedule
            else None
        ),
        "trigger": deployment.trigger,
        "spec": {
            "key": deployment.spec_key,
            "versionId": deployment.spec_version_id,
            "digest": deployment.spec_digest,
        },
        "taskDefinition": {
            "previous": previous,
            "current": current,
            "revision": revision_of(current),
            "previousRevision": revision_of(previous),
        },
        "loadBalancerDnsName": load_balancer.dns_name if load_balancer else None,
        "startedAt": deployment.started_at,
        "finishedAt": finished,
        "durationSeconds": duration_seconds(deployment.started_at, finished),
        "consoleUrl": console_url(deployment.execution_arn, region),
        # the spec's chat preferences travel with the event: the notifier has no other way
        # to learn which channels hear about this service (docs/events.md)
        "notifications": state.spec.notifications,
    }


def schedule_detail(arn: Any, expression: Any, timezone: Any, state: str) -> dict[str, Any]:
    """The event detail's ``schedule`` (docs/events.md): a scheduled job's schedule."""
    return {"arn": arn, "expression": expression, "timezone": timezone, "state": state}


def _not_recorded(detail: dict[str, Any], service: str, error: AwsError) -> dict[str, Any]:
    """A deletion whose end cannot be recorded is not over: the state item still names the
    service's last deployment (so its key still owns it), and deleting again finishes."""
    line = (
        f"the deletion could not be recorded ({error}): the state item still names the last "
        f"deployment of {service}; `ecsdrop delete {service}` tries again"
    )
    return {
        **detail,
        "state": DELETE_FAILED,
        "error": type(error).__name__,
        "cause": str(error),
        "leftBehind": [*detail.get("leftBehind", []), line],
    }


def _error_fields(error: CaughtError | None) -> dict[str, Any]:
    """Step Functions' Catch gives {Error, Cause}; a Lambda error's Cause is JSON."""
    if error is None:
        return {"error": None, "cause": ""}
    cause = error.cause or ""
    message = cause
    try:
        parsed = json.loads(cause)
        if isinstance(parsed, dict):
            message = parsed.get("errorMessage", cause)
    except ValueError:
        pass
    return {"error": error.error, "cause": message}


def revision_of(arn: str | None) -> int | None:
    if not arn or ":" not in arn:
        return None
    tail = arn.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def console_url(execution_arn: str, region: str) -> str:
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def duration_seconds(started: str | None, finished: str) -> float | None:
    """Seconds between two ISO 8601 times (``Z`` or an offset; UTC when neither)."""
    start, end = _instant(started), _instant(finished)
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def conclude(payload: dict[str, Any], reporter: Reporter) -> Report:
    """The Finish step: report the run's outcome the way it ended. ``payload`` is what the
    state machine's Finish states pass: the outcome, and the workflow's state (or, before
    the spec was loaded, the event and the execution), and the error that ended it when
    it is not in the state (the Refused state's)."""
    outcome = payload["outcome"]
    given = payload.get("error")
    error = CaughtError.from_json(given) if given else None
    if "state" not in payload:  # ended before the spec was loaded
        return reporter.rejected_or_failed_early(
            payload["event"], payload["execution"], outcome, error
        )
    state = WorkflowState.from_json(payload["state"])
    if outcome == SUCCEEDED:
        return reporter.succeeded(state)
    if outcome == NOOP:
        return reporter.no_op(state)
    if outcome == PREPARED:
        return reporter.prepared(state)
    if outcome == DELETE:
        return reporter.ended(state, state.teardown, state.error)
    return reporter.failed(
        state, outcome, error or state.error, state.rollback, state.rollback_error
    )
