"""A generic JSON webhook: the event's detail as it is, with a one-line summary beside it."""

from __future__ import annotations

from typing import Any

from ecsdrop.notify.message import Announcement

SOURCE = "ecsdrop"
DETAIL_TYPE = "Deployment State Change"


def json_message(announcement: Announcement) -> dict[str, Any]:
    return {
        "source": SOURCE,
        "detailType": DETAIL_TYPE,
        "summary": announcement.summary,
        "state": announcement.state,
        "service": announcement.service,
        "detail": dict(announcement.detail),
    }
