"""From a deployment to chat: the events the workflow publishes on the bus (moto) are fed to
the notifier handler, which posts them to a real webhook on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from tests.integration.notify.support import Sleeps, Webhook, warm_runtime
from tests.support.moto_stack import MotoStack, example
from tests.unit.notify.samples import problems, shape

BLOCK_KIT = shape("slack-block-kit")


def header(message: dict[str, Any]) -> str:
    text: str = message["blocks"][0]["text"]["text"]
    return text


def section_starting(message: dict[str, Any], heading: str) -> str:
    for block in message["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        if text.startswith(heading):
            return str(text)
    raise AssertionError(f"no section {heading!r} in {message}")


def test_a_successful_deploy_posts_started_and_succeeded_in_slacks_format(
    stack: MotoStack,
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    notifier_env: Callable[[str], None],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    arn = destinations_secret(
        {"name": "games", "type": "slack", "url": webhook.url("/games"), "channels": ["games"]},
        {"name": "billing", "type": "slack", "url": webhook.url("/billing"), "channels": ["bill"]},
    )
    notifier_env(arn)
    stack.deploy(example("scorekeep.yaml"))  # its spec names the "games" channel

    reports = [invoke_notifier(event) for event in stack.published()]

    assert [r["state"] for r in reports] == ["STARTED", "SUCCEEDED"]
    assert [r["delivered"] for r in reports] == [["games"], ["games"]]
    assert [r["notForThem"] for r in reports] == [["billing"], ["billing"]]
    started, succeeded = (r.body for r in webhook.at("/games"))
    for message in (started, succeeded):
        assert problems(BLOCK_KIT, message) == []
    assert header(started) == "🚀 scorekeep: deployment started"
    assert header(succeeded) == "✅ scorekeep: deployed"
    assert "*Task definition*\nscorekeep:1" in [f["text"] for f in succeeded["blocks"][1]["fields"]]
    assert webhook.at("/billing") == []


def test_a_failed_deploy_posts_rolled_back_with_its_cause(
    stack: MotoStack,
    aws: boto3.Session,
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    arn = destinations_secret(
        {"name": "oncall", "type": "slack", "url": webhook.url("/oncall"), "states": ["FAILED",
         "ROLLED_BACK", "ROLLBACK_FAILED"]}
    )  # fmt: skip
    state = stack.start(example("scorekeep.yaml"))
    for step in ("taskDefinition", "network", "loadBalancer", "service"):
        stack.step(state, step)
    stack.fail_and_roll_back(state, "DeploymentFailedError")
    runtime = warm_runtime(aws, arn, Sleeps())

    events = stack.published()
    reports = [invoke_notifier(event, runtime) for event in events]

    assert [(r["state"], r["delivered"]) for r in reports] == [
        ("STARTED", []),  # this feed hears failures only
        ("ROLLED_BACK", ["oncall"]),
    ]
    (message,) = (r.body for r in webhook.at("/oncall"))
    assert problems(BLOCK_KIT, message) == []
    assert header(message) == "↩️ scorekeep: deployment failed, rolled back"
    assert section_starting(message, "*Cause*") == (
        "*Cause*\n```\nDeploymentFailedError happened\n```"
    )
    undone = events[-1]["detail"]["rolledBack"]  # every resource the run had created
    assert len(undone) > 20
    rolled_back = section_starting(message, "*Rolled back*").split("\n")
    assert rolled_back == ["*Rolled back*"] + [f"• {item}" for item in undone]
    assert message["text"] == (
        "↩️ scorekeep: deployment failed, rolled back — DeploymentFailedError happened"
    )
