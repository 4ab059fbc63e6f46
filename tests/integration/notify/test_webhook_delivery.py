"""Delivery over real HTTP to a webhook on 127.0.0.1: retries, Retry-After, outages.

Waits are recorded instead of slept (the courier's sleep is injected); the HTTP exchanges,
status codes, headers and timeouts are real.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from ecsdrop.notify.delivery import Courier, DeliveryResult, RetryPolicy
from ecsdrop.notify.formats import render
from ecsdrop.notify.message import announcement_of
from ecsdrop.notify.webhook import post_json
from tests.integration.notify.support import Reply, Sleeps, Webhook
from tests.support.moto_stack import real_event

SUCCEEDED = announcement_of(real_event("deployment-state-change-succeeded.json")["detail"])
assert SUCCEEDED is not None
BODY = render("slack", SUCCEEDED)


def deliver(url: str, sleeps: Sleeps, **policy: Any) -> DeliveryResult:
    courier = Courier(post=post_json, sleep=sleeps, policy=RetryPolicy(**policy))
    return courier.deliver("chat", "slack", url, BODY, deadline=courier.clock() + 60)


def test_the_message_arrives_as_a_json_post(webhook: Webhook) -> None:
    result = deliver(webhook.url("/hook"), Sleeps())
    assert (result.delivered, result.attempts, result.status) == (True, 1, 200)
    (received,) = webhook.at("/hook")
    assert received.headers["Content-Type"] == "application/json; charset=utf-8"
    assert received.body == json.loads(BODY)


def test_a_webhook_answering_500_twice_then_200_still_gets_its_message(webhook: Webhook) -> None:
    webhook.answer("/hook", Reply(500, body=b"oops"), Reply(503))
    sleeps = Sleeps()
    result = deliver(webhook.url("/hook"), sleeps)
    assert result.delivered and result.attempts == 3 and result.status == 200
    assert sleeps == [1.0, 2.0]
    assert [r.body for r in webhook.at("/hook")] == [json.loads(BODY)] * 3  # same message


def test_a_429_with_retry_after_seconds_is_honoured(webhook: Webhook) -> None:
    webhook.answer("/hook", Reply(429, {"Retry-After": "2"}, b"rate_limited"))
    sleeps = Sleeps()
    result = deliver(webhook.url("/hook"), sleeps)
    assert result.delivered and result.attempts == 2
    assert sleeps == [2.0]


def test_a_429_with_retry_after_as_an_http_date_is_honoured(webhook: Webhook) -> None:
    when = datetime.now(UTC) + timedelta(seconds=10)
    webhook.answer("/hook", Reply(429, {"Retry-After": format_datetime(when, usegmt=True)}))
    sleeps = Sleeps()
    result = deliver(webhook.url("/hook"), sleeps)
    assert result.delivered
    (waited,) = sleeps
    assert 8.0 < waited <= 10.0  # the date has a one-second resolution


def test_a_retry_after_beyond_the_budget_is_not_waited_for(webhook: Webhook) -> None:
    webhook.answer("/hook", Reply(429, {"Retry-After": "3600"}))
    sleeps = Sleeps()
    result = deliver(webhook.url("/hook"), sleeps)
    assert not result.delivered and result.attempts == 1 and result.status == 429
    assert result.error == "HTTP 429: ok; not retried: a wait of 3600s would end too late"
    assert sleeps == []


def test_a_webhook_that_is_down_is_reported_failed_without_raising(closed_url: str) -> None:
    sleeps = Sleeps()
    result = deliver(closed_url, sleeps)
    assert not result.delivered
    assert result.attempts == 4 and result.status is None
    assert result.error is not None and result.error.startswith("unreachable: ")
    assert "Connection refused" in result.error or "ConnectionRefused" in result.error
    assert "127.0.0.1" not in result.error  # a webhook URL is a credential: never reported
    assert sleeps == [1.0, 2.0, 4.0]


def test_a_4xx_is_final_and_its_reason_reported(webhook: Webhook) -> None:
    webhook.answer("/hook", Reply(404, body=b"no_service"))
    result = deliver(webhook.url("/hook"), Sleeps())
    assert not result.delivered and result.attempts == 1
    assert result.error == "HTTP 404: no_service"
    assert len(webhook.at("/hook")) == 1


def test_a_redirect_is_not_followed(webhook: Webhook) -> None:
    webhook.answer("/old", Reply(302, {"Location": webhook.url("/new")}))
    result = deliver(webhook.url("/old"), Sleeps())
    assert not result.delivered and result.status == 302
    assert webhook.at("/new") == []  # urllib would have re-sent it as a GET without the body


def test_a_webhook_slower_than_the_request_timeout_counts_as_unreachable(
    webhook: Webhook,
) -> None:
    webhook.answer("/slow", Reply(delay=2.0))
    result = deliver(webhook.url("/slow"), Sleeps(), request_timeout_seconds=0.2, max_attempts=1)
    assert not result.delivered and result.attempts == 1
    assert result.error is not None and "timed out" in result.error
