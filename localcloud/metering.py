"""A timestamped log of API calls and per-action rate limits (token buckets), for benchmarks.

`MeteringMiddleware` sits between the fault/counting middleware and moto: every signed
request that reaches it is logged with its wall-clock time and its caller (the access key id
of its signature, so a benchmark can tell its own calls from the pipeline's), and a request
over its action's rate limit is answered as AWS answers it (ECS: `ThrottlingException`,
HTTP 400) without reaching moto.

Rate limits are written `{"ecs:RegisterTaskDefinition": {"rate": 1, "burst": 20}}`: `rate`
tokens per second refill a bucket of `burst` tokens, one per call, as the AWS services
describe their API throttling. Optional `error`/`status` override the error answered.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from localcloud.api_calls import identify_call
from localcloud.error_responses import render_error, send_error
from localcloud.errors import LocalCloudError

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
_CALLS_KEPT = 200_000
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")
# What each service answers when it throttles: (error code, HTTP status).
_THROTTLE_ERROR_BY_SERVICE = {
    "ec2": ("RequestLimitExceeded", 503),
    "elasticloadbalancing": ("Throttling", 400),
    "s3": ("SlowDown", 503),
    "dynamodb": ("ThrottlingException", 400),
    "lambda": ("TooManyRequestsException", 429),
}
_DEFAULT_THROTTLE_ERROR = ("ThrottlingException", 400)


class RateLimitSpecError(LocalCloudError):
    """A rate limit is written wrongly."""


@dataclass(frozen=True)
class LoggedCall:
    """One API request as it reached the emulator."""

    at: float  # time.time() when it arrived
    name: str  # "service:Action"
    caller: str  # access key id of the request's signature ("" when unsigned)
    throttled: bool


class CallLog:
    """The most recent API calls, oldest first (bounded, so a long-running cloud stays small)."""

    def __init__(self, capacity: int = _CALLS_KEPT) -> None:
        self._calls: deque[LoggedCall] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def record(self, call: LoggedCall) -> None:
        with self._lock:
            self._calls.append(call)

    def entries(self) -> list[LoggedCall]:
        with self._lock:
            return list(self._calls)

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()


@dataclass(frozen=True)
class RateLimit:
    """`rate` calls per second sustained, `burst` at once; answered with `error`/`status`."""

    rate: float
    burst: int
    error: str | None = None
    status: int | None = None

    @classmethod
    def parse(cls, action: str, spec: RateLimit | Mapping[str, Any]) -> RateLimit:
        if ":" not in action:
            raise RateLimitSpecError(f"rate limit {action!r}: write it as service:Action")
        if isinstance(spec, RateLimit):
            return spec
        try:
            limit = cls(
                rate=float(spec["rate"]),
                burst=int(spec["burst"]),
                error=spec.get("error"),
                status=int(spec["status"]) if spec.get("status") is not None else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise RateLimitSpecError(
                f"rate limit {action!r}: expected {{rate: N, burst: N}}, got {dict(spec)!r}"
            ) from error
        if limit.rate <= 0 or limit.burst < 1:
            raise RateLimitSpecError(f"rate limit {action!r}: rate > 0 and burst >= 1 required")
        return limit


class TokenBucket:
    """`burst` tokens, refilled at `rate` per second; a call takes one or is refused."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._updated = now

    def take(self, now: float) -> bool:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self._burst, self._tokens + elapsed * self._rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class Throttle:
    """One token bucket per rate-limited `service:Action`; counts what it refused."""

    def __init__(
        self,
        limits: Mapping[str, RateLimit | Mapping[str, Any]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._limits: dict[str, RateLimit] = {}
        self._buckets: dict[str, TokenBucket] = {}
        self._refused: Counter[str] = Counter()
        self.configure(limits or {})

    def configure(self, limits: Mapping[str, RateLimit | Mapping[str, Any]]) -> None:
        """Replace every limit (full buckets) and forget what was refused."""
        parsed = {action: RateLimit.parse(action, spec) for action, spec in limits.items()}
        now = self._clock()
        with self._lock:
            self._limits = parsed
            self._buckets = {
                action: TokenBucket(limit.rate, limit.burst, now)
                for action, limit in parsed.items()
            }
            self._refused.clear()

    def limits(self) -> dict[str, RateLimit]:
        with self._lock:
            return dict(self._limits)

    def admit(self, action: str) -> RateLimit | None:
        """None when the call may proceed; else the limit it broke (the call is refused)."""
        with self._lock:
            bucket = self._buckets.get(action)
            if bucket is None or bucket.take(self._clock()):
                return None
            self._refused[action] += 1
            return self._limits[action]

    def refused(self) -> dict[str, int]:
        """Calls refused so far, by `service:Action`."""
        with self._lock:
            return dict(sorted(self._refused.items()))


def throttle_error(action: str, limit: RateLimit) -> tuple[str, int]:
    """The error code and HTTP status the service answers when `limit` is exceeded."""
    default_error, default_status = _THROTTLE_ERROR_BY_SERVICE.get(
        action.split(":", 1)[0], _DEFAULT_THROTTLE_ERROR
    )
    return limit.error or default_error, limit.status or default_status


def caller_of(environ: Mapping[str, Any]) -> str:
    """The access key id that signed the request, in its header or as a presigned URL ("" when
    it is not signed)."""
    match = _ACCESS_KEY.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1)
    presigned = parse_qs(str(environ.get("QUERY_STRING", ""))).get("X-Amz-Credential") or [""]
    return presigned[0].split("/", 1)[0]


class MeteringMiddleware:
    """Logs every API call with its time and caller, and applies the rate limits."""

    def __init__(self, app: WsgiApp, *, log: CallLog, throttle: Throttle) -> None:
        self._app = app
        self._log = log
        self._throttle = throttle

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        call = identify_call(environ)
        if call is None:
            return self._app(environ, start_response)
        broken = self._throttle.admit(call.name)
        self._log.record(LoggedCall(time.time(), call.name, caller_of(environ), broken is not None))
        if broken is None:
            return self._app(environ, start_response)
        code, status = throttle_error(call.name, broken)
        error = render_error(call.protocol, code, "Rate exceeded", status)
        return send_error(start_response, error, "Throttled")
