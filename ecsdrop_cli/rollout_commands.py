"""`ecsdrop continue` and `ecsdrop abort`: answer a blue/green, linear or canary deployment
that ECS is rolling out. They call ECS directly, with the caller's credentials (like the
AWS CLI): a paused lifecycle hook is continued, or the deployment is stopped and rolled back;
the deployment's own run of the workflow sees the outcome and reports it."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ecsdrop.aws.ecs import Ecs
from ecsdrop.errors import AwsError
from ecsdrop.states import ROLLED_BACK
from ecsdrop_cli.deploy_commands import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_follow_options,
    find_stack,
    follow,
    read_status,
    summary,
)
from ecsdrop_cli.stack import Stack

AWAITING = "AWAITING_ACTION"


def register(commands: Any) -> None:
    carry_on = commands.add_parser(
        "continue",
        help="let a deployment paused by a pause hook go on",
        description="Answer the pause hook a blue/green, linear or canary deployment of "
        "SERVICE waits at (service.deployment.hooks with pause: true): the deployment goes "
        "on to its next stage. With --wait, follow the deployment's run to its end.",
    )
    carry_on.add_argument("service")
    add_follow_options(carry_on)
    carry_on.set_defaults(run=run_continue)

    abort = commands.add_parser(
        "abort",
        help="stop a deployment ECS is rolling out and roll it back",
        description="Stop the blue/green, linear or canary deployment of SERVICE in progress "
        "(paused or not): ECS sends all traffic back to the previous revision and stops the "
        "new tasks, and the run ends ROLLED_BACK. With --wait, follow that run to its end "
        "(exit 0 once it is rolled back).",
    )
    abort.add_argument("service")
    add_follow_options(abort)
    abort.set_defaults(run=run_abort)


def run_continue(args: argparse.Namespace) -> int:
    found = _deployment(args)
    if isinstance(found, int):
        return found
    stack, ecs, deployment = found
    paused = [
        h for h in deployment.get("lifecycleHookDetails") or [] if h.get("status") == AWAITING
    ]
    if not paused:
        print(
            f"ecsdrop continue: the deployment of {args.service} is not paused (it is at "
            f"{deployment.get('lifecycleStage') or 'its start'})",
            file=sys.stderr,
        )
        return EXIT_FAILED
    try:
        for hook in paused:
            ecs.continue_service_deployment(
                deployment["serviceDeploymentArn"], hook["hookId"], "CONTINUE"
            )
    except AwsError as e:
        print(f"ecsdrop continue: {e}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"continued the deployment of {args.service} at {deployment.get('lifecycleStage')}",
        file=sys.stderr,
    )
    return _followed(stack, args, ends_well=("SUCCEEDED",))


def run_abort(args: argparse.Namespace) -> int:
    found = _deployment(args)
    if isinstance(found, int):
        return found
    stack, ecs, deployment = found
    try:
        ecs.stop_service_deployment(deployment["serviceDeploymentArn"])
    except AwsError as e:
        print(f"ecsdrop abort: {e}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"stopped the deployment of {args.service} at {deployment.get('lifecycleStage')}; "
        "ECS rolls it back",
        file=sys.stderr,
    )
    return _followed(stack, args, ends_well=(ROLLED_BACK,))


def _deployment(args: argparse.Namespace) -> tuple[Stack, Ecs, dict[str, Any]] | int:
    """The stack, ECS, and the service's deployment in progress; or the exit code."""
    stack = find_stack(args)
    if stack is None:
        return EXIT_USAGE
    report = read_status(stack, args.service) or {}
    record = stack.store.get_state(args.service) or {}
    cluster = report.get("cluster") or record.get("cluster")
    if not cluster:
        print(f"ecsdrop {args.command}: no deployment of {args.service} is known", file=sys.stderr)
        return EXIT_FAILED
    ecs = Ecs(stack.client("ecs"))
    try:
        deployment = ecs.active_service_deployment(cluster, args.service)
    except AwsError as e:
        print(f"ecsdrop {args.command}: {e}", file=sys.stderr)
        return EXIT_FAILED
    if deployment is None:
        print(
            f"ecsdrop {args.command}: ECS is rolling out no deployment of {args.service}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return stack, ecs, deployment


def _followed(stack: Stack, args: argparse.Namespace, ends_well: tuple[str, ...]) -> int:
    """With --wait: follow the service's run in progress to its end."""
    if not args.wait:
        return EXIT_OK
    execution = (read_status(stack, args.service) or {}).get("executionArn")
    if not execution:
        print(f"ecsdrop {args.command}: no run of {args.service} to follow", file=sys.stderr)
        return EXIT_FAILED
    out = sys.stderr if args.json else sys.stdout
    result = follow(stack, execution, args.service, args.timeout, out)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(summary(result))
    return EXIT_OK if result["status"] in ends_well else EXIT_FAILED
