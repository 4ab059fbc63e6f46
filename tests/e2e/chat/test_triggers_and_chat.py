"""ECR pushes redeploy; every state change reaches chat, whatever the chat servers do."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

from ecsdrop.notify.states import STYLES
from tests.e2e.chat.conftest import ChatPipeline
from tests.e2e.pipeline.conftest import scorekeep, wait_until


def slack_messages(chat: ChatPipeline, service: str) -> list[dict[str, Any]]:
    return [m for m in chat.received("/slack") if service in str(m)]


def header(message: dict[str, Any]) -> str:
    return str(message["blocks"][0]["text"]["text"])


def test_a_successful_deploy_posts_started_and_succeeded_in_slacks_format(
    chat: ChatPipeline,
) -> None:
    result = chat.submit(scorekeep("chat-ok"), "chat-ok")
    assert result["status"] == "SUCCEEDED", result
    assert wait_until(lambda: len(slack_messages(chat, "chat-ok")) >= 2)
    started, succeeded = slack_messages(chat, "chat-ok")[:2]
    assert header(started) == f"{STYLES['STARTED'].emoji} chat-ok: deployment started"
    assert header(succeeded) == f"{STYLES['SUCCEEDED'].emoji} chat-ok: deployed"
    for message in (started, succeeded):
        assert message["blocks"][0]["type"] == "header"
        assert isinstance(message["text"], str) and message["text"]


def test_a_webhook_answering_500_twice_then_200_still_gets_its_message(
    chat: ChatPipeline,
) -> None:
    result = chat.submit(scorekeep("chat-flaky"), "chat-flaky")
    assert result["status"] == "SUCCEEDED", result
    assert wait_until(lambda: any("chat-flaky" in str(m) for m in chat.received("/flaky")), 30)

    # Whichever message met 500, 500 first was sent three times in all; every other once.
    def sent() -> list[int]:
        bodies = Counter(json.dumps(body, sort_keys=True) for body in chat.received("/flaky"))
        return sorted(bodies.values(), reverse=True)

    assert wait_until(lambda: sent()[0] == 3, 30), sent()
    assert sent()[1:] == [1] * (len(sent()) - 1)


def test_a_failed_deploy_posts_rolled_back_with_the_cause(chat: ChatPipeline) -> None:
    ok = chat.submit(scorekeep("chat-fail"), "chat-fail")
    assert ok["status"] == "SUCCEEDED", ok
    chat.push("scorekeep-api", "broken", "broken")
    chat.cloud.add_fault({"rollout": "chat-fail", "times": 1})
    failed = chat.submit(
        scorekeep("chat-fail", **{"scorekeep-api:latest": "scorekeep-api:broken"}), "chat-fail"
    )
    assert failed["status"] == "ROLLED_BACK", failed

    def rolled_back() -> list[dict[str, Any]]:
        return [m for m in slack_messages(chat, "chat-fail") if "rolled back" in header(m)]

    assert wait_until(lambda: bool(rolled_back()))
    assert "circuit breaker" in str(rolled_back()[0])


def test_a_chat_server_that_is_down_does_not_fail_the_deployment(chat: ChatPipeline) -> None:
    # "down" is in every delivery; the deployments above and this one still succeed.
    result = chat.submit(scorekeep("chat-down"), "chat-down")
    assert result["status"] == "SUCCEEDED", result


def test_pushing_a_new_image_redeploys_the_following_service_with_the_exact_digest(
    chat: ChatPipeline,
) -> None:
    chat.push("push-api", "latest", "one")
    spec = scorekeep("push", **{"scorekeep-api:latest": "push-api:latest"})
    first = chat.submit(spec, "push")
    assert first["status"] == "SUCCEEDED", first

    digest = chat.push("push-api", "latest", "two")
    redeploy = chat.follow(
        lambda started: (started.get("redeploy") or {}).get("service") == "push", "push"
    )
    assert redeploy["status"] == "SUCCEEDED", redeploy
    ecs = chat.client("ecs")
    (service,) = ecs.describe_services(cluster="ecsdrop", services=["push"])["services"]
    task = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
    images = {c["name"]: c["image"] for c in task["taskDefinition"]["containerDefinitions"]}
    assert images["scorekeep-api"].endswith(f"/push-api@{digest}")


def test_a_push_nobody_follows_changes_nothing(chat: ChatPipeline) -> None:
    sfn = chat.client("stepfunctions")
    before = len(sfn.list_executions(stateMachineArn=chat.stack.state_machine_arn)["executions"])
    calls_before = chat.cloud.calls().get("lambda:Invoke", 0)
    chat.push("nobody-follows", "latest", "x")
    time.sleep(2)  # the trigger has run by now (it is invoked at once by EventBridge)
    after = sfn.list_executions(stateMachineArn=chat.stack.state_machine_arn)["executions"]
    assert len(after) == before
    assert chat.cloud.calls().get("lambda:Invoke", 0) == calls_before


def test_a_plan_upload_posts_its_diff_to_chat_and_a_deleted_spec_its_end(
    chat: ChatPipeline,
) -> None:
    assert chat.submit(scorekeep("chat-life"), "chat-life")["status"] == "SUCCEEDED"

    chat.upload(
        "plans/chat-life.yaml", scorekeep("chat-life", **{"desiredCount: 2": "desiredCount: 3"})
    )

    def headed(text: str) -> list[dict[str, Any]]:
        return [m for m in slack_messages(chat, "chat-life") if text in header(m)]

    assert wait_until(lambda: headed("plan") != [])
    (plan,) = headed("plan")
    assert "+desiredCount: 3" in json.dumps(plan)

    retained = chat.delete("specs/chat-life.yaml", "chat-life")

    assert retained["status"] == "RETAINED", retained
    assert wait_until(lambda: headed(STYLES["RETAINED"].emoji) != [])
    assert "ECS service chat-life" in json.dumps(headed(STYLES["RETAINED"].emoji)[0])


CANARY = """  deployment:
    strategy: canary
    canary:
      percent: 10
      bakeTimeMinutes: 3
    bakeTimeMinutes: 2
"""
ROLLING = """  deployment:
    minimumHealthyPercent: 100
    maximumPercent: 200
    stabilityTimeoutSeconds: 600
"""


def test_a_canary_deployment_posts_each_stage_between_started_and_deployed(
    chat: ChatPipeline,
) -> None:
    result = chat.submit(scorekeep("chat-canary", **{ROLLING: CANARY}), "chat-canary")
    assert result["status"] == "SUCCEEDED", result

    def headers() -> list[str]:
        return [header(m) for m in slack_messages(chat, "chat-canary")]

    assert wait_until(lambda: any("deployed" in h for h in headers()))
    emoji = STYLES["ROLLING_OUT"].emoji
    assert headers() == [
        f"{STYLES['STARTED'].emoji} chat-canary: deployment started",
        f"{emoji} chat-canary: rolling out",
        f"{emoji} chat-canary: rolling out",
        f"{emoji} chat-canary: rolling out",
        f"{emoji} chat-canary: rolling out",
        f"{STYLES['SUCCEEDED'].emoji} chat-canary: deployed",
    ]
    summaries = [m["text"] for m in slack_messages(chat, "chat-canary")[1:5]]
    assert "the new tasks run" in summaries[0]
    assert "canary 10 % — baking 3 min" in summaries[1]
    assert "traffic shifted 100 %" in summaries[2]
    assert "all production traffic on the new revision — baking 2 min" in summaries[3]
