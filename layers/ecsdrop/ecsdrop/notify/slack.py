"""Slack incoming webhooks: Block Kit blocks with a ``text`` fallback for notifications.

Limits (https://docs.slack.dev/reference/block-kit/blocks): a header's plain_text ≤ 150
characters; a section's text ≤ 3000; at most 10 section fields of ≤ 2000 each; a button's
text ≤ 75 and url ≤ 3000; at most 10 context elements; at most 50 blocks (a message here
has at most nine). ``&``, ``<`` and ``>`` are control characters in mrkdwn and are sent as
HTML entities, inside code blocks too.
"""

from __future__ import annotations

from typing import Any

from ecsdrop.notify.message import Announcement, CodeBlock, ItemList
from ecsdrop.notify.text import bulleted, fence_safe, fit, fit_lines

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
    if announcement.code:
        blocks.append(_code_section(announcement.code))
    blocks.extend(_list_section(found) for found in announcement.lists)
    if announcement.advice:
        blocks.append(_section("*What to do*\n", announcement.advice))
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


def _code_escape(text: str) -> str:
    return fence_safe(escape(text))


def _code_section(code: CodeBlock) -> dict[str, Any]:
    heading = f"*{escape(code.heading)}*\n"
    room = SECTION_TEXT_LIMIT - len(heading) - 2 * len(CODE_FENCE) - 2
    body = fit_lines(code.text, room, escape=_code_escape)
    return _mrkdwn(f"{heading}{CODE_FENCE}\n{body}\n{CODE_FENCE}")


def _list_section(found: ItemList) -> dict[str, Any]:
    heading = f"*{escape(found.heading)}*\n"
    return _mrkdwn(
        heading + bulleted(found.items, SECTION_TEXT_LIMIT - len(heading), escape=escape)
    )


def _section(heading: str, text: str) -> dict[str, Any]:
    return _mrkdwn(heading + fit(text, SECTION_TEXT_LIMIT - len(heading), escape))


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


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
