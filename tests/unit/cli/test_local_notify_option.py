"""`ecsdrop local up --notify TYPE=URL` becomes the notifier's destinations secret."""

from __future__ import annotations

import json

import pytest

from ecsdrop.notify.destinations import parse_destinations as notifier_reads
from ecsdrop_cli.local_commands import parse_destinations


def test_each_notify_option_is_a_destination_the_notifier_accepts() -> None:
    destinations = parse_destinations(
        ["slack=http://127.0.0.1:9000/a", "teams=https://example.com/webhook"]
    )
    assert destinations == [
        {"name": "slack-1", "type": "slack", "url": "http://127.0.0.1:9000/a"},
        {"name": "teams-2", "type": "teams", "url": "https://example.com/webhook"},
    ]
    parsed = notifier_reads(json.dumps({"destinations": destinations}), "--notify")
    assert [d.name for d in parsed] == ["slack-1", "teams-2"]


@pytest.mark.parametrize("bad", ["slack", "irc=https://x", "slack="])
def test_a_malformed_notify_option_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="expected TYPE=URL"):
        parse_destinations([bad])


@pytest.mark.parametrize(
    "url", ["http://hooks.example.com/x", "ftp://127.0.0.1/x", "https://"], ids=str
)
def test_a_webhook_url_the_notifier_would_refuse_is_refused_before_anything_starts(
    url: str,
) -> None:
    with pytest.raises(ValueError, match=r"url: must be an https:// URL \(http:// only to local"):
        parse_destinations([f"slack={url}"])
