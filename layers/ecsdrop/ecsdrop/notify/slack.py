"""Slack incoming webhooks: Block Kit blocks with a ``text`` fallback for notifications.

Limits (https://docs.slack.dev/reference/block-kit/blocks): a header's plain_text ≤ 150
characters; a section's text ≤ 3000; at most 10 section fields of ≤ 2000 each; a button's
text ≤ 75 and url ≤ 3000; at most 10 context elements; at most 50 blocks. ``&``, ``<`` and
``>`` are control characters in mrkdwn and are sent as HTML entities.
"""

from __future__ import annotations

from typing import Any

from ecsdrop.notify.message import Announcement
from ecsdrop.notify.text import bulleted, fit

HEADER_LIMIT = 150
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
MAX_FIELDS = 10
BUTTON_TEXT_LIMIT = 75
URL_LIMIT = 3000
# Slack only shows the fallback in notifications; a long one helps nobody
FALLBACK_LIMIT = 500
CODE_FENCE = "```"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(announcement: Announcement) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [_header(announcement)]
    if announcement.facts:
        blocks.append(_fields(announcement))
    blocks.extend(_failure_sections(announcement))
    if announcement.console_url and len(announcement.console_url) <= URL_LIMIT:
        blocks.append(_console_button(announcement))
    blocks.append(_context(announcement))
    return {"text": fit(announcement.summary, FALLBACK_LIMIT, escape), "blocks": blocks}


def _header(announcement: Announcement) -> dict[str, Any]:
    # plain_text is not parsed, so the title goes unescaped
    title = fit(announcement.title, HEADER_LIMIT)
    return {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}}


def _fields(announcement: Announcement) -> dict[str, Any]:
    fields = []
    for fact in announcement.facts[:MAX_FIELDS]:
        label = f"*{escape(fact.label)}*\n"
        value = fit(fact.value, FIELD_TEXT_LIMIT - len(label), escape)
        fields.append({"type": "mrkdwn", "text": label + value})
    return {"type": "section", "fields": fields}


def _failure_sections(announcement: Announcement) -> list[dict[str, Any]]:
    sections = []
    if announcement.cause:
        sections.append(_section("*Cause*\n", _code_block(announcement.cause)))
    if announcement.rolled_back:
        sections.append(_list_section("*Rolled back*\n", announcement.rolled_back))
    if announcement.left_behind:
        heading = "*Left behind: clean up by hand*\n"
        sections.append(_list_section(heading, announcement.left_behind))
    return sections


def _code_block(text: str) -> str:
    # a fence inside the cause would end the block early: break it with a zero-width space
    safe = text.replace(CODE_FENCE, "`\u200b`\u200b`")
    room = SECTION_TEXT_LIMIT - len("*Cause*\n") - 2 * len(CODE_FENCE) - 2
    return f"{CODE_FENCE}\n{fit(safe, room, escape)}\n{CODE_FENCE}"


def _list_section(heading: str, items: tuple[str, ...]) -> dict[str, Any]:
    return _section(heading, bulleted(items, SECTION_TEXT_LIMIT - len(heading), escape=escape))


def _section(heading: str, body: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": heading + body}}


def _console_button(announcement: Announcement) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Open in Step Functions"},
        "url": announcement.console_url,
        "action_id": "open-execution",
    }
    if announcement.is_failure:
        button["style"] = "danger"
    return {"type": "actions", "elements": [button]}


def _context(announcement: Announcement) -> dict[str, Any]:
    footer = fit(announcement.footer, SECTION_TEXT_LIMIT, escape)
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]}
