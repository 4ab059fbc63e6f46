"""Microsoft Teams: an Adaptive Card (1.4) in the message envelope that Teams workflow
webhooks ("Post to a channel when a webhook request is received") accept.

Card schema: https://adaptivecards.io/schemas/adaptive-card.json (1.4 elements only:
Container, TextBlock, RichTextBlock with TextRun, FactSet, Action.OpenUrl). Teams refuses
messages over about 28 KB: the facts and lists are capped, and a cause or a diff gets the
bytes that are left. A TextBlock reads its text as Markdown (where a diff's ``- line`` is a
bullet and one newline is none), so code goes in a TextRun, which is shown as it is.
"""

from __future__ import annotations

import json
from typing import Any

from ecsdrop.notify.message import Announcement, CodeBlock
from ecsdrop.notify.text import bulleted, fit, fit_lines, json_bytes, preserve_spaces

CARD_VERSION = "1.4"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
TITLE_LIMIT = 200
FACT_LIMIT = 500
LIST_LIMIT = 2000
ADVICE_LIMIT = 1000
FALLBACK_LIMIT = 500
# the whole body stays under this, well below the ~28 KB Teams accepts
MESSAGE_BYTES = 26_000
# a cause or a diff longer than this is more than anyone reads in a card
CODE_BYTES = 16_000


def teams_message(announcement: Announcement) -> dict[str, Any]:
    code = announcement.code
    if code is None:
        return _message(announcement, "")
    without_code = len(json.dumps(_message(announcement, ""), ensure_ascii=False).encode())
    room = min(CODE_BYTES, MESSAGE_BYTES - without_code)
    text = fit_lines(preserve_spaces(code.text), room, size=json_bytes)
    return _message(announcement, text)


def _message(announcement: Announcement, code_text: str) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "fallbackText": fit(announcement.summary, FALLBACK_LIMIT),
        "body": [
            _banner(announcement),
            *_facts(announcement),
            *_code(announcement.code, code_text),
            *_lists(announcement),
            _text(announcement.footer, isSubtle=True, size="small"),
        ],
    }
    if announcement.console_url:
        card["actions"] = [
            {
                "type": "Action.OpenUrl",
                "title": "Open in Step Functions",
                "url": announcement.console_url,
            }
        ]
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
    }


def _banner(announcement: Announcement) -> dict[str, Any]:
    """The title on a band coloured by the state (default, good, warning, attention, accent)."""
    return {
        "type": "Container",
        "style": announcement.style.tone,
        "bleed": True,
        "items": [
            _text(
                fit(announcement.title, TITLE_LIMIT),
                weight="bolder",
                size="medium",
                color=announcement.style.tone,
            ),
            _text(announcement.state, isSubtle=True, spacing="none"),
        ],
    }


def _facts(announcement: Announcement) -> list[dict[str, Any]]:
    if not announcement.facts:
        return []
    facts = [{"title": f.label, "value": fit(f.value, FACT_LIMIT)} for f in announcement.facts]
    return [{"type": "FactSet", "facts": facts}]


def _code(code: CodeBlock | None, text: str) -> list[dict[str, Any]]:
    if code is None:
        return []
    run = {"type": "TextRun", "text": text, "fontType": "monospace"}
    return [_text(code.heading, weight="bolder"), {"type": "RichTextBlock", "inlines": [run]}]


def _lists(announcement: Announcement) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for found in announcement.lists:
        blocks.append(_text(found.heading, weight="bolder"))
        blocks.append(_text(bulleted(found.items, LIST_LIMIT, bullet="- ")))
    if announcement.advice:
        blocks.append(_text("What to do", weight="bolder"))
        blocks.append(_text(fit(announcement.advice, ADVICE_LIMIT)))
    return blocks


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}
