"""A cause or a plan's diff in every chat format: inside its code block whatever it holds,
cut by whole lines to each platform's limits, with a marker counting what was left out."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

import pytest

from ecsdrop.notify.formats import render
from ecsdrop.notify.message import Announcement, CodeBlock
from tests.unit.notify.samples import announced, detail_in_state, problems, shape
from tests.unit.notify.test_discord import EMBED_TOTAL_CHARACTERS, embed_characters

ZERO_WIDTH_SPACE = "\u200b"
NO_BREAK_SPACE = "\u00a0"
DIFF_LINES = 2000


def hostile_diff(lines: int = DIFF_LINES) -> str:
    """A long diff of lines that need escaping, that try to close a code block or inject
    markup, and that are mostly multi-byte."""
    templates = [
        "+  env{i}: 'ü🙂€ & <b>bold</b> @everyone <!channel>'",
        "-  command{i}: <script>alert({i})</script>",
        "   note{i}: ``` closes a fence? **not bold** _nor italic_",
        "-  image: 🇩🇪👨\u200d👩\u200d👧 e\u0301 {i}",
    ]
    body = [templates[i % len(templates)].format(i=i) for i in range(lines - 2)]
    return "\n".join(["--- running specs/svc.yaml", "+++ plans/svc.yaml", *body]) + "\n"


def plan(diff: str) -> Announcement:
    return announced(detail_in_state("PLANNED", changes=True, diff=diff))


# --------------------------------------------------------------------------- what each shows


def slack_code(message: dict[str, Any], code: CodeBlock) -> str:
    opening = f"*{code.heading}*\n```\n"
    (text,) = [
        b["text"]["text"]
        for b in message["blocks"]
        if b.get("text", {}).get("text", "").startswith(opening)
    ]
    assert text.endswith("\n```")
    assert text.count("```") == 2  # nothing inside closes the block
    assert "<" not in text and ">" not in text  # mrkdwn control characters are entities
    inner = text.removeprefix(opening).removesuffix("\n```")
    return html.unescape(inner).replace(ZERO_WIDTH_SPACE, "")


def discord_code(message: dict[str, Any], code: CodeBlock) -> str:
    opening = f"```{code.language}\n"  # ```diff colours the + and - lines
    description: str = message["embeds"][0]["description"]
    assert description.startswith(opening) and description.endswith("\n```")
    assert description.count("```") == 2
    assert message["allowed_mentions"] == {"parse": []}
    inner = description.removeprefix(opening).removesuffix("\n```")
    return inner.replace(ZERO_WIDTH_SPACE, "")


def teams_code(message: dict[str, Any], code: CodeBlock) -> str:
    body = message["attachments"][0]["content"]["body"]
    at = next(i for i, element in enumerate(body) if element.get("text") == code.heading)
    rich = body[at + 1]
    assert rich["type"] == "RichTextBlock"
    (run,) = rich["inlines"]
    assert run["fontType"] == "monospace"
    # a TextBlock would read the code as Markdown: none of it may be in one
    assert not any("<script>" in e.get("text", "") for e in body if e["type"] == "TextBlock")
    text: str = run["text"]
    return text.replace(NO_BREAK_SPACE, " ")


def google_chat_code(message: dict[str, Any], code: CodeBlock) -> str:
    sections = message["cardsV2"][0]["card"]["sections"]
    (found,) = [s for s in sections if s.get("header") == code.heading]
    text: str = found["widgets"][0]["textParagraph"]["text"]
    assert "<script>" not in text and "<b>" not in text  # card HTML from the event is escaped
    return html.unescape(text.replace("<br>", "\n")).replace(NO_BREAK_SPACE, " ")


def within_slack(message: dict[str, Any], body: bytes) -> list[str]:
    return problems(shape("slack-block-kit"), message)


def within_discord(message: dict[str, Any], body: bytes) -> list[str]:
    found = problems(shape("discord-webhook"), message)
    total = embed_characters(message["embeds"][0])
    return found + ([f"embed has {total} characters"] if total > EMBED_TOTAL_CHARACTERS else [])


def within_teams(message: dict[str, Any], body: bytes) -> list[str]:
    found = problems(shape("adaptive-card-teams"), message)
    return found + ([f"{len(body)} bytes"] if len(body) >= 28 * 1024 else [])


def within_google_chat(message: dict[str, Any], body: bytes) -> list[str]:
    found = problems(shape("google-chat-cards-v2"), message)
    widgets = sum(len(s["widgets"]) for s in message["cardsV2"][0]["card"]["sections"])
    return (
        found
        + ([f"{len(body)} bytes"] if len(body) >= 32_000 else [])
        + ([f"{widgets} widgets"] if widgets > 100 else [])
    )


Reader = Callable[[dict[str, Any], CodeBlock], str]
Check = Callable[[dict[str, Any], bytes], list[str]]
PLATFORMS: dict[str, tuple[Reader, Check]] = {
    "slack": (slack_code, within_slack),
    "discord": (discord_code, within_discord),
    "teams": (teams_code, within_teams),
    "googlechat": (google_chat_code, within_google_chat),
}


def shown_lines(kind: str, announcement: Announcement) -> list[str]:
    """The lines the platform shows in the code block, once its limits are checked."""
    read, within = PLATFORMS[kind]
    assert announcement.code is not None
    body = render(kind, announcement)
    message = json.loads(body)
    assert within(message, body) == []
    return read(message, announcement.code).split("\n")


@pytest.mark.parametrize("kind", PLATFORMS)
def test_a_2000_line_diff_is_cut_to_whole_lines_within_the_platforms_limits(kind: str) -> None:
    diff = hostile_diff()

    shown = shown_lines(kind, plan(diff))

    kept = len(shown) - 1
    assert shown[:-1] == diff.splitlines()[:kept]  # whole lines, never a character split
    assert shown[-1] == f"… {DIFF_LINES - kept} more lines"
    assert kept >= 20, "a platform's room should show a screenful of the diff"


@pytest.mark.parametrize("kind", PLATFORMS)
def test_a_diff_that_fits_is_shown_whole_with_no_marker(kind: str) -> None:
    diff = hostile_diff(12)

    assert shown_lines(kind, plan(diff)) == diff.splitlines()


@pytest.mark.parametrize("kind", PLATFORMS)
def test_a_cause_of_hundreds_of_problems_shows_the_first_and_counts_the_rest(kind: str) -> None:
    found = [f"specs/web.yaml:{i}:1: `x`: must be <= 10 & ``` <script>" for i in range(600)]
    rejected = announced(detail_in_state("REJECTED", cause="\n".join(found)))

    shown = shown_lines(kind, rejected)

    kept = len(shown) - 1
    assert kept >= 10
    assert shown[:-1] == found[:kept]
    assert shown[-1] == f"… {600 - kept} more lines"
