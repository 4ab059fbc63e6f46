"""`ecsdrop list`, `diff`, `delete` and `rollback`: a service's whole life, through the
pipeline (every change is a run of the deploy workflow: locked, recorded, announced)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ecsdrop.aws.ecs import Ecs
from ecsdrop.deploy.load import owner_key
from ecsdrop.states import DELETED, RETAINED, SUCCEEDED, status_of
from ecsdrop_cli.arguments import positive_int
from ecsdrop_cli.deploy_commands import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_follow_options,
    checked_spec,
    find_execution,
    find_stack,
    follow,
    read_status,
    start_run,
    summary,
    user_name,
)
from ecsdrop_cli.stack import Stack, add_stack_options

EXIT_CHANGES = 1  # diff: like `git diff --exit-code`
ENDED_WELL = (DELETED, RETAINED, SUCCEEDED, "UNCHANGED")  # UNCHANGED: the CLI's, no run


def register(commands: Any) -> None:
    listing = commands.add_parser("list", help="every service ecsdrop manages, and its state")
    listing.add_argument("--json", action="store_true")
    add_stack_options(listing)
    listing.set_defaults(run=run_list)

    diff = commands.add_parser(
        "diff",
        help="what deploying SPEC would change against what runs now",
        description="Compare SPEC with what runs: the task definition (images by digest), "
        "the service settings, the network and load-balancer plans. Exit 0 when nothing "
        "would change, 1 when something would, 2 on an error (an invalid spec included).",
    )
    diff.add_argument("spec", metavar="SPEC", help="the spec file (- for stdin)")
    diff.add_argument("--json", action="store_true", help="the comparison as JSON")
    add_stack_options(diff)
    diff.set_defaults(run=run_diff)

    delete = commands.add_parser(
        "delete",
        help="end a service: its spec is deleted, its deletionPolicy applies",
        description="Delete the service's spec from the bucket (as `aws s3 rm` would) and, "
        "with --wait, follow the run it starts. The service stops following ECR pushes at "
        "once; deletionPolicy retain (the default) leaves it running, delete removes it and "
        "everything ecsdrop created for it. Run it again to finish a DELETE_FAILED.",
    )
    delete.add_argument("service")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_follow_options(delete)
    delete.set_defaults(run=run_delete)

    rollback = commands.add_parser(
        "rollback",
        help="deploy the previous (or a named) revision again, through the pipeline",
        description="Deploy again what a successful earlier run deployed: its spec version "
        "with its images (the same task definition revision). Default: the newest earlier "
        "revision.",
    )
    rollback.add_argument("service")
    rollback.add_argument(
        "--to",
        type=positive_int,
        metavar="REVISION",
        help="the task definition revision to go back to",
    )
    add_follow_options(rollback)
    rollback.set_defaults(run=run_rollback)


# --------------------------------------------------------------------------- list


def run_list(args: argparse.Namespace) -> int:
    stack = find_stack(args)
    if stack is None:
        return EXIT_USAGE
    rows = []
    for record in stack.store.services():
        name = str(record.get("service"))
        last = read_status(stack, name) or {}
        rows.append(
            {
                "service": name,
                "state": status_of(record),
                "lastRun": last.get("state"),
                "revision": _revision(record.get("taskDefinitionArn")),
                "specKey": record.get("specKey"),
                "cluster": record.get("cluster"),
                "updatedAt": record.get("updatedAt"),
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    if not rows:
        print("no services yet")
        return EXIT_OK
    print(f"{'SERVICE':<24} {'STATE':<14} {'LAST RUN':<16} {'REV':<5} {'SPEC':<32} UPDATED")
    for row in rows:
        print(
            f"{row['service']:<24} {row['state']:<14} {row['lastRun'] or '-':<16} "
            f"{row['revision'] if row['revision'] is not None else '-':<5} "
            f"{row['specKey'] or '-':<32} {row['updatedAt'] or '-'}"
        )
    return EXIT_OK


def _revision(arn: Any) -> int | None:
    tail = str(arn or "").rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


# --------------------------------------------------------------------------- diff


def run_diff(args: argparse.Namespace) -> int:
    checked = checked_spec("diff", args.spec, EXIT_USAGE)
    if isinstance(checked, int):
        return checked
    shown = "<stdin>" if args.spec == "-" else args.spec
    raw = checked.raw
    stack = find_stack(args)
    if stack is None:
        return EXIT_USAGE
    if not stack.plan_function:
        print(f"ecsdrop diff: stack {stack.name} has no Plan function; update it", file=sys.stderr)
        return EXIT_USAGE
    answer = _invoke(stack, {"spec": raw.decode("utf-8", "replace"), "filename": shown})
    if not answer.get("valid", False):
        for line in answer.get("problems") or [answer.get("errorMessage", "the plan failed")]:
            print(line, file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(answer, indent=2, default=str))
    elif answer["changes"]:
        print(answer["diff"])
    else:
        print(f"{answer['service']}: no changes", file=sys.stderr)
    return EXIT_CHANGES if answer["changes"] else EXIT_OK


def _invoke(stack: Stack, request: dict[str, Any]) -> dict[str, Any]:
    """Ask the installation's Plan function: the comparison runs where deployments run,
    with the installation's defaults and guardrails."""
    response = stack.client("lambda").invoke(
        FunctionName=stack.plan_function, Payload=json.dumps(request).encode()
    )
    answer: dict[str, Any] = json.loads(response["Payload"].read() or b"{}")
    if response.get("FunctionError"):
        return {"valid": False, "problems": [f"the Plan function failed: {answer}"]}
    return answer


# --------------------------------------------------------------------------- delete


def run_delete(args: argparse.Namespace) -> int:
    stack = find_stack(args)
    if stack is None:
        return EXIT_USAGE
    record = stack.store.get_state(args.service)
    owner = owner_key(record)
    if record is None or owner is None:
        state = (record or {}).get("status", "never deployed")
        print(
            f"ecsdrop delete: {args.service} is not running under ecsdrop ({state})",
            file=sys.stderr,
        )
        return EXIT_FAILED
    policy = ((record.get("spec") or {}).get("service") or {}).get("deletionPolicy", "retain")
    if not _confirmed(args, args.service, policy):
        return EXIT_USAGE
    execution = _start_deletion(stack, args.service, owner)
    if not args.wait:
        return EXIT_OK
    if execution is None:
        print("ecsdrop delete: no run started for the deletion", file=sys.stderr)
        return EXIT_FAILED
    return _report(stack, execution, args)


def _confirmed(args: argparse.Namespace, service: str, policy: str) -> bool:
    if args.yes:
        return True
    what = (
        "the service and everything ecsdrop created for it will be deleted"
        if policy == "delete"
        else "ecsdrop stops managing it; it keeps running (deletionPolicy: retain)"
    )
    if not sys.stdin.isatty():
        print(f"ecsdrop delete: {service}: {what}; pass --yes to confirm", file=sys.stderr)
        return False
    answer = input(f"Delete {service}? {what}. [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def _start_deletion(stack: Stack, service: str, key: str) -> str | None:
    """Delete the spec (its delete marker starts the run); when it is deleted already (a
    retry after DELETE_FAILED), ask the workflow directly."""
    sfn = stack.client("stepfunctions")
    if not stack.bucket_store.current_version(key).deleted:
        marker = stack.client("s3").delete_object(Bucket=stack.bucket, Key=key).get("VersionId")
        print(f"deleted s3://{stack.bucket}/{key} (delete marker {marker})", file=sys.stderr)
        return find_execution(sfn, stack.state_machine_arn, _started_by_deletion(key, marker))
    request = {"delete": {"service": service, "specKey": key, "requester": user_name()}}
    print(f"{key} is deleted already: asked the workflow to delete {service}", file=sys.stderr)
    return start_run(stack, "delete", service, request)


def _started_by_deletion(key: str, marker: str | None) -> Any:
    def wanted(started: dict[str, Any]) -> bool:
        obj = (started.get("detail") or {}).get("object") or {}
        return bool(
            started.get("detail-type") == "Object Deleted"
            and obj.get("key") == key
            and (marker is None or obj.get("version-id") == marker)
        )

    return wanted


# --------------------------------------------------------------------------- rollback


def run_rollback(args: argparse.Namespace) -> int:
    stack = find_stack(args)
    if stack is None:
        return EXIT_USAGE
    record = stack.store.get_state(args.service)
    if record is None or status_of(record) != SUCCEEDED:
        print(f"ecsdrop rollback: {args.service} is not running under ecsdrop", file=sys.stderr)
        return EXIT_FAILED
    target = rollback_target(stack, args.service, record, args.to)
    if isinstance(target, str):
        print(f"ecsdrop rollback: {target}", file=sys.stderr)
        return EXIT_USAGE
    execution = _start_rollback(stack, args.service, record, target)
    revision = target["taskDefinition"]["revision"]
    print(f"rolling {args.service} back to revision {revision}", file=sys.stderr)
    if not args.wait:
        return EXIT_OK
    return _report(stack, execution, args)


def rollback_target(
    stack: Stack, service: str, record: dict[str, Any], revision: int | None
) -> dict[str, Any] | str:
    """The history record of the successful run to go back to, or why there is none."""
    running = record.get("taskDefinitionArn")
    candidates = [
        r
        for r in stack.store.history(service, limit=100)
        if r.get("state") == SUCCEEDED
        and (r.get("spec") or {}).get("key") == record.get("specKey")
        and (r.get("taskDefinition") or {}).get("current")
    ]
    if revision is None:
        earlier = [r for r in candidates if r["taskDefinition"]["current"] != running]
        if not earlier:
            return f"{service} has no earlier revision deployed by ecsdrop to go back to"
        return earlier[0]
    named = [r for r in candidates if r["taskDefinition"].get("revision") == revision]
    if not named:
        deployed = sorted({r["taskDefinition"].get("revision") for r in candidates} - {None})
        return (
            f"revision {revision} of {service} was never deployed by ecsdrop from "
            f"{record.get('specKey')} (deployed: {', '.join(map(str, deployed)) or 'none'})"
        )
    if named[0]["taskDefinition"]["current"] == running:
        return f"{service} runs revision {revision} already"
    return named[0]


def _start_rollback(
    stack: Stack, service: str, record: dict[str, Any], target: dict[str, Any]
) -> str:
    arn = target["taskDefinition"]["current"]
    revision = Ecs(stack.client("ecs")).task_definition(arn)
    images = {c["name"]: c["image"] for c in (revision or {}).get("containerDefinitions", [])}
    request = {
        "redeploy": {
            "service": service,
            "specKey": record["specKey"],
            "specVersionId": (target.get("spec") or {}).get("versionId"),
            "imageOverrides": images,
            "rollbackTo": arn,
            "trigger": {
                "type": "rollback",
                "toRevision": target["taskDefinition"].get("revision"),
                "toTaskDefinitionArn": arn,
                "fromTaskDefinitionArn": record.get("taskDefinitionArn"),
                "requester": user_name(),
            },
        }
    }
    return start_run(stack, "rollback", service, request)


# --------------------------------------------------------------------------- following


def _report(stack: Stack, execution: str, args: argparse.Namespace) -> int:
    out = sys.stderr if args.json else sys.stdout
    result = follow(stack, execution, args.service, args.timeout, out)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(summary(result))
    return EXIT_OK if result["status"] in ENDED_WELL else EXIT_FAILED
