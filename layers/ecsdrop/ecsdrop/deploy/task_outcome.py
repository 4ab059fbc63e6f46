"""How a stopped one-off task ended: a pre-deploy task's, a scheduled job's run.

ECS describes the task in an "ECS Task State Change" event and in DescribeTasks with the
API's camelCase; Step Functions' ``.sync`` failure writes the same description in
PascalCase. Both are read here. One container is the one that matters (the pre-deploy
task's, the job's essential container): the run succeeded when it exited 0 and its
siblings exited 0 too, or were stopped with the task once it had (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ecsdrop.aws.logs import Logs
from ecsdrop.errors import AwsError
from ecsdrop.spec.render import log_stream_of

# what ECS's stop gives a container that was still running: SIGTERM, then SIGKILL
STOPPED_WITH_THE_TASK = frozenset({137, 143})
LAST_LOG_LINES = 20


@dataclass(frozen=True)
class TaskOutcome:
    task_arn: str
    container: str
    exit_code: int | None  # None: the container never ran (or ECS does not know)
    succeeded: bool
    what: str  # "exited 3", "did not run: TaskFailedToStart: …", as a sentence's verb


def task_outcome(described: Mapping[str, Any], container: str) -> TaskOutcome:
    """How the task described by ECS ended, judged by ``container``."""
    task_arn = str(field_of(described, "taskArn") or "")
    listed = field_of(described, "containers") or []
    containers = {str(field_of(c, "name")): c for c in listed if isinstance(c, Mapping)}
    code = field_of(containers.get(container, {}), "exitCode")
    siblings = {n: field_of(c, "exitCode") for n, c in containers.items() if n != container}
    fine = all(s == 0 or s in STOPPED_WITH_THE_TASK for s in siblings.values())
    if code == 0 and fine:
        return TaskOutcome(task_arn, container, 0, succeeded=True, what="exited 0")
    if code == 0:
        what = f"exited 0, but its task failed: {siblings}"
    elif code is None:
        stop = field_of(described, "stopCode") or "stopped"
        reason = field_of(containers.get(container, {}), "reason") or field_of(
            described, "stoppedReason"
        )
        what = f"did not run: {stop}: {reason or 'no reason given'}"
    else:
        what = f"exited {code}"
    exit_code = code if isinstance(code, int) else None
    return TaskOutcome(task_arn, container, exit_code, succeeded=False, what=what)


def last_log_lines(
    logs: Logs,
    target: tuple[str, str] | None,
    container: str,
    task_arn: str | None,
    limit: int = LAST_LOG_LINES,
) -> list[str]:
    """The container's last log lines in the task (``target``: the awslogs group and stream
    prefix); a line saying why when they cannot be read."""
    if not (task_arn and target):
        return []
    group, prefix = target
    try:
        events = logs.last_events(group, log_stream_of(prefix, container, task_arn), limit)
    except AwsError as e:  # the failure is the news; a log that cannot be read is not
        return [f"(its log could not be read: {e})"]
    return [str(e.get("message", "")).rstrip("\n") for e in events]


def field_of(described: Mapping[str, Any], name: str) -> Any:
    """A field of ECS's description in either case: the API's camelCase or the PascalCase
    Step Functions writes."""
    return {k.lower(): v for k, v in described.items()}.get(name.lower())
