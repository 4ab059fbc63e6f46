"""Discord messages: an embed coloured by the state, within Discord's embed limits."""

from __future__ import annotations

from typing import Any

import pytest

from ecsdrop.notify.discord import discord_message
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

WEBHOOK = shape("discord-webhook")
EMBED_TOTAL_CHARACTERS = 6000


def embed_of(message: dict[str, Any]) -> dict[str, Any]:
    (embed,) = message["embeds"]
    found: dict[str, Any] = embed
    return found


def embed_characters(embed: dict[str, Any]) -> int:
    """What Discord counts against the 6000: title, description, field names and values,
    footer text and author name."""
    fields = sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    footer = len(embed.get("footer", {}).get("text", ""))
    author = len(embed.get("author", {}).get("name", ""))
    title, description = len(embed.get("title", "")), len(embed.get("description", ""))
    return title + description + fields + footer + author


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_state_gives_a_valid_embed_in_its_colour(state: str) -> None:
    message = discord_message(announced(detail_in_state(state)))
    assert problems(WEBHOOK, message) == []
    assert embed_of(message)["color"] == int(STYLES[state].colour[1:], 16)
    assert message["allowed_mentions"] == {"parse": []}  # a cause never pings anyone


def test_states_have_different_colours() -> None:
    messages = [discord_message(announced(detail_in_state(s))) for s in ALL_STATES]
    colours = {embed_of(message)["color"] for message in messages}
    assert len(colours) == len(ALL_STATES)


def test_a_success_embed_summarises_and_links_to_the_execution() -> None:
    embed = embed_of(discord_message(announced(real_detail("succeeded"))))
    assert embed["title"] == "✅ scorekeep: deployed"
    assert embed["description"] == "✅ scorekeep: deployed scorekeep:5 (was scorekeep:4) in 2m 14s"
    assert embed["url"] == real_detail("succeeded")["consoleUrl"]
    assert embed["timestamp"] == "2026-11-28T12:02:14+00:00"
    assert {"name": "Duration", "value": "2m 14s", "inline": True} in embed["fields"]


def test_a_rollback_embed_has_the_cause_and_what_was_rolled_back() -> None:
    embed = embed_of(discord_message(announced(real_detail("rolled-back"))))
    assert embed["description"].startswith("```\nECS rolled the deployment back")
    rolled_back = next(f for f in embed["fields"] if f["name"] == "Rolled back")
    assert rolled_back["value"].split("\n") == [
        "- restored service scorekeep",
        "- deleted task-definition arn:aws:ecs:us-east-1:123456789012:task-definition/scorekeep:6",
    ]
    assert rolled_back["inline"] is False


def test_an_oversized_event_stays_under_every_embed_limit_and_the_total() -> None:
    message = discord_message(announced(huge_detail()))
    assert problems(WEBHOOK, message) == []
    assert embed_characters(embed_of(message)) <= EMBED_TOTAL_CHARACTERS


def test_an_unreadable_timestamp_is_left_out_rather_than_failing_the_message() -> None:
    embed = embed_of(discord_message(announced(detail_in_state("FAILED", finishedAt="soon"))))
    assert "timestamp" not in embed


def test_the_schema_is_not_a_rubber_stamp() -> None:
    message = discord_message(announced(real_detail("succeeded")))
    embed = embed_of(message)
    embed["title"] = "t" * 257
    embed["fields"].append({"name": "empty", "value": ""})
    embed["color"] = "#2E7D32"
    found = problems(WEBHOOK, message)
    assert any(p.startswith("embeds/0/title") for p in found)
    assert any(p.startswith("embeds/0/fields/6/value") for p in found)
    assert any(p.startswith("embeds/0/color") for p in found)
