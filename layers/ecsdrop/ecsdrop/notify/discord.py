"""Discord webhooks: one embed coloured by the state.

Limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
title ≤ 256, description ≤ 4096, ≤ 25 fields with names ≤ 256 and values ≤ 1024, footer
≤ 2048, and 6000 characters over all of them. Every part but the description is capped
below; the description (the summary, or a cause or a diff in a code block) gets what is left
of the 6000. Mentions are disabled: a cause must never ping @everyone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ecsdrop.notify.message import Announcement, CodeBlock
from ecsdrop.notify.text import bulleted, fence_safe, fit, fit_lines

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
FIELD_VALUE_LIMIT = 200
LIST_LIMIT = 1024
FOOTER_LIMIT = 200
CODE_FENCE = "```"
# below this, a code block would show little more than its fences and the "more" marker
MIN_CODE_ROOM = 60


def discord_message(announcement: Announcement) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "title": fit(announcement.title, TITLE_LIMIT),
        "color": announcement.style.colour_number,
        "fields": _fields(announcement),
        "footer": {"text": fit(announcement.footer, FOOTER_LIMIT)},
    }
    room = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - embed_characters(embed))
    embed["description"] = _description(announcement, room)
    if announcement.console_url:
        embed["url"] = announcement.console_url
    if _is_iso_timestamp(announcement.timestamp):
        embed["timestamp"] = announcement.timestamp
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}


def embed_characters(embed: dict[str, Any]) -> int:
    """What Discord counts against the 6000: title, description, field names and values,
    footer text and author name."""
    fields = sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    footer = len(embed.get("footer", {}).get("text", ""))
    author = len(embed.get("author", {}).get("name", ""))
    return (
        len(embed.get("title", "")) + len(embed.get("description", "")) + fields + footer + author
    )


def _description(announcement: Announcement, room: int) -> str:
    if not announcement.code or room < MIN_CODE_ROOM:
        return fit(announcement.summary, room)
    return _code_block(announcement.code, room)


def _code_block(code: CodeBlock, room: int) -> str:
    opening = f"{CODE_FENCE}{code.language}\n"
    body = fit_lines(code.text, room - len(opening) - len(CODE_FENCE) - 1, escape=fence_safe)
    return f"{opening}{body}\n{CODE_FENCE}"


def _fields(announcement: Announcement) -> list[dict[str, Any]]:
    fields = [
        {"name": fact.label, "value": fit(fact.value, FIELD_VALUE_LIMIT), "inline": True}
        for fact in announcement.facts
    ]
    for found in announcement.lists:
        value = bulleted(found.items, LIST_LIMIT, bullet="- ")
        fields.append({"name": found.heading, "value": value, "inline": False})
    if announcement.advice:
        value = fit(announcement.advice, LIST_LIMIT)
        fields.append({"name": "What to do", "value": value, "inline": False})
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
