"""Scheduled runs: a scheduled job's task that exited non-zero or could not start is
announced in chat, from ECS's own "ECS Task State Change" event (no polling).

The schedule starts each run in the task group ``ecsdrop-schedule:<job>``; the rule passes
only STOPPED tasks of those groups. The job's record (what its last deployment recorded)
says which container's exit code counts (the first essential one), where its log is and
which channels hear about it. A failed run becomes a RUN_FAILED "Deployment State Change"
event on ecsdrop's bus, which the notifier delivers like every other state; its cause has
the exit code, ECS's stopped reason and the container's last log lines. ECS may send a
task's STOPPED change more than once: the first one claims the announcement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ecsdrop.aws.events import EventPublisher
from ecsdrop.aws.logs import Logs
from ecsdrop.aws.store import StateStore
from ecsdrop.deploy.finish import duration_seconds, now_iso, revision_of, schedule_detail
from ecsdrop.deploy.results import ScheduledRunReport
from ecsdrop.deploy.task_outcome import TaskOutcome, last_log_lines, task_outcome
from ecsdrop.errors import AwsError, ScheduledRunFailed
from ecsdrop.spec.model import Spec
from ecsdrop.spec.render import container_log_target, job_container, job_of_group
from ecsdrop.states import RUN_FAILED


@dataclass(frozen=True)
class ScheduledRuns:
    store: StateStore
    logs: Logs
    publisher: EventPublisher
    region: str

    def handle(self, event: Mapping[str, Any]) -> ScheduledRunReport:
        """Announce the run the event reports if it failed (once); say why not otherwise."""
        task = event.get("detail")
        task = task if isinstance(task, Mapping) else {}
        service = job_of_group(task.get("group"))
        if service is None or task.get("lastStatus") != "STOPPED":
            return ScheduledRunReport(False, "not a stopped run of a scheduled job")
        record = self.store.get_state(service)
        if not record or not record.get("scheduleArn") or not record.get("spec"):
            return ScheduledRunReport(False, "no scheduled job of that name runs", service)
        spec = Spec.from_json(record["spec"])
        outcome = task_outcome(task, job_container(spec))
        quiet = ScheduledRunReport(
            False, outcome.what, service, outcome.task_arn, outcome.exit_code
        )
        if outcome.succeeded:
            return quiet
        if not self.store.claim_run_report(outcome.task_arn):
            return ScheduledRunReport(
                False, "announced already", service, outcome.task_arn, outcome.exit_code
            )
        detail = self.run_failed(task, record, spec, outcome)
        try:
            self.publisher.publish(detail, [outcome.task_arn])
        except AwsError:
            self.store.release_run_report(outcome.task_arn)  # the retry announces it
            raise
        return ScheduledRunReport(True, outcome.what, service, outcome.task_arn, outcome.exit_code)

    def run_failed(
        self,
        task: Mapping[str, Any],
        record: Mapping[str, Any],
        spec: Spec,
        outcome: TaskOutcome,
    ) -> dict[str, Any]:
        """The RUN_FAILED event's detail: the fields of every deployment event (docs/events.md)
        that a run has, and the run itself under ``task``."""
        schedule = spec.schedule or {}
        task_definition = str(task.get("taskDefinitionArn") or "")
        started = str(task.get("startedAt") or task.get("createdAt") or "") or None
        finished = str(task.get("stoppedAt") or "") or now_iso()
        task_id = outcome.task_arn.rsplit("/", 1)[-1]
        return {
            "state": RUN_FAILED,
            "service": spec.name,
            "cluster": spec.cluster,
            "deploymentId": task_id,
            "executionArn": None,
            "serviceArn": None,
            "schedule": schedule_detail(
                record.get("scheduleArn"),
                schedule.get("expression"),
                schedule.get("timezone"),
                "ENABLED" if schedule.get("enabled", True) else "DISABLED",
            ),
            "trigger": {"type": "schedule", "expression": schedule.get("expression")},
            "spec": {
                "key": record.get("specKey"),
                "versionId": record.get("specVersionId"),
                "digest": record.get("specDigest"),
            },
            "taskDefinition": {
                "previous": None,
                "current": task_definition or None,
                "revision": revision_of(task_definition),
                "previousRevision": None,
            },
            "task": {
                "arn": outcome.task_arn,
                "container": outcome.container,
                "exitCode": outcome.exit_code,
                "stopCode": task.get("stopCode"),
                "stoppedReason": task.get("stoppedReason"),
            },
            "error": ScheduledRunFailed.__name__,
            "cause": self._cause(spec, outcome, task),
            "loadBalancerDnsName": None,
            "startedAt": started,
            "finishedAt": finished,
            "durationSeconds": duration_seconds(started, finished),
            "consoleUrl": task_console_url(self.region, spec.cluster, task_id),
            "notifications": spec.notifications,
        }

    def _cause(self, spec: Spec, outcome: TaskOutcome, task: Mapping[str, Any]) -> str:
        schedule = spec.schedule or {}
        when = f"{schedule.get('expression')}, {schedule.get('timezone')}"
        lines = [f"scheduled run ({when}): container {outcome.container} {outcome.what}"]
        reason = task.get("stoppedReason")
        if reason and not outcome.what.startswith("did not run"):
            lines[0] += f" ({reason})"
        lines.append(f"task: {outcome.task_arn}")
        target = container_log_target(spec, outcome.container)
        last = last_log_lines(self.logs, target, outcome.container, outcome.task_arn)
        if last:
            lines.append(f"its last {len(last)} log lines:")
            lines += [f"  {line}" for line in last]
        return "\n".join(lines)


def task_console_url(region: str, cluster: str, task_id: str) -> str:
    return (
        f"https://{region}.console.aws.amazon.com/ecs/v2/clusters/{cluster}/tasks/{task_id}"
        f"/configuration?region={region}"
    )
