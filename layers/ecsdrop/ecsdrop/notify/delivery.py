"""Delivering one message to one destination: retries with backoff within a time budget.

429, 408 and 5xx answers and unreachable servers are retried, honouring ``Retry-After``
(seconds or an HTTP date); any other 4xx is final (a wrong URL, a payload the platform
refuses: retrying changes nothing). Whatever happens, the result is reported, never raised:
a chat outage must not fail anything else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ecsdrop.errors import WebhookUnreachable
from ecsdrop.notify.webhook import HttpReply

Poster = Callable[[str, bytes, float], HttpReply]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    request_timeout_seconds: float = 5.0
    max_attempts: int = 4
    first_backoff_seconds: float = 1.0
    max_backoff_seconds: float = 8.0
    # all attempts and waits for one destination, so a dead one cannot eat the others' time
    budget_seconds: float = 20.0

    def backoff(self, attempts: int) -> float:
        """1, 2, 4, 8... seconds. No jitter: one sender per event makes no thundering herd."""
        delay: float = self.first_backoff_seconds * 2 ** (attempts - 1)
        return min(delay, self.max_backoff_seconds)


@dataclass(frozen=True)
class DeliveryResult:
    destination: str
    type: str
    delivered: bool
    attempts: int
    status: int | None = None
    error: str | None = None
    repeated: bool = False  # posted by an earlier delivery of the same event: not again

    def to_json(self) -> dict[str, Any]:
        answer = {
            "destination": self.destination,
            "type": self.type,
            "delivered": self.delivered,
            "attempts": self.attempts,
            "status": self.status,
            "error": self.error,
        }
        return {**answer, "repeated": True} if self.repeated else answer


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to."""

    delivered: bool
    retryable: bool
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class Courier:
    """Posts with retries. The clocks and the sleep are injected so tests need not wait."""

    post: Poster
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    wall_clock: Callable[[], datetime] = field(default=_utc_now)
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def deliver(
        self, name: str, kind: str, url: str, body: bytes, deadline: float
    ) -> DeliveryResult:
        """POST ``body`` to ``url`` until it is accepted, the answer is final, the attempts
        are spent, or the next wait would end after ``deadline`` (a ``clock`` reading) or
        this destination's budget."""
        stop_at = min(self.clock() + self.policy.budget_seconds, deadline)
        attempts = 0
        while True:
            if self.clock() >= stop_at:
                return _result(name, kind, attempts, Outcome(False, False, error="out of time"))
            attempts += 1
            outcome = self._attempt(url, body, stop_at)
            if outcome.delivered or not outcome.retryable or attempts >= self.policy.max_attempts:
                return _result(name, kind, attempts, outcome)
            delay = self._delay(outcome, attempts)
            if self.clock() + delay > stop_at:
                gave_up = f"{outcome.error}; not retried: a wait of {delay:g}s would end too late"
                return _result(name, kind, attempts, Outcome(False, False, outcome.status, gave_up))
            self.sleep(delay)

    def _attempt(self, url: str, body: bytes, stop_at: float) -> Outcome:
        timeout = min(self.policy.request_timeout_seconds, stop_at - self.clock())
        try:
            reply = self.post(url, body, timeout)
        except WebhookUnreachable as e:
            return Outcome(False, True, error=f"unreachable: {e}")
        return classify(reply, self.wall_clock())

    def _delay(self, outcome: Outcome, attempts: int) -> float:
        if outcome.retry_after is not None:
            return outcome.retry_after
        return self.policy.backoff(attempts)


def classify(reply: HttpReply, now: datetime) -> Outcome:
    status = reply.status
    if 200 <= status < 300:
        return Outcome(True, False, status)
    error = f"HTTP {status}" + (f": {reply.body}" if reply.body else "")
    if status in (408, 429) or status >= 500:
        return Outcome(False, True, status, error, retry_after_seconds(reply.retry_after, now))
    if 300 <= status < 400:
        error += " (webhook URLs must not redirect: use the final URL)"
    return Outcome(False, False, status, error)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A ``Retry-After`` header as seconds to wait: delta-seconds or an HTTP date
    (RFC 9110 §10.2.3); None when absent or unreadable (then the backoff applies)."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until(text, now)
    return seconds if seconds >= 0 else None


def _seconds_until(http_date: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _result(name: str, kind: str, attempts: int, outcome: Outcome) -> DeliveryResult:
    return DeliveryResult(
        destination=name,
        type=kind,
        delivered=outcome.delivered,
        attempts=attempts,
        status=outcome.status,
        error=outcome.error,
    )
