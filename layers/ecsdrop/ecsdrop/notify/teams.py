"""Microsoft Teams: an Adaptive Card (1.4) in the message envelope that Teams workflow
webhooks ("Post to a channel when a webhook request is received") accept.

Card schema: https://adaptivecards.io/schemas/adaptive-card.json (1.4 elements only:
Container, TextBlock, FactSet, Action.OpenUrl). Teams refuses messages over about 28 KB, so
the cause and the lists are capped well below that.
"""

from __future__ import annotations

from typing import Any

from ecsdrop.notify.message import Announcement
from ecsdrop.notify.text import bulleted, fit

CARD_VERSION = "1.4"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
TITLE_LIMIT = 200
FACT_LIMIT = 500
CAUSE_LIMIT = 2000
LIST_LIMIT = 2000
FALLBACK_LIMIT = 500


def teams_message(announcement: Announcement) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "fallbackText": fit(announcement.summary, FALLBACK_LIMIT),
        "body": [
            _banner(announcement),
            *_facts(announcement),
            *_failure_blocks(announcement),
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
    """The title on a band coloured by the state (good, warning, attention, accent)."""
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


def _failure_blocks(announcement: Announcement) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if announcement.cause:
        blocks.append(_text("Cause", weight="bolder"))
        blocks.append(_text(fit(announcement.cause, CAUSE_LIMIT), fontType="monospace"))
    for heading, items in (
        ("Rolled back", announcement.rolled_back),
        ("Left behind: clean up by hand", announcement.left_behind),
    ):
        if items:
            blocks.append(_text(heading, weight="bolder"))
            blocks.append(_text(bulleted(items, LIST_LIMIT, bullet="- ")))
    return blocks


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}
