"""Pre-deploy tasks (``service.preDeploy``): one-off tasks of the new task definition run
before the service is created or updated, one after another, as database migrations are.

The workflow waits on each with Step Functions' ``ecs:runTask.sync`` integration, so no
Lambda polls. ``prepare`` runs before them: the cluster exists (a first deployment has not
created it yet) and each task's RunTask parameters are rendered as ``ecsdrop run`` renders
its own. ``judge`` runs only when the integration calls a task failed:

- Step Functions fails the state when *any* container stopped with a code other than 0. A
  task of a service's definition often has siblings of the chosen container (a proxy, a log
  router) that ECS stops with SIGTERM/SIGKILL once it has exited: 143 or 137. The chosen
  container's 0 with siblings stopped that way is a success.
- Otherwise the run fails with ``PreDeployTaskFailed``: what happened (the exit code, ECS's
  stop code and reason, the timeout) and the container's last log lines, which the status
  object and the chat message show. A task still running (the timeout) is stopped first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ecsdrop.aws.ecs import Ecs
from ecsdrop.aws.logs import Logs
from ecsdrop.deploy.ledger import Ledger
from ecsdrop.deploy.results import CaughtError, PreDeployPlan, PreDeployRun, PreDeployTask
from ecsdrop.deploy.service import bound_resources, ensure_cluster
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.deploy.task_outcome import field_of, last_log_lines, task_outcome
from ecsdrop.errors import AwsError, PreDeployTaskFailed
from ecsdrop.spec.render import RunRequest, container_log_target, run_task_input


def prepare(state: WorkflowState, ecs: Ecs, ledger: Ledger) -> PreDeployPlan:
    """The cluster exists, and each of the spec's pre-deploy tasks as the workflow runs it."""
    spec = state.spec
    ensure_cluster(spec.cluster, ecs, ledger)
    resources = bound_resources(state)
    wanted: list[dict[str, Any]] = spec.service.get("preDeploy", [])
    tasks = []
    for number, step in enumerate(wanted, start=1):
        command = tuple(step["command"])
        request = run_task_input(
            spec,
            resources,
            RunRequest(container=step["container"], command=command, started_by="ecsdrop"),
        )
        log = container_log_target(spec, step["container"])
        tasks.append(
            PreDeployTask(
                number=number,
                of=len(wanted),
                container=step["container"],
                command=command,
                timeout_seconds=step["timeoutSeconds"],
                cluster=request["cluster"],
                task_definition=request["taskDefinition"],
                platform_version=request["platformVersion"],
                group=f"ecsdrop-pre-deploy:{state.deployment.id}:{number}"[:255],
                network_configuration=pascal_case(request["networkConfiguration"]),
                overrides=pascal_case(request["overrides"]),
                log_group=log[0] if log else None,
                log_stream_prefix=log[1] if log else None,
            )
        )
    return PreDeployPlan(tasks=tuple(tasks))


def pascal_case(value: Any) -> Any:
    """``value`` with every mapping key in PascalCase, as Step Functions' parameters are."""
    if isinstance(value, Mapping):
        return {k[:1].upper() + k[1:]: pascal_case(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal_case(v) for v in value]
    return value


def judge(task: PreDeployTask, ecs: Ecs, logs: Logs) -> PreDeployRun:
    """The run of a task Step Functions called failed (``task.failure``): a success after
    all (the container exited 0, its siblings were stopped with it), or PreDeployTaskFailed
    saying why."""
    failure = task.failure or CaughtError(error="States.TaskFailed")
    described = _described_task(failure.cause)
    if described is None:  # it never stopped by itself: a timeout, or RunTask failed
        try:
            task_arn, stopped = _stop_running(task, ecs), "and was stopped"
        except AwsError as e:  # the failure stays the news; the task may still run
            task_arn, stopped = None, f"and could not be stopped ({e}): it may still run"
        if failure.error == "States.Timeout":
            what = f"did not finish within {task.timeout_seconds} s {stopped}"
        else:
            what = f"could not run ({failure.error}: {_reason(failure.cause)})"
        raise PreDeployTaskFailed(_failure_message(task, what, task_arn, logs))
    outcome = task_outcome(described, task.container)
    if outcome.succeeded:
        return PreDeployRun(task_arn=outcome.task_arn, exit_code=0)
    raise PreDeployTaskFailed(_failure_message(task, outcome.what, outcome.task_arn or None, logs))


def _failure_message(task: PreDeployTask, what: str, task_arn: str | None, logs: Logs) -> str:
    head = (
        f"pre-deploy task {task.number} of {task.of} ({' '.join(task.command)} in container "
        f"{task.container}) {what}; the service was not changed"
    )
    lines = [head]
    if task_arn:
        lines.append(f"task: {task_arn}")
    target = None
    if task.log_group and task.log_stream_prefix:
        target = (task.log_group, task.log_stream_prefix)
    last = last_log_lines(logs, target, task.container, task_arn)
    if last:
        lines.append(f"its last {len(last)} log lines:")
        lines += [f"  {line}" for line in last]
    elif task.log_group is None:
        lines.append("its container does not log with awslogs: no log lines to show")
    return "\n".join(lines)


def _stop_running(task: PreDeployTask, ecs: Ecs) -> str | None:
    """Stop this run's task of ``task`` if ECS still runs it; its ARN, or None."""
    family = task.task_definition.rsplit("/", 1)[-1].split(":", 1)[0]
    arns = ecs.running_tasks(task.cluster, family)
    mine = [t for t in ecs.describe_tasks(task.cluster, arns) if t.get("group") == task.group]
    for found in mine:
        ecs.stop_task(task.cluster, found["taskArn"], f"ecsdrop: pre-deploy task {task.group}")
    return mine[0]["taskArn"] if mine else None


def _described_task(cause: str | None) -> dict[str, Any] | None:
    """The task as Step Functions' ``.sync`` failure describes it (its Cause is the task's
    description as JSON); None when the cause is something else."""
    try:
        parsed = json.loads(cause or "")
    except ValueError:
        return None
    if (
        isinstance(parsed, dict)
        and field_of(parsed, "taskArn")
        and field_of(parsed, "containers") is not None
    ):
        return parsed
    return None


def _reason(cause: str | None) -> str:
    try:
        parsed = json.loads(cause or "")
    except ValueError:
        return cause or "no cause given"
    if isinstance(parsed, dict):
        return str(parsed.get("errorMessage") or parsed.get("Message") or parsed)
    return str(parsed)
