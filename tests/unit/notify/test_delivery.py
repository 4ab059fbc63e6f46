"""Retries: which answers are retried, how long to wait, and when to give up.

The transport here is scripted (the real HTTP path is tested in tests/integration/notify);
the clock moves only when the courier sleeps or a request "takes" time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest

from ecsdrop.errors import WebhookUnreachable
from ecsdrop.notify.delivery import (
    Courier,
    DeliveryResult,
    RetryPolicy,
    classify,
    retry_after_seconds,
)
from ecsdrop.notify.webhook import HttpReply

NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)


class FakeTime:
    def __init__(self) -> None:
        self.now = 500.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class ScriptedWebhook:
    """Answers each POST with the next scripted reply (or raises it), after ``takes`` seconds."""

    def __init__(
        self, time: FakeTime, replies: Iterable[HttpReply | Exception], takes: float = 0.1
    ) -> None:
        self.time = time
        self.replies = list(replies)
        self.takes = takes
        self.timeouts: list[float] = []

    def __call__(self, url: str, body: bytes, timeout: float) -> HttpReply:
        self.timeouts.append(timeout)
        self.time.now += min(self.takes, timeout)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def courier(time: FakeTime, webhook: ScriptedWebhook, **policy: Any) -> Courier:
    return Courier(
        post=webhook,
        clock=time.clock,
        sleep=time.sleep,
        wall_clock=lambda: NOW,
        policy=RetryPolicy(**policy),
    )


def send(
    time: FakeTime, replies: list[HttpReply | Exception], **policy: Any
) -> tuple[DeliveryResult, ScriptedWebhook]:
    webhook = ScriptedWebhook(time, replies)
    result = courier(time, webhook, **policy).deliver(
        "chat", "slack", "https://x.example/hook", b"{}", deadline=time.now + 1000
    )
    return result, webhook


def test_a_2xx_answer_is_delivered_at_once() -> None:
    time = FakeTime()
    result, _ = send(time, [HttpReply(202)])
    assert (result.delivered, result.attempts, result.status, result.error) == (True, 1, 202, None)
    assert time.slept == []


def test_server_errors_are_retried_with_growing_waits() -> None:
    time = FakeTime()
    result, _ = send(time, [HttpReply(500), HttpReply(502), HttpReply(503), HttpReply(200)])
    assert result.delivered and result.attempts == 4
    assert time.slept == [1.0, 2.0, 4.0]


def test_the_attempts_are_bounded() -> None:
    time = FakeTime()
    result, _ = send(time, [HttpReply(500, body="boom")] * 4)
    assert not result.delivered
    assert result.attempts == 4
    assert result.error == "HTTP 500: boom"
    assert time.slept == [1.0, 2.0, 4.0]


def test_a_429_waits_as_long_as_retry_after_says() -> None:
    time = FakeTime()
    result, _ = send(time, [HttpReply(429, retry_after="7"), HttpReply(200)])
    assert result.delivered and time.slept == [7.0]


def test_retry_after_as_an_http_date_is_honoured() -> None:
    time = FakeTime()
    later = "Sat, 28 Nov 2026 12:00:03 GMT"  # NOW + 3 s
    result, _ = send(time, [HttpReply(503, retry_after=later), HttpReply(204)])
    assert result.delivered and time.slept == [3.0]


def test_a_wait_that_would_end_past_the_budget_is_not_started() -> None:
    time = FakeTime()
    result, webhook = send(time, [HttpReply(429, retry_after="3600")], budget_seconds=20)
    assert not result.delivered and result.attempts == 1
    assert result.error == "HTTP 429; not retried: a wait of 3600s would end too late"
    assert time.slept == []
    assert webhook.replies == []


def test_the_whole_delivery_fits_in_the_budget() -> None:
    time = FakeTime()
    start = time.now
    replies: list[HttpReply | Exception] = [HttpReply(500)] * 10
    result, _ = send(time, replies, budget_seconds=5, max_attempts=10)
    assert not result.delivered
    assert time.now - start <= 5
    assert time.slept == [1.0, 2.0]  # the next wait (4 s) would have passed the 5 s budget


def test_the_request_timeout_never_outlasts_the_budget() -> None:
    time = FakeTime()
    result, webhook = send(time, [HttpReply(200)], budget_seconds=2, request_timeout_seconds=5)
    assert result.delivered and webhook.timeouts == [2.0]


def test_a_deadline_already_past_sends_nothing() -> None:
    time = FakeTime()
    webhook = ScriptedWebhook(time, [HttpReply(200)])
    result = courier(time, webhook).deliver("c", "json", "https://x", b"{}", deadline=time.now)
    assert (result.delivered, result.attempts, result.error) == (False, 0, "out of time")
    assert webhook.replies == [HttpReply(200)]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 413])
def test_other_client_errors_are_final(status: int) -> None:
    time = FakeTime()
    result, webhook = send(time, [HttpReply(status, body="invalid_blocks"), HttpReply(200)])
    assert not result.delivered and result.attempts == 1
    assert result.error == f"HTTP {status}: invalid_blocks"
    assert len(webhook.replies) == 1


def test_an_unreachable_webhook_is_retried_then_reported() -> None:
    time = FakeTime()
    refused = WebhookUnreachable("ConnectionRefusedError: [Errno 111] Connection refused")
    result, _ = send(time, [refused] * 4)
    assert not result.delivered and result.attempts == 4 and result.status is None
    assert result.error == "unreachable: ConnectionRefusedError: [Errno 111] Connection refused"


def test_a_redirect_is_final_and_explained() -> None:
    outcome = classify(HttpReply(301), NOW)
    assert not outcome.retryable
    assert outcome.error == "HTTP 301 (webhook URLs must not redirect: use the final URL)"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("Sat, 28 Nov 2026 12:01:00 GMT", 60.0),
        ("Sat, 28 Nov 2026 11:59:00 GMT", 0.0),  # in the past: retry now
        ("-3", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_headers_are_read_as_seconds(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, NOW) == seconds
