"""One event, each destination that wants it gets one message; nothing raises for an outage."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecsdrop.errors import WebhookUnreachable
from ecsdrop.notify import notifier as notifier_module
from ecsdrop.notify.delivery import Courier
from ecsdrop.notify.destinations import Destination
from ecsdrop.notify.notifier import Notifier
from ecsdrop.notify.webhook import HttpReply
from tests.unit.notify.samples import detail_in_state, real_detail


class Recorder:
    """A transport that records each POST and answers per URL (down hosts raise)."""

    def __init__(self, answers: dict[str, int | None] | None = None) -> None:
        self.answers = answers or {}
        self.posts: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, url: str, body: bytes, timeout: float) -> HttpReply:
        self.posts.append((url, json.loads(body)))
        status = self.answers.get(url, 200)
        if status is None:
            raise WebhookUnreachable("ConnectionRefusedError: refused")
        return HttpReply(status)


def make(destinations: list[Destination], transport: Recorder) -> Notifier:
    clock = iter(range(0, 10_000)).__next__  # a clock that only moves forward
    courier = Courier(post=transport, clock=lambda: float(clock()), sleep=lambda _: None)
    return Notifier(destinations=lambda: destinations, courier=courier)


SLACK = Destination("slack-deploys", "slack", "https://slack.example/hook")
TEAMS = Destination("teams-platform", "teams", "https://teams.example/hook")
GAMES = Destination(
    "games", "discord", "https://discord.example/hook", channels=frozenset({"games"})
)
FAILURES = Destination(
    "failures", "json", "https://json.example/hook", states=frozenset({"ROLLED_BACK"})
)


def test_each_wanting_destination_gets_one_message_in_its_own_format() -> None:
    transport = Recorder()
    report = make([SLACK, TEAMS, GAMES, FAILURES], transport).announce(
        real_detail("succeeded"), time_left_seconds=60
    )
    assert [url for url, _ in transport.posts] == [
        "https://slack.example/hook",
        "https://teams.example/hook",
        "https://discord.example/hook",
    ]
    slack, teams, discord = (body for _, body in transport.posts)
    assert slack["blocks"][0]["type"] == "header"
    assert teams["attachments"][0]["content"]["type"] == "AdaptiveCard"
    assert discord["embeds"][0]["title"] == "✅ scorekeep: deployed"
    assert [r.destination for r in report.delivered] == ["slack-deploys", "teams-platform", "games"]
    assert report.not_for_them == ("failures",)
    assert report.to_json()["failed"] == []


def test_a_destination_down_or_refusing_is_reported_and_the_others_still_get_theirs() -> None:
    transport = Recorder({"https://slack.example/hook": None, "https://teams.example/hook": 404})
    report = make([SLACK, TEAMS, FAILURES], transport).announce(
        real_detail("rolled-back"), time_left_seconds=60
    )
    assert [r.destination for r in report.delivered] == ["failures"]
    failed = {r["destination"]: r for r in report.to_json()["failed"]}
    assert failed["slack-deploys"]["attempts"] == 4
    assert failed["slack-deploys"]["error"].startswith("unreachable: ConnectionRefusedError")
    assert failed["teams-platform"] == {
        "destination": "teams-platform",
        "type": "teams",
        "delivered": False,
        "attempts": 1,
        "status": 404,
        "error": "HTTP 404",
    }
    (failure_body,) = [body for url, body in transport.posts if "json.example" in url]
    assert failure_body["detail"]["cause"].startswith("ECS rolled the deployment back")


def test_a_no_op_is_never_announced_and_the_secret_is_not_even_read() -> None:
    def destinations() -> list[Destination]:
        raise AssertionError("read the destinations for a no-op")

    transport = Recorder()
    notifier = Notifier(destinations=destinations, courier=Courier(post=transport))
    report = notifier.announce({"state": "NOOP", "service": "web"}, time_left_seconds=60)
    assert report.skipped == "not a state that is announced"
    assert transport.posts == []
    assert report.to_json()["state"] == "NOOP"


def test_a_formatting_bug_fails_only_its_own_destination(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(kind: str, announcement: Any) -> bytes:
        if kind == "teams":
            raise KeyError("oops")
        return b"{}"

    monkeypatch.setattr(notifier_module, "render", broken)
    transport = Recorder()
    report = make([SLACK, TEAMS], transport).announce(
        detail_in_state("FAILED"), time_left_seconds=60
    )
    assert [r.destination for r in report.delivered] == ["slack-deploys"]
    (failure,) = report.failed
    assert failure.attempts == 0
    assert failure.error == "could not write the message: KeyError: 'oops'"


def test_with_no_time_left_nothing_is_sent_and_it_is_said_why() -> None:
    transport = Recorder()
    report = make([SLACK], transport).announce(real_detail("succeeded"), time_left_seconds=2)
    assert transport.posts == []
    assert report.failed[0].error == "out of time"
