"""Destination type → the function that writes its message body."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ecsdrop.notify.discord import discord_message
from ecsdrop.notify.generic import json_message
from ecsdrop.notify.googlechat import google_chat_message
from ecsdrop.notify.message import Announcement
from ecsdrop.notify.slack import slack_message
from ecsdrop.notify.teams import teams_message

Formatter = Callable[[Announcement], dict[str, Any]]

FORMATS: dict[str, Formatter] = {
    "slack": slack_message,
    "teams": teams_message,
    "googlechat": google_chat_message,
    "discord": discord_message,
    "json": json_message,
}
DESTINATION_TYPES = tuple(FORMATS)


def render(destination_type: str, announcement: Announcement) -> bytes:
    """The exact body to POST (UTF-8 JSON)."""
    body = FORMATS[destination_type](announcement)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
