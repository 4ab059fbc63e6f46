"""`make demo`: the seed's scorekeep spec through the whole pipeline, on this machine.

Starts the embedded local cloud with ecsdrop's real template, pushes the scorekeep images
to its ECR, submits examples/scorekeep.yaml, follows the workflow step by step and prints
what was built. Then a new image is pushed whose rollout fails: the ECR trigger redeploys,
ECS's circuit breaker fails the rollout, and ecsdrop rolls the service back.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ecsdrop.aws.store import StateStore
from ecsdrop_cli.deploy_commands import find_execution, follow, started_by_upload, upload
from ecsdrop_cli.local_commands import push_image
from ecsdrop_cli.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "scorekeep.yaml"
IMAGES = ("scorekeep-frontend", "scorekeep-api")
STEP_TIMEOUT = 120.0


def say(text: str = "") -> None:
    print(text, flush=True)


def main() -> int:
    from localcloud import LocalCloud  # noqa: PLC0415 -- development tooling, loads moto

    began = time.monotonic()
    say("ecsdrop demo: examples/scorekeep.yaml through the whole pipeline, on a local cloud")
    say("\n[1/4] Starting the local cloud with template.yaml")
    with LocalCloud(ROOT / "template.yaml", stack_name="ecsdrop", time_scale=0.01) as cloud:
        say(f"      {len(cloud.resources)} resources deployed at {cloud.endpoint}")
        stack = Stack.discover(_stack_args(cloud.endpoint))
        say("\n[2/4] Pushing the scorekeep images to the local ECR")
        for repository in IMAGES:
            digest = push_image(stack.client("ecr"), repository, "latest", "v1")
            say(f"      {repository}:latest -> {digest[:19]}...")
        first = _deploy_scorekeep(stack)
        second = _failing_redeploy(stack, cloud)
    say(f"\nDone in {time.monotonic() - began:.1f}s.")
    ok = first["status"] == "SUCCEEDED" and second["status"] == "ROLLED_BACK"
    if not ok:
        say("The demo did not go as it should: see the steps above.")
    return 0 if ok else 1


def _stack_args(endpoint: str) -> argparse.Namespace:
    return argparse.Namespace(stack="ecsdrop", endpoint_url=endpoint, profile=None, region=None)


def _deploy_scorekeep(stack: Stack) -> dict[str, Any]:
    key = "specs/scorekeep.yaml"
    say(f"\n[3/4] Submitting examples/scorekeep.yaml -> s3://{stack.bucket}/{key}")
    version = upload(stack, key, SPEC.read_bytes())
    sfn = stack.client("stepfunctions")
    execution = find_execution(sfn, stack.state_machine_arn, started_by_upload(key, version))
    if execution is None:
        return {"status": "NOT STARTED"}
    result = follow(stack, execution, "scorekeep", STEP_TIMEOUT, sys.stdout)
    _summary(stack, result, execution)
    return result


def _failing_redeploy(stack: Stack, cloud: Any) -> dict[str, Any]:
    say("\n[4/4] A failing deploy: pushing a new scorekeep-api:latest whose tasks cannot start")
    cloud.add_fault(
        {"rollout": "scorekeep", "reason": "CannotPullContainerError: manifest unknown", "times": 1}
    )
    digest = push_image(stack.client("ecr"), "scorekeep-api", "latest", "v2")
    say(f"      scorekeep-api:latest -> {digest[:19]}...; the ECR trigger starts a redeploy")
    sfn = stack.client("stepfunctions")
    execution = find_execution(
        sfn,
        stack.state_machine_arn,
        lambda started: (started.get("redeploy") or {}).get("service") == "scorekeep",
    )
    if execution is None:
        return {"status": "NOT STARTED"}
    result = follow(stack, execution, "scorekeep", STEP_TIMEOUT, sys.stdout)
    say(f"\n      result: {result['status']}")
    say(f"      cause:  {result.get('cause')}")
    for item in result.get("rolledBack") or []:
        say(f"      undone: {item}")
    running = stack.client("ecs").describe_services(cluster="ecsdrop", services=["scorekeep"])
    revision = running["services"][0]["taskDefinition"].rsplit(":", 1)[-1]
    say(f"      the service runs revision {revision} again")
    return result


def _summary(stack: Stack, result: dict[str, Any], execution: str) -> None:
    say(f"\n      result:        {result['status']} in {result.get('durationSeconds')}s")
    say(f"      service:       {result.get('serviceArn')}")
    say(f"      revision:      {result.get('taskDefinitionArn')}")
    say(f"      load balancer: http://{result.get('loadBalancerDnsName')}/")
    store = StateStore(stack.client("dynamodb"), stack.table)
    created = Counter(
        entry["kind"]
        for entry in store.ledger(execution.rsplit(":", 1)[-1])
        if entry["action"] == "created"
    )
    say("      created:       " + ", ".join(f"{n} {kind}" for kind, n in created.items()))


if __name__ == "__main__":
    sys.exit(main())
