"""`ecsdrop submit`, `watch`, `status` and `history`: deployments, in AWS or the local cloud."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import BotoCoreError, ClientError

from ecsdrop.spec import validate
from ecsdrop_cli.arguments import positive_int
from ecsdrop_cli.progress import ExecutionFollower
from ecsdrop_cli.stack import Stack, StackNotFound, add_stack_options

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
FIND_EXECUTION_SECONDS = 60.0
_deserialize = TypeDeserializer().deserialize


def register(commands: Any) -> None:
    submit = commands.add_parser(
        "submit",
        help="upload a spec to the stack's bucket (and follow the deployment)",
        description="Validate SPEC locally, upload it to specs/<service>.yaml in the stack's "
        "bucket, and with --wait follow the deployment it starts: exit 0 when it succeeded "
        "(or had nothing to do), 1 when it was rejected, failed or rolled back.",
    )
    submit.add_argument("spec", metavar="SPEC", help="the spec file")
    submit.add_argument("--wait", action="store_true", help="follow the deployment to its end")
    submit.add_argument("--json", action="store_true", help="print the final result as JSON")
    submit.add_argument(
        "--timeout", type=float, default=3600.0, help="give up following after this many seconds"
    )
    add_stack_options(submit)
    submit.set_defaults(run=run_submit)

    watch = commands.add_parser("watch", help="follow the running deployment, step by step")
    watch.add_argument("service", nargs="?", help="the service (default: any)")
    watch.add_argument("--timeout", type=float, default=3600.0)
    watch.add_argument(
        "--wait-start",
        type=float,
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


def _stack(args: argparse.Namespace) -> Stack | None:
    try:
        return Stack.discover(args)
    except StackNotFound as e:
        print(f"ecsdrop {args.command}: {e}", file=sys.stderr)
        return None


# --------------------------------------------------------------------------- submit


def run_submit(args: argparse.Namespace) -> int:
    path = Path(args.spec)
    try:
        raw = path.read_bytes()
    except OSError as e:
        print(f"ecsdrop submit: {args.spec}: {e.strerror}", file=sys.stderr)
        return EXIT_USAGE
    checked = validate(raw, args.spec)
    for problem in checked.problems:
        print(problem.format(args.spec), file=sys.stderr)
    if checked.spec is None:
        print("ecsdrop submit: not uploaded: the spec is invalid", file=sys.stderr)
        return EXIT_FAILED
    stack = _stack(args)
    if stack is None:
        return EXIT_USAGE
    key = f"specs/{checked.spec.name}.yaml"
    version = upload(stack, key, raw)
    print(f"uploaded s3://{stack.bucket}/{key} (version {version})", file=sys.stderr)
    if not args.wait:
        return EXIT_OK
    return follow_upload(stack, key, version, args)


def upload(stack: Stack, key: str, raw: bytes) -> str | None:
    put = stack.client("s3").put_object(
        Bucket=stack.bucket,
        Key=key,
        Body=raw,
        ContentType="application/yaml",
        Metadata={"uploader": _uploader()},
    )
    version = put.get("VersionId")
    return str(version) if version else None


def _uploader() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def follow_upload(stack: Stack, key: str, version: str | None, args: argparse.Namespace) -> int:
    sfn = stack.client("stepfunctions")
    execution = find_execution(sfn, stack.state_machine_arn, started_by_upload(key, version))
    if execution is None:
        print("ecsdrop submit: no deployment started for the upload", file=sys.stderr)
        return EXIT_FAILED
    out = sys.stderr if args.json else sys.stdout
    result = follow(stack, execution, _service_of(key), args.timeout, out)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(summary(result))
    return EXIT_OK if result["status"] in ("SUCCEEDED", "UNCHANGED") else EXIT_FAILED


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
    stack: Stack, execution: str, service: str, timeout: float, out: TextIO
) -> dict[str, Any]:
    """Print the execution's steps as they happen; return the run's result."""
    print(f"deployment {execution.rsplit(':', 1)[-1]}", file=out)
    follower = ExecutionFollower(stack.client("stepfunctions"), execution, out=out)
    progress = follower.follow(deadline=time.monotonic() + timeout)
    return outcome(stack, execution, progress.status, service)


def outcome(stack: Stack, execution: str, status: str, service: str) -> dict[str, Any]:
    """The run's result: the status object when it is this run's, else the execution's."""
    sfn = stack.client("stepfunctions")
    described = sfn.describe_execution(executionArn=execution)
    report = read_status(stack, service) or {}
    this_run = report.get("deploymentId") == execution.rsplit(":", 1)[-1]
    if status == "SUCCEEDED" and not this_run:
        output = json.loads(described.get("output") or "{}")
        return {
            "status": "UNCHANGED",
            "service": service,
            "executionArn": execution,
            "reason": (output.get("report") or {}).get("reason"),
        }
    state = report.get("state") if this_run else status
    task = report.get("taskDefinition") or {}
    return {
        "status": state if status != "RUNNING" else "RUNNING",
        "service": service,
        "executionArn": execution,
        "serviceArn": report.get("serviceArn"),
        "cluster": report.get("cluster"),
        "taskDefinitionArn": task.get("current"),
        "revision": task.get("revision"),
        "loadBalancerDnsName": report.get("loadBalancerDnsName"),
        "durationSeconds": report.get("durationSeconds"),
        "error": report.get("error") or described.get("error"),
        "cause": report.get("cause") or described.get("cause"),
        "rolledBack": report.get("rolledBack"),
        "leftBehind": report.get("leftBehind"),
    }


def summary(result: dict[str, Any]) -> str:
    lines = [f"{result['service']}: {result['status']}"]
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
    return "\n".join(lines)


def read_status(stack: Stack, service: str) -> dict[str, Any] | None:
    try:
        body = stack.client("s3").get_object(Bucket=stack.bucket, Key=f"status/{service}.json")
    except ClientError:
        return None
    loaded: dict[str, Any] = json.loads(body["Body"].read())
    return loaded


def _service_of(key: str) -> str:
    return key.removeprefix("specs/").rsplit(".", 1)[0]


# --------------------------------------------------------------------------- watch


def run_watch(args: argparse.Namespace) -> int:
    stack = _stack(args)
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
        redeploy = (started.get("redeploy") or {}).get("service")
        if redeploy == service or _service_of(key) == service:
            return str(item["executionArn"])
    return None


# --------------------------------------------------------------------------- status, history


def run_status(args: argparse.Namespace) -> int:
    stack = _stack(args)
    if stack is None:
        return EXIT_USAGE
    report = read_status(stack, args.service)
    current = _item(stack, f"SERVICE#{args.service}", "STATE")
    if report is None and current is None:
        print(f"ecsdrop status: no deployment of {args.service} is known", file=sys.stderr)
        return EXIT_FAILED
    result = {"lastRun": report, "running": json.loads(current["doc"]) if current else None}
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return EXIT_OK
    if report:
        print(f"{args.service}: last run {report.get('state')} at {report.get('finishedAt')}")
        for key in ("error", "cause"):
            if report.get(key):
                print(f"  {key}: {report[key]}")
    if result["running"]:
        running = result["running"]
        print(f"  runs {running.get('taskDefinitionArn')}")
        dns = (running.get("loadBalancer") or {}).get("dnsName")
        if dns:
            print(f"  load balancer: {dns}")
    return EXIT_OK


def run_history(args: argparse.Namespace) -> int:
    stack = _stack(args)
    if stack is None:
        return EXIT_USAGE
    try:
        response = stack.client("dynamodb").query(
            TableName=stack.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :h)",
            ExpressionAttributeValues={
                ":pk": {"S": f"SERVICE#{args.service}"},
                ":h": {"S": "HISTORY#"},
            },
            ScanIndexForward=False,
            Limit=args.limit,
        )
    except (ClientError, BotoCoreError) as e:
        print(f"ecsdrop history: {e}", file=sys.stderr)
        return EXIT_FAILED
    records = [json.loads(_deserialize(item["doc"])) for item in response.get("Items", [])]
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


def _item(stack: Stack, pk: str, sk: str) -> dict[str, Any] | None:
    try:
        response = stack.client("dynamodb").get_item(
            TableName=stack.table, Key={"PK": {"S": pk}, "SK": {"S": sk}}
        )
    except (ClientError, BotoCoreError):
        return None
    item = response.get("Item")
    return {k: _deserialize(v) for k, v in item.items()} if item else None
