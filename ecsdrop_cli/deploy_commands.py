"""`ecsdrop submit`, `watch`, `status` and `history`: deployments, in AWS or the local cloud."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ecsdrop.aws.ecs import Ecs, lifecycle_stages
from ecsdrop.deploy.load import owner_key
from ecsdrop.errors import AwsError
from ecsdrop.spec import Spec, validate
from ecsdrop.spec.render import is_progressive
from ecsdrop.states import PREPARED, status_of
from ecsdrop_cli.arguments import non_negative_number, positive_int
from ecsdrop_cli.progress import ExecutionFollower
from ecsdrop_cli.stack import Stack, StackNotFound, add_stack_options

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
FIND_EXECUTION_SECONDS = 60.0


def register(commands: Any) -> None:
    submit = commands.add_parser(
        "submit",
        help="upload a spec to the stack's bucket (and follow the deployment)",
        description="Validate SPEC locally, upload it to specs/<service>.yaml in the stack's "
        "bucket, and with --wait follow the deployment it starts: exit 0 when it succeeded "
        "(or had nothing to do), 1 when it was rejected, failed or rolled back.",
    )
    submit.add_argument("spec", metavar="SPEC", help="the spec file (- for stdin)")
    submit.add_argument(
        "--wait-until",
        choices=lifecycle_stages(),
        metavar="STAGE",
        help="with a blueGreen, linear or canary strategy: follow the deployment only until "
        "ECS reaches this lifecycle stage (BAKE_TIME: all traffic has moved), exit 0 then "
        "and leave it going on (implies --wait). One of: " + ", ".join(lifecycle_stages()),
    )
    add_follow_options(submit)
    submit.set_defaults(run=run_submit)

    watch = commands.add_parser("watch", help="follow the running deployment, step by step")
    watch.add_argument("service", nargs="?", help="the service (default: any)")
    watch.add_argument(
        "--timeout",
        type=non_negative_number,
        default=3600.0,
        help="give up after this many seconds",
    )
    watch.add_argument(
        "--wait-start",
        type=non_negative_number,
        default=10.0,
        metavar="SECONDS",
        help="wait this long for a deployment to start (right after an upload)",
    )
    add_stack_options(watch)
    watch.set_defaults(run=run_watch)

    status = commands.add_parser("status", help="what runs now and how the last run ended")
    status.add_argument("service")
    status.add_argument("--json", action="store_true")
    add_stack_options(status)
    status.set_defaults(run=run_status)

    history = commands.add_parser("history", help="the service's past deployments, newest first")
    history.add_argument("service")
    history.add_argument("--limit", type=positive_int, default=20, help="at most this many (>= 1)")
    history.add_argument("--json", action="store_true")
    add_stack_options(history)
    history.set_defaults(run=run_history)


def add_follow_options(parser: argparse.ArgumentParser) -> None:
    """--wait, --json, --timeout and the stack options of a command that starts a run."""
    parser.add_argument("--wait", action="store_true", help="follow the run to its end")
    parser.add_argument("--json", action="store_true", help="print the final result as JSON")
    parser.add_argument(
        "--timeout",
        type=non_negative_number,
        default=3600.0,
        help="give up following after this many seconds",
    )
    add_stack_options(parser)


def find_stack(args: argparse.Namespace) -> Stack | None:
    try:
        return Stack.discover(args)
    except StackNotFound as e:
        print(f"ecsdrop {args.command}: {e}", file=sys.stderr)
        return None


# --------------------------------------------------------------------------- submit


@dataclass(frozen=True)
class CheckedSpec:
    raw: bytes
    spec: Spec


def checked_spec(command: str, name: str, invalid_exit: int) -> CheckedSpec | int:
    """The spec file ``name`` (``-``: stdin) validated, its problems printed with their
    places; or the exit code when it cannot be read (usage) or is invalid."""
    shown = "<stdin>" if name == "-" else name
    try:
        raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as e:
        print(f"ecsdrop {command}: {shown}: {e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE
    checked = validate(raw, shown)
    for problem in checked.problems:
        print(problem.format(shown), file=sys.stderr)
    if checked.spec is None:
        print(f"ecsdrop {command}: {shown}: the spec is invalid", file=sys.stderr)
        return invalid_exit
    return CheckedSpec(raw, checked.spec)


def run_submit(args: argparse.Namespace) -> int:
    checked = checked_spec("submit", args.spec, EXIT_FAILED)
    if isinstance(checked, int):
        return checked
    stack = find_stack(args)
    if stack is None:
        return EXIT_USAGE
    stage = getattr(args, "wait_until", None)
    if stage and not is_progressive(checked.spec):
        print(
            "ecsdrop submit: --wait-until needs a blueGreen, linear or canary strategy "
            "(a rolling update has no lifecycle stages)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    key = spec_key(stack, checked.spec.name)
    version = upload(stack, key, checked.raw)
    print(f"uploaded s3://{stack.bucket}/{key} (version {version})", file=sys.stderr)
    if not (args.wait or stage):
        return EXIT_OK
    until = StageWatch(Ecs(stack.client("ecs")), checked.spec.cluster, checked.spec.name, stage)
    return follow_upload(stack, key, version, args, until if stage else None)


def spec_key(stack: Stack, service: str) -> str:
    """Where a spec of ``service`` goes: the key that owns the service (``specs/web.json``
    stays ``.json``), else ``specs/<service>.yaml``."""
    return owner_key(stack.store.get_state(service)) or f"specs/{service}.yaml"


def upload(stack: Stack, key: str, raw: bytes) -> str | None:
    put = stack.client("s3").put_object(
        Bucket=stack.bucket,
        Key=key,
        Body=raw,
        ContentType="application/yaml",
        Metadata={"uploader": user_name()},
    )
    version = put.get("VersionId")
    return str(version) if version else None


def user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def follow_upload(
    stack: Stack,
    key: str,
    version: str | None,
    args: argparse.Namespace,
    until: StageWatch | None = None,
) -> int:
    sfn = stack.client("stepfunctions")
    execution = find_execution(sfn, stack.state_machine_arn, started_by_upload(key, version))
    if execution is None:
        print("ecsdrop submit: no deployment started for the upload", file=sys.stderr)
        return EXIT_FAILED
    out = sys.stderr if args.json else sys.stdout
    result = follow(stack, execution, _service_of(key), args.timeout, out, until=until)
    if until is not None and until.reached and result["status"] == "IN_PROGRESS":
        result["stage"] = until.reached
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(summary(result))
    ended_well = result["status"] in ("SUCCEEDED", "UNCHANGED") or "stage" in result
    return EXIT_OK if ended_well else EXIT_FAILED


def start_run(stack: Stack, kind: str, service: str, request: dict[str, Any]) -> str:
    """Start a run of the workflow directly (a rollback, a deletion retried); its ARN."""
    name = f"{kind}-{service}-{time.time_ns()}"[:80]
    started = stack.client("stepfunctions").start_execution(
        stateMachineArn=stack.state_machine_arn, name=name, input=json.dumps(request)
    )
    return str(started["executionArn"])


def find_execution(
    sfn: Any, state_machine: str, wanted: Callable[[dict[str, Any]], bool]
) -> str | None:
    """The newest execution whose input ``wanted`` accepts, waiting a little for it to start."""
    seen: set[str] = set()
    deadline = time.monotonic() + FIND_EXECUTION_SECONDS
    while time.monotonic() < deadline:
        listed = sfn.list_executions(stateMachineArn=state_machine, maxResults=50)["executions"]
        for item in listed:
            arn = item["executionArn"]
            if arn in seen:
                continue
            seen.add(arn)
            started = json.loads(sfn.describe_execution(executionArn=arn).get("input") or "{}")
            if wanted(started):
                return str(arn)
        time.sleep(0.5)
    return None


def started_by_upload(key: str, version: str | None) -> Callable[[dict[str, Any]], bool]:
    """Matches the execution the S3 event of this exact upload started."""

    def wanted(started: dict[str, Any]) -> bool:
        obj = (started.get("detail") or {}).get("object") or {}
        return bool(obj.get("key") == key and (version is None or obj.get("version-id") == version))

    return wanted


def follow(
    stack: Stack,
    execution: str,
    service: str,
    timeout: float,
    out: TextIO,
    *,
    until: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Print the execution's steps as they happen (until it ends, or ``until`` says
    enough); return the run's result."""
    print(f"run {execution.rsplit(':', 1)[-1]}", file=out)
    follower = ExecutionFollower(stack.client("stepfunctions"), execution, out=out)
    progress = follower.follow(deadline=time.monotonic() + timeout, until=until)
    return outcome(stack, execution, progress.status, service)


class StageWatch:
    """Whether ECS's deployment of the service in progress has reached ``stage`` (or one
    after it); ``reached`` says which stage it was at then."""

    def __init__(self, ecs: Ecs, cluster: str, service: str, stage: str | None) -> None:
        self._ecs, self._cluster, self._service = ecs, cluster, service
        self._wanted = lifecycle_stages().index(stage) if stage else len(lifecycle_stages())
        self.reached: str | None = None

    def __call__(self) -> bool:
        try:
            deployment = self._ecs.active_service_deployment(self._cluster, self._service)
        except AwsError:
            return False  # not readable now: the next look may be
        stage = (deployment or {}).get("lifecycleStage")
        if stage in lifecycle_stages() and lifecycle_stages().index(stage) >= self._wanted:
            self.reached = stage
        return self.reached is not None


def run_record(stack: Stack, service: str, run: str) -> dict[str, Any]:
    """What run ``run`` reported about itself: the status object while it is this run's,
    else its history record (a run that may not write the status object, such as a second
    key's, still records itself there); empty before the run has reported anything."""
    report = read_status(stack, service) or {}
    if report.get("deploymentId") == run:
        return report
    try:
        history = stack.store.history(service, limit=50)
    except AwsError:
        return {}
    return next((r for r in history if r.get("deploymentId") == run), {})


def outcome(stack: Stack, execution: str, status: str, service: str) -> dict[str, Any]:
    """The run's result, from what the run itself reported: never a previous run's."""
    sfn = stack.client("stepfunctions")
    described = sfn.describe_execution(executionArn=execution)
    report = run_record(stack, service, execution.rsplit(":", 1)[-1])
    if status == "SUCCEEDED" and not report:
        output = json.loads(described.get("output") or "{}")
        return {
            "status": "UNCHANGED",
            "service": service,
            "executionArn": execution,
            "reason": (output.get("report") or {}).get("reason") or output.get("ignored"),
        }
    if status == "RUNNING":
        state = report.get("state", "RUNNING")
        state = "IN_PROGRESS" if state == "IN_PROGRESS" else "RUNNING"
    else:
        state = report.get("state") or status
    task = report.get("taskDefinition") or {}
    return {
        "status": state,
        "service": service,
        "executionArn": execution,
        "serviceArn": report.get("serviceArn"),
        "cluster": report.get("cluster"),
        "taskDefinitionArn": task.get("current"),
        "revision": task.get("revision"),
        "loadBalancerDnsName": report.get("loadBalancerDnsName"),
        "schedule": report.get("schedule"),
        "durationSeconds": report.get("durationSeconds"),
        "error": report.get("error") or described.get("error"),
        "cause": report.get("cause") or described.get("cause"),
        "rolledBack": report.get("rolledBack"),
        "leftBehind": report.get("leftBehind"),
        "deleted": report.get("deleted"),
        "retained": report.get("retained"),
    }


def summary(result: dict[str, Any]) -> str:
    lines = [f"{result['service']}: {result['status']}"]
    if result.get("stage"):
        lines[0] += f" — ECS reached {result['stage']}; the deployment goes on without waiting"
    schedule = result.get("schedule") or {}
    if schedule.get("expression"):
        paused = "" if schedule.get("state") != "DISABLED" else ", disabled"
        lines.append(f"  schedule: {schedule['expression']} ({schedule.get('timezone')}{paused})")
    for label, key in (
        ("task definition", "taskDefinitionArn"),
        ("load balancer", "loadBalancerDnsName"),
        ("took", "durationSeconds"),
        ("reason", "reason"),
        ("error", "error"),
        ("cause", "cause"),
    ):
        if result.get(key):
            lines.append(f"  {label}: {result[key]}{'s' if key == 'durationSeconds' else ''}")
    for label, key in (
        ("rolled back", "rolledBack"),
        ("deleted", "deleted"),
        ("still running", "retained"),
        ("left behind", "leftBehind"),
    ):
        for item in result.get(key) or []:
            lines.append(f"  {label}: {item}")
    return "\n".join(lines)


def read_status(stack: Stack, service: str) -> dict[str, Any] | None:
    """The service's status object; None when there is none (AccessDenied is an error)."""
    return stack.bucket_store.read_status(service)


def _service_of(key: str) -> str:
    return key.removeprefix("specs/").rsplit(".", 1)[0]


# --------------------------------------------------------------------------- watch


def run_watch(args: argparse.Namespace) -> int:
    stack = find_stack(args)
    if stack is None:
        return EXIT_USAGE
    sfn = stack.client("stepfunctions")
    execution = None
    deadline = time.monotonic() + args.wait_start
    while execution is None:
        execution = running_execution(sfn, stack.state_machine_arn, args.service)
        if time.monotonic() >= deadline:
            break
        if execution is None:
            time.sleep(0.5)
    if execution is None:
        what = f"of {args.service} " if args.service else ""
        print(f"no deployment {what}is running")
        return EXIT_OK
    print(f"deployment {execution.rsplit(':', 1)[-1]}")
    progress = ExecutionFollower(sfn, execution).follow(time.monotonic() + args.timeout)
    print(f"execution {progress.status}")
    return EXIT_OK if progress.status in ("SUCCEEDED", "RUNNING") else EXIT_FAILED


def running_execution(sfn: Any, state_machine: str, service: str | None) -> str | None:
    listed = sfn.list_executions(
        stateMachineArn=state_machine, statusFilter="RUNNING", maxResults=50
    )["executions"]
    for item in listed:
        if service is None:
            return str(item["executionArn"])
        started = json.loads(
            sfn.describe_execution(executionArn=item["executionArn"]).get("input") or "{}"
        )
        key = ((started.get("detail") or {}).get("object") or {}).get("key", "")
        request = started.get("redeploy") or started.get("delete") or started.get("prepare")
        redeploy = (request or {}).get("service")
        if redeploy == service or _service_of(key) == service:
            return str(item["executionArn"])
    return None


# --------------------------------------------------------------------------- status, history


def run_status(args: argparse.Namespace) -> int:
    stack = find_stack(args)
    if stack is None:
        return EXIT_USAGE
    report = read_status(stack, args.service)
    current = stack.store.get_state(args.service)
    if report is None and current is None:
        print(f"ecsdrop status: no deployment of {args.service} is known", file=sys.stderr)
        return EXIT_FAILED
    cluster = (current or report or {}).get("cluster") or "ecsdrop"
    ecs = ecs_counts(Ecs(stack.client("ecs")).describe_service(cluster, args.service))
    result = {"lastRun": report, "record": current, "ecs": ecs}
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return EXIT_OK
    print("\n".join(status_lines(args.service, report, current, ecs)))
    return EXIT_OK


def ecs_counts(service: dict[str, Any] | None) -> dict[str, Any] | None:
    """What ECS itself says of the service: its counts and deployments."""
    if service is None:
        return None
    return {
        "status": service.get("status"),
        "desiredCount": service.get("desiredCount"),
        "runningCount": service.get("runningCount"),
        "pendingCount": service.get("pendingCount"),
        "taskDefinition": service.get("taskDefinition"),
        "deployments": [
            {k: d.get(k) for k in ("id", "status", "rolloutState", "runningCount", "desiredCount")}
            for d in service.get("deployments", [])
        ],
    }


def status_lines(
    service: str,
    report: dict[str, Any] | None,
    current: dict[str, Any] | None,
    ecs: dict[str, Any] | None,
) -> list[str]:
    lines = []
    if report:
        when = report.get("finishedAt") or f"started {report.get('startedAt')}"
        lines.append(f"{service}: last run {report.get('state')} at {when}")
        lines += [f"  {key}: {report[key]}" for key in ("error", "cause") if report.get(key)]
    else:
        lines.append(f"{service}:")
    if current:
        state = status_of(current)
        lines.append(f"  ecsdrop: {state} from {current.get('specKey')}")
        if state == PREPARED:  # `ecsdrop run` built what a task needs; no service yet
            network = current.get("network") or {}
            subnets = ", ".join(network.get("taskSubnetIds") or [])
            lines.append(f"  tasks run {current.get('taskDefinitionArn')}")
            lines.append(f"  in VPC {network.get('vpcId')} (subnets {subnets})")
            lines.append("  no ECS service yet: `ecsdrop submit SPEC` deploys it in this network")
            return lines
        if current.get("taskDefinitionArn"):
            lines.append(f"  runs {current['taskDefinitionArn']}")
        dns = (current.get("loadBalancer") or {}).get("dnsName")
        if dns:
            lines.append(f"  load balancer: {dns}")
        schedule = (current.get("spec") or {}).get("schedule")
        if current.get("scheduleArn") and schedule:
            paused = "" if schedule.get("enabled", True) else ", disabled"
            lines.append(
                f"  scheduled job: {schedule.get('expression')} "
                f"({schedule.get('timezone')}{paused}), schedule {current['scheduleArn']}"
            )
            return lines  # a job runs no ECS service
    if ecs is None:
        lines.append("  ECS: no such service")
    else:
        lines.append(
            f"  ECS: {ecs['runningCount']} running of {ecs['desiredCount']} desired"
            f" ({ecs['pendingCount']} pending), {len(ecs['deployments'])} deployment(s)"
        )
    return lines


def run_history(args: argparse.Namespace) -> int:
    stack = find_stack(args)
    if stack is None:
        return EXIT_USAGE
    records = stack.store.history(args.service, limit=args.limit)
    if args.json:
        print(json.dumps(records, indent=2, default=str))
        return EXIT_OK
    if not records:
        print(f"no deployments of {args.service} yet")
    for record in records:
        revision = (record.get("taskDefinition") or {}).get("revision")
        print(
            f"{record.get('finishedAt')}  {record.get('state', ''):<16} "
            f"rev {revision if revision is not None else '-':<4} {record.get('deploymentId')}"
            + (f"  {record['error']}" if record.get("error") else "")
        )
    return EXIT_OK
