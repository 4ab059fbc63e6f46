"""`ecsdrop run`: a one-off Fargate task from a spec's task definition, in the network
ecsdrop built for the service; it waits, prints the container's log lines as they come and
exits with the container's exit code (ecspresso's `run`, aws-actions' run-task, Copilot's
`task run`).

The task definition is the one a deployment of the spec would use: the family's latest
revision when the spec renders to it, else a new revision (RegisterTaskDefinition, images
pinned to their digests). The network is the service's, as its last successful deployment
recorded it. A service never deployed gets its task definition, log group and network
first, from the workflow (a ``prepare`` run: locked, built and tagged as a deployment builds
them, rolled back when it fails, recorded as PREPARED so the spec's key owns them): the first
deployment reuses them, and deleting the service removes them as it removes the rest.

RunTask is retried by botocore with the same clientToken (it fills one in), so a retried
call starts no second task.

The wait never trusts one look: a task can go from PENDING to STOPPED between two
DescribeTasks calls (a waiter for RUNNING then fails although the task exited 0), so it
asks until the task is STOPPED and reads the exit code from that answer.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ecsdrop.aws.ecr import Ecr
from ecsdrop.aws.ecs import Ecs
from ecsdrop.aws.logs import Logs
from ecsdrop.deploy.network import task_network
from ecsdrop.deploy.results import NetworkResult
from ecsdrop.deploy.task_definition import task_definition_for
from ecsdrop.errors import AwsError
from ecsdrop.settings import InstallationSettings, from_environment
from ecsdrop.spec import Guardrails, Installation, Spec, validate
from ecsdrop.spec.render import Resources, RunRequest, container_log_stream, run_task_input
from ecsdrop_cli.arguments import bounded, non_negative_number
from ecsdrop_cli.deploy_commands import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    checked_spec,
    find_stack,
    follow,
    spec_key,
    start_run,
    summary,
    user_name,
)
from ecsdrop_cli.stack import Stack, add_stack_options

MAX_COUNT = 10  # RunTask starts at most 10 tasks a call


def register(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="run a one-off task of the spec (a migration, a script) and exit with its code",
        description="Run the spec's task definition once, as a Fargate task in the network "
        "ecsdrop built for the service (built first, and owned by the service, when it was "
        "never deployed). Waits for the task, prints "
        "the container's log lines, and exits with the container's exit code; 1 when the "
        "task could not start (ECS's stoppedReason is printed), 2 on a usage error.",
    )
    run.add_argument("spec", metavar="SPEC", help="the spec file (- for stdin)")
    run.add_argument(
        "--container",
        metavar="NAME",
        help="the container whose command is overridden and whose exit code is returned "
        "(default: the first essential container)",
    )
    run.add_argument(
        "--command",
        metavar="COMMAND",
        help="the container's command instead of its own (one string, split as a shell would: "
        '--command "./migrate --all")',
    )
    run.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        type=_env_pair,
        help="an environment variable for the container (repeatable)",
    )
    run.add_argument(
        "--count",
        type=bounded(int, 1, MAX_COUNT),
        default=1,
        help=f"how many tasks (1-{MAX_COUNT}); the exit code is the first non-zero one",
    )
    run.add_argument("--no-wait", action="store_true", help="start the task(s) and exit 0")
    run.add_argument(
        "--timeout",
        type=non_negative_number,
        default=3600.0,
        help="give up waiting after this many seconds (exit 1; the task goes on)",
    )
    run.add_argument(
        "--poll-seconds",
        type=bounded(float, 0, 60, low_inclusive=False),
        default=3.0,
        help="seconds between two looks at the task and its log",
    )
    add_stack_options(run)
    run.set_defaults(run=run_task)


def _env_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key, value


@dataclass(frozen=True)
class Prepared:
    """What a run needs before anything is started."""

    stack: Stack
    spec: Spec
    installation: Installation
    container: str
    network: NetworkResult


def run_task(args: argparse.Namespace) -> int:
    prepared = prepare(args)
    if isinstance(prepared, int):
        return prepared
    stack, spec, container = prepared.stack, prepared.spec, prepared.container
    ecs = Ecs(stack.client("ecs"))
    arn = task_definition_for(spec, ecs, Ecr(stack.client("ecr")), prepared.installation)
    request = RunRequest(
        container=container,
        command=tuple(shlex.split(args.command)) if args.command else None,
        environment=dict(args.env),
        count=args.count,
        started_by=f"ecsdrop-run/{user_name()}"[:128],
    )
    resources = Resources(
        task_definition_arn=arn,
        subnet_ids=prepared.network.task_subnet_ids,
        security_group_ids=prepared.network.task_security_group_ids,
    )
    started = ecs.run_task(run_task_input(spec, resources, request))
    for failure in started["failures"]:
        print(f"ecsdrop run: ECS could not start a task: {_failure(failure)}", file=sys.stderr)
    tasks = [t["taskArn"] for t in started["tasks"]]
    if not tasks:
        return EXIT_FAILED
    revision = arn.rsplit("/", 1)[-1]
    if args.no_wait:  # the ARNs, for a script to follow
        print(f"started {len(tasks)} task(s) of {revision}", file=sys.stderr)
        print("\n".join(tasks))
        return EXIT_OK
    print(f"started {revision}: {', '.join(tasks)}", file=sys.stderr)
    watch = TaskWatch(
        ecs=ecs,
        logs=Logs(stack.client("logs")),
        cluster=spec.cluster,
        container=container,
        streams={t: container_log_stream(spec, container, t) for t in tasks},
    )
    return watch.until_stopped(args.timeout, args.poll_seconds)


def prepare(args: argparse.Namespace) -> Prepared | int:
    """The spec validated as the stack's functions validate it, its container and its
    service's network; or the exit code of the usage error (nothing started)."""
    checked = checked_spec("run", args.spec, EXIT_USAGE)
    if isinstance(checked, int):
        return checked
    stack = find_stack(args)
    if stack is None:
        return EXIT_USAGE
    shown = "<stdin>" if args.spec == "-" else args.spec
    validated = validated_for(stack, checked.raw, shown)
    if isinstance(validated, int):
        return validated
    spec, installation = validated
    container = chosen_container(spec, args.container)
    if container is None:
        names = ", ".join(c["name"] for c in spec.task_definition["containerDefinitions"])
        return _usage(f"--container {args.container}: the spec's containers are {names}")
    network = deployed_network(stack, spec) or prepared_network(stack, spec, checked.raw, args)
    if isinstance(network, int):
        return network
    return Prepared(stack, spec, installation, container, network)


def prepared_network(
    stack: Stack, spec: Spec, raw: bytes, args: argparse.Namespace
) -> NetworkResult | int:
    """The network of a service never deployed, built by the workflow with the task
    definition and log group (as a deployment builds them, under the service's lock) and
    recorded as the service's; or EXIT_FAILED."""
    key = spec_key(stack, spec.name)
    print(
        f"service {spec.name} was never deployed: building its network and log group first "
        f"(recorded under {key}; its first deployment reuses it)",
        file=sys.stderr,
    )
    request = {
        "prepare": {
            "service": spec.name,
            "specKey": key,
            "spec": raw.decode("utf-8"),
            "requester": user_name(),
            "requestId": str(uuid.uuid4()),
        }
    }
    execution = start_run(stack, "run", spec.name, request)
    result = follow(stack, execution, spec.name, args.timeout, sys.stderr)
    network = deployed_network(stack, spec)
    if network is None:
        print(summary(result), file=sys.stderr)
        print(f"ecsdrop run: no network for {spec.name}: nothing was started", file=sys.stderr)
        return EXIT_FAILED
    return network


def validated_for(stack: Stack, raw: bytes, shown: str) -> tuple[Spec, Installation] | int:
    """The spec validated again as the stack's functions would (its guardrails, its
    defaults), with the installation it renders for; or the usage error's exit code."""
    settings = stack_settings(stack)
    if isinstance(settings, str):
        return _usage(settings)
    installation, guardrails = settings
    validation = validate(raw, shown, guardrails, installation)
    if validation.spec is None:
        for problem in validation.errors:
            print(problem.format(shown), file=sys.stderr)
        return _usage(f"{shown}: the spec is invalid for stack {stack.name}")
    return validation.spec, installation


def _usage(message: str) -> int:
    print(f"ecsdrop run: {message}", file=sys.stderr)
    return EXIT_USAGE


def _failure(failure: dict[str, Any]) -> str:
    return ": ".join(str(failure[k]) for k in ("arn", "reason", "detail") if failure.get(k))


def stack_settings(stack: Stack) -> tuple[Installation, Guardrails] | str:
    """The installation's defaults and guardrails, as the stack's functions have them (their
    environment); a message when they cannot be read."""
    if not stack.plan_function:
        return f"stack {stack.name} has no Plan function to read its settings from; update it"
    configuration = stack.client("lambda").get_function_configuration(
        FunctionName=stack.plan_function
    )
    env = dict(configuration.get("Environment", {}).get("Variables", {}))
    env.setdefault("AWS_REGION", stack.session.region_name or "")  # Lambda sets it at run time
    installation = from_environment(InstallationSettings, env).installation()
    return installation, Guardrails.from_environment(env)


def chosen_container(spec: Spec, name: str | None) -> str | None:
    """The container named, or the first essential one; None when the name is not one."""
    containers = spec.task_definition["containerDefinitions"]
    if name is not None:
        return name if any(c["name"] == name for c in containers) else None
    essential = [c["name"] for c in containers if c.get("essential", True)]
    return str((essential or [containers[0]["name"]])[0])


def deployed_network(stack: Stack, spec: Spec) -> NetworkResult | None:
    """The network the service's tasks run in, as its record says (None: none yet)."""
    return task_network(spec, stack.store.get_state(spec.name))


@dataclass
class TaskWatch:
    """Looks at the tasks and their container's log until every task is STOPPED."""

    ecs: Ecs
    logs: Logs
    cluster: str
    container: str
    streams: dict[str, tuple[str, str] | None]  # task → (log group, stream), when awslogs
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _statuses: dict[str, str] = field(default_factory=dict)
    _tokens: dict[str, str | None] = field(default_factory=dict)

    def until_stopped(self, timeout: float, poll_seconds: float) -> int:
        deadline = self.clock() + timeout
        while True:
            tasks = self.ecs.describe_tasks(self.cluster, list(self.streams))
            self._print_changes(tasks)
            self._print_logs()
            if tasks and all(t.get("lastStatus") == "STOPPED" for t in tasks):
                self._print_logs()  # what the container wrote as it stopped
                return self._exit_code(tasks)
            if self.clock() >= deadline:
                print(
                    f"ecsdrop run: gave up waiting after {timeout:g} s; the task goes on",
                    file=sys.stderr,
                )
                return EXIT_FAILED
            self.sleep(poll_seconds)

    def _print_changes(self, tasks: list[dict[str, Any]]) -> None:
        for task in tasks:
            status = str(task.get("lastStatus"))
            if self._statuses.get(task["taskArn"]) != status:
                self._statuses[task["taskArn"]] = status
                print(f"task {_task_id(task['taskArn'])}: {status}", file=sys.stderr)

    def _print_logs(self) -> None:
        for task, stream in self.streams.items():
            if stream is None:
                continue
            try:
                events, token = self.logs.events(*stream, self._tokens.get(task))
            except AwsError as e:  # the exit code still counts: wait on without the log
                print(
                    f"ecsdrop run: cannot read the task's log ({e}); waiting without it",
                    file=sys.stderr,
                )
                self.streams = dict.fromkeys(self.streams)
                return
            self._tokens[task] = token
            prefix = f"[{_task_id(task)}] " if len(self.streams) > 1 else ""
            for event in events:
                print(f"{prefix}{event.get('message', '')}")
        sys.stdout.flush()

    def _exit_code(self, tasks: list[dict[str, Any]]) -> int:
        code, lines = exit_code(tasks, self.container)
        for line in lines:
            print(line, file=sys.stderr)
        return code


def exit_code(tasks: list[dict[str, Any]], container: str) -> tuple[int, list[str]]:
    """The run's exit code from the STOPPED tasks (DescribeTasks): ``container``'s exit code,
    the first non-zero one of several tasks; 1 for a task whose container never ran to an
    exit code (it failed to start, or was stopped first). With a line for each task."""
    codes, lines = [], []
    for task in tasks:
        ran: dict[str, Any] = next(
            (c for c in task.get("containers", []) if c.get("name") == container), {}
        )
        reason = task.get("stoppedReason") or "no reason given"
        code = ran.get("exitCode")
        if code is None:
            stop = task.get("stopCode") or "stopped"
            lines.append(
                f"task {_task_id(task['taskArn'])}: {container} did not run to an exit code: "
                f"{stop}: {ran.get('reason') or reason}"
            )
            codes.append(EXIT_FAILED)
        else:
            lines.append(f"task {_task_id(task['taskArn'])}: {container} exited {code} ({reason})")
            codes.append(int(code))
    return next((c for c in codes if c != 0), EXIT_OK), lines


def _task_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]
