"""Slack messages against Block Kit's documented shape and limits."""

from __future__ import annotations

from typing import Any

import pytest

from ecsdrop.notify.slack import slack_message
from tests.unit.notify.samples import (
    ALL_STATES,
    announced,
    detail_in_state,
    huge_detail,
    problems,
    real_detail,
    shape,
)

BLOCK_KIT = shape("slack-block-kit")


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    texts = [message["text"]]
    for block in message["blocks"]:
        objects = [block.get("text"), *block.get("fields", []), *block.get("elements", [])]
        texts += [o["text"] for o in objects if isinstance(o, dict) and o.get("type") == "mrkdwn"]
    return texts


def section_with(message: dict[str, Any], heading: str) -> str | None:
    for block in message["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        if block["type"] == "section" and text.startswith(heading):
            return str(text)
    return None


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_state_gives_valid_block_kit(state: str) -> None:
    message = slack_message(announced(detail_in_state(state)))
    assert problems(BLOCK_KIT, message) == []
    assert message["blocks"][0]["type"] == "header"
    assert message["blocks"][-1]["type"] == "context"


def test_a_success_shows_header_facts_button_and_context() -> None:
    message = slack_message(announced(real_detail("succeeded")))
    header, fields, actions, context = message["blocks"]
    assert header["text"] == {"type": "plain_text", "text": "✅ scorekeep: deployed", "emoji": True}
    assert "*Task definition*\nscorekeep:5 (was scorekeep:4)" in [
        f["text"] for f in fields["fields"]
    ]
    (button,) = actions["elements"]
    assert button["url"] == real_detail("succeeded")["consoleUrl"]
    assert "style" not in button
    assert context["elements"][0]["text"].startswith("deployment 0b6d1c3e")
    assert message["text"] == "✅ scorekeep: deployed scorekeep:5 (was scorekeep:4) in 2m 14s"


def test_a_rollback_shows_the_cause_in_a_code_block_and_what_was_rolled_back() -> None:
    message = slack_message(announced(real_detail("rolled-back")))
    cause = section_with(message, "*Cause*")
    assert cause is not None
    assert cause.startswith("*Cause*\n```\nECS rolled the deployment back")
    assert cause.endswith("not found)\n```")
    rolled_back = section_with(message, "*Rolled back*")
    assert rolled_back == (
        "*Rolled back*\n• restored service scorekeep\n"
        "• deleted task-definition arn:aws:ecs:us-east-1:123456789012:task-definition/scorekeep:6"
    )
    assert section_with(message, "*Left behind") is None  # nothing was left
    assert message["blocks"][-2]["elements"][0]["style"] == "danger"


def test_what_a_failed_rollback_left_behind_is_listed() -> None:
    message = slack_message(announced(detail_in_state("ROLLBACK_FAILED")))
    left = section_with(message, "*Left behind: clean up by hand*")
    assert left is not None
    assert "• deleted vpc vpc-0abc: DependencyViolation: has dependencies" in left


def test_control_characters_from_the_event_are_escaped_everywhere() -> None:
    detail = detail_in_state(
        "FAILED", cause="<!channel> a & b <@U123|bob> <https://evil.example|click>"
    )
    message = slack_message(announced(detail))
    for text in mrkdwn_texts(message):
        assert "<" not in text and ">" not in text, text
    cause = section_with(message, "*Cause*")
    assert cause is not None and "&lt;!channel&gt; a &amp; b" in cause


def test_a_code_fence_inside_the_cause_does_not_end_the_block() -> None:
    detail = detail_in_state("FAILED", cause="before ``` after")
    cause = section_with(slack_message(announced(detail)), "*Cause*")
    assert cause is not None and cause.count("```") == 2


def test_oversized_events_are_cut_to_the_documented_limits() -> None:
    message = slack_message(announced(huge_detail()))
    assert problems(BLOCK_KIT, message) == []
    left = section_with(message, "*Left behind")
    assert left is not None and left.rstrip().split("\n")[-1].startswith("… and ")


def test_a_missing_console_url_drops_the_button_not_the_message() -> None:
    detail = detail_in_state("SUCCEEDED", consoleUrl=None)
    message = slack_message(announced(detail))
    assert [b["type"] for b in message["blocks"]] == ["header", "section", "context"]
    assert problems(BLOCK_KIT, message) == []


def test_a_detail_with_no_facts_has_no_empty_fields_section() -> None:
    message = slack_message(announced({"state": "REJECTED", "service": "web"}))
    assert problems(BLOCK_KIT, message) == []
    assert [b["type"] for b in message["blocks"]] == ["header", "context"]


def test_the_schema_is_not_a_rubber_stamp() -> None:
    """The checks above mean something only if the shape refuses what Slack refuses."""
    message = slack_message(announced(real_detail("succeeded")))
    message["blocks"][0]["text"]["text"] = "x" * 151
    message["blocks"][1]["fields"] = message["blocks"][1]["fields"] * 2
    message["blocks"].append({"type": "image"})
    found = problems(BLOCK_KIT, message)
    assert any("blocks/0/text/text" in p for p in found)
    assert any("blocks/1/fields" in p for p in found)
    assert any("blocks/4/type" in p for p in found)
