"""Discord webhooks: one embed coloured by the state.

Limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
title ≤ 256, description ≤ 4096, ≤ 25 fields with names ≤ 256 and values ≤ 1024, footer
≤ 2048, and 6000 characters over all of them. The caps below keep the sum under 6000 even
when every part is at its cap. Mentions are disabled: a cause must never ping @everyone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ecsdrop.notify.message import Announcement
from ecsdrop.notify.text import bulleted, fit

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 1800
FIELD_VALUE_LIMIT = 200
LIST_LIMIT = 1024
FOOTER_LIMIT = 200
CODE_FENCE = "```"


def discord_message(announcement: Announcement) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "title": fit(announcement.title, TITLE_LIMIT),
        "description": _description(announcement),
        "color": announcement.style.colour_number,
        "fields": _fields(announcement),
        "footer": {"text": fit(announcement.footer, FOOTER_LIMIT)},
    }
    if announcement.console_url:
        embed["url"] = announcement.console_url
    if _is_iso_timestamp(announcement.timestamp):
        embed["timestamp"] = announcement.timestamp
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}


def _description(announcement: Announcement) -> str:
    if not announcement.cause:
        return fit(announcement.summary, DESCRIPTION_LIMIT)
    # a fence inside the cause would end the block early: break it with a zero-width space
    cause = announcement.cause.replace(CODE_FENCE, "`\u200b`\u200b`")
    room = DESCRIPTION_LIMIT - 2 * len(CODE_FENCE) - 2
    return f"{CODE_FENCE}\n{fit(cause, room)}\n{CODE_FENCE}"


def _fields(announcement: Announcement) -> list[dict[str, Any]]:
    fields = [
        {"name": fact.label, "value": fit(fact.value, FIELD_VALUE_LIMIT), "inline": True}
        for fact in announcement.facts
    ]
    for name, items in (
        ("Rolled back", announcement.rolled_back),
        ("Left behind: clean up by hand", announcement.left_behind),
    ):
        if items:
            value = bulleted(items, LIST_LIMIT, bullet="- ")
            fields.append({"name": name, "value": value, "inline": False})
    return fields


def _is_iso_timestamp(value: str | None) -> bool:
    """Discord refuses the whole message over a timestamp it cannot parse."""
    if not value:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
