"""Teams messages: an Adaptive Card 1.4+ in the envelope Teams workflow webhooks accept."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecsdrop.notify.states import STYLES
from ecsdrop.notify.teams import teams_message
from tests.unit.notify.samples import (
    ALL_STATES,
    announced,
    detail_in_state,
    huge_detail,
    problems,
    real_detail,
    shape,
)

ADAPTIVE_CARD = shape("adaptive-card-teams")
# Teams refuses a message over about 28 KB
TEAMS_MESSAGE_BYTES = 28 * 1024


def card_of(message: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = message["attachments"]
    card: dict[str, Any] = attachment["content"]
    return card


def texts(card: dict[str, Any]) -> list[str]:
    """What the card shows, element by element: a TextBlock's text, a RichTextBlock's runs."""
    found = []
    for element in card["body"]:
        for item in [element, *element.get("items", [])]:
            if item["type"] == "TextBlock":
                found.append(item["text"])
            if item["type"] == "RichTextBlock":
                found.append("".join(run["text"] for run in item["inlines"]))
    return found


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_state_gives_a_valid_card_in_the_workflow_envelope(state: str) -> None:
    message = teams_message(announced(detail_in_state(state)))
    assert problems(ADAPTIVE_CARD, message) == []
    assert message["type"] == "message"
    assert message["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = card_of(message)
    assert card["version"] == "1.4"
    banner = card["body"][0]
    assert banner["type"] == "Container"
    assert banner["style"] == STYLES[state].tone  # the band's colour tells the state


def test_a_success_card_has_the_facts_and_a_button_to_the_execution() -> None:
    card = card_of(teams_message(announced(real_detail("succeeded"))))
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts["Task definition"] == "scorekeep:5 (was scorekeep:4)"
    assert facts["Duration"] == "2m 14s"
    (action,) = card["actions"]
    assert action == {
        "type": "Action.OpenUrl",
        "title": "Open in Step Functions",
        "url": real_detail("succeeded")["consoleUrl"],
    }
    assert card["fallbackText"] == "✅ scorekeep: deployed scorekeep:5 (was scorekeep:4) in 2m 14s"
    assert "Cause" not in texts(card)


def test_a_rollback_card_has_the_cause_and_what_was_rolled_back() -> None:
    card = card_of(teams_message(announced(real_detail("rolled-back"))))
    shown = texts(card)
    cause_at = shown.index("Cause")
    assert shown[cause_at + 1].startswith("ECS rolled the deployment back")
    rolled_at = shown.index("Rolled back")
    assert shown[rolled_at + 1] == (
        "- restored service scorekeep\n"
        "- deleted task-definition arn:aws:ecs:us-east-1:123456789012:task-definition/scorekeep:6"
    )
    assert "Left behind: clean up by hand" not in shown


def test_a_failed_rollback_card_lists_what_is_left() -> None:
    shown = texts(card_of(teams_message(announced(detail_in_state("ROLLBACK_FAILED")))))
    left_at = shown.index("Left behind: clean up by hand")
    assert "vpc-0abc" in shown[left_at + 1]


def test_an_oversized_event_stays_a_valid_card_under_the_teams_size_limit() -> None:
    message = teams_message(announced(huge_detail()))
    assert problems(ADAPTIVE_CARD, message) == []
    assert len(json.dumps(message, ensure_ascii=False).encode()) < TEAMS_MESSAGE_BYTES


def test_the_schema_is_not_a_rubber_stamp() -> None:
    message = teams_message(announced(real_detail("succeeded")))
    card = card_of(message)
    card["version"] = "1.2"
    card["body"][1]["facts"][0]["name"] = "not a fact property"
    card["actions"][0]["type"] = "Action.Submit"
    found = problems(ADAPTIVE_CARD, message)
    assert any(p.startswith("attachments/0/content/version") for p in found)
    assert any("body/1" in p for p in found)
    assert any("actions/0" in p for p in found)
