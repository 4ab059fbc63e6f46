"""Google Chat messages: a cardsV2 card within the documented size limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecsdrop.notify.googlechat import google_chat_message
from ecsdrop.notify.states import STYLES
from tests.unit.notify.samples import (
    ALL_STATES,
    announced,
    detail_in_state,
    huge_detail,
    problems,
    real_detail,
    shape,
)

CARDS_V2 = shape("google-chat-cards-v2")
MESSAGE_BYTES = 32_000
WIDGETS_PER_CARD = 100


def card_of(message: dict[str, Any]) -> dict[str, Any]:
    (entry,) = message["cardsV2"]
    card: dict[str, Any] = entry["card"]
    return card


def section(card: dict[str, Any], header: str) -> dict[str, Any] | None:
    return next((s for s in card["sections"] if s.get("header") == header), None)


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_state_gives_a_valid_card_with_the_state_in_its_colour(state: str) -> None:
    message = google_chat_message(announced(detail_in_state(state)))
    assert problems(CARDS_V2, message) == []
    first = card_of(message)["sections"][0]["widgets"][0]["decoratedText"]
    assert first["topLabel"] == "State"
    assert first["text"] == f'<font color="{STYLES[state].colour}"><b>{state}</b></font>'


def test_a_success_card_has_header_facts_and_a_link_button() -> None:
    message = google_chat_message(announced(real_detail("succeeded")))
    card = card_of(message)
    assert card["header"]["title"] == "✅ scorekeep: deployed"
    labels = [w["decoratedText"]["topLabel"] for w in card["sections"][0]["widgets"]]
    assert labels == [
        "State",
        "Cluster",
        "Trigger",
        "Task definition",
        "Spec",
        "Load balancer",
        "Duration",
    ]
    button = card["sections"][-1]["widgets"][0]["buttonList"]["buttons"][0]
    assert button["onClick"]["openLink"]["url"] == real_detail("succeeded")["consoleUrl"]
    assert message["fallbackText"].startswith("✅ scorekeep: deployed")


def test_a_rollback_card_has_the_cause_and_what_was_rolled_back_escaped() -> None:
    detail = real_detail("rolled-back")
    detail["cause"] = "first <line> & more\nsecond line"
    card = card_of(google_chat_message(announced(detail)))
    cause = section(card, "Cause")
    assert cause is not None
    assert cause["widgets"][0]["textParagraph"]["text"] == (
        "first &lt;line&gt; &amp; more<br>second line"
    )
    rolled_back = section(card, "Rolled back")
    assert rolled_back is not None
    assert rolled_back["widgets"][0]["textParagraph"]["text"].startswith(
        "• restored service scorekeep<br>• deleted task-definition"
    )
    assert section(card, "Left behind: clean up by hand") is None


def test_an_oversized_event_stays_within_the_message_size_and_widget_count() -> None:
    message = google_chat_message(announced(huge_detail()))
    assert problems(CARDS_V2, message) == []
    assert len(json.dumps(message, ensure_ascii=False).encode()) < MESSAGE_BYTES
    widgets = sum(len(s["widgets"]) for s in card_of(message)["sections"])
    assert widgets <= WIDGETS_PER_CARD


def test_the_schema_is_not_a_rubber_stamp() -> None:
    message = google_chat_message(announced(real_detail("succeeded")))
    card = card_of(message)
    card["sections"][0]["widgets"].append({"decoratedText": {"topLabel": "x"}})
    card["sections"][-1]["widgets"][0]["buttonList"]["buttons"][0]["onClick"] = {"url": "x"}
    found = problems(CARDS_V2, message)
    assert any("sections/0/widgets/7" in p for p in found)
    assert any("onClick" in p for p in found)
