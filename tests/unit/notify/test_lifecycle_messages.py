"""A service's end and its plans, as every chat format shows them: what went, what still
runs and costs money, what is left and how to finish, what a plan would change."""

from __future__ import annotations

import html
import json

import pytest

from ecsdrop.notify.formats import render
from ecsdrop.notify.slack import slack_message
from tests.unit.notify.samples import announced, real_detail

CHAT_TYPES = ("slack", "teams", "googlechat", "discord")


# the formats whose text is HTML-escaped (Slack mrkdwn, Google Chat card text)
ESCAPED = ("slack", "googlechat")


def shown(kind: str, sample: str) -> str:
    """Every string of the message the platform gets, as one text, as a reader sees it."""
    message = json.loads(render(kind, announced(real_detail(sample))))
    strings: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            strings.append(html.unescape(value) if kind in ESCAPED else value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message)
    return "\n".join(strings)


# what a reader must find in each format, for each sample event of events/
MUST_SHOW = {
    # still running and billed: what, that it costs money, and how to remove it
    "retained": (
        "spec deleted, service still running",
        "ECS service scorekeep in cluster ecsdrop (2 tasks)",
        "NAT gateway nat-0abc1234def567890",
        "costs money",
        "service.deletionPolicy: delete",
    ),
    # a failure: what went, what is left and why, and how to finish
    "delete-failed": (
        "deletion failed, resources left behind",
        "deleted loadbalancer ecsdrop-scorekeep",
        "natgateway nat-0abc1234def567890: still deleting after 300 s",
        "TeardownIncompleteError",
        "ecsdrop delete scorekeep",
    ),
    "deleted": (
        "scorekeep: deleted",
        "deleted service scorekeep",
        "deleted vpc vpc-0fedcba9876543210",
    ),
    # no service: the key names the message, the cause says why
    "rejected-key": ("specs/team/x.yaml: spec rejected", "a spec must be at specs/<service>.yaml"),
}


@pytest.mark.parametrize("sample", MUST_SHOW)
@pytest.mark.parametrize("kind", CHAT_TYPES)
def test_every_chat_format_says_what_each_end_of_a_service_leaves_to_the_reader(
    kind: str, sample: str
) -> None:
    text = shown(kind, sample)
    missing = [phrase for phrase in MUST_SHOW[sample] if phrase not in text]
    assert missing == []


def test_a_failed_deletion_links_its_execution_as_a_failure_and_a_retained_one_does_not() -> None:
    def button_style(sample: str) -> str | None:
        message = slack_message(announced(real_detail(sample)))
        (actions,) = [b for b in message["blocks"] if b["type"] == "actions"]
        style: str | None = actions["elements"][0].get("style")
        return style

    assert button_style("delete-failed") == "danger"
    assert button_style("retained") is None
    assert button_style("deleted") is None
