"""Rate limits (token buckets) and the timestamped call log of the metering middleware."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from localcloud.metering import (
    CallLog,
    MeteringMiddleware,
    RateLimit,
    RateLimitSpecError,
    Throttle,
    TokenBucket,
    caller_of,
    throttle_error,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=1.0, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert not bucket.take(0.5)
    assert bucket.take(1.6)
    assert not bucket.take(1.7)


def test_throttle_refuses_only_limited_actions_and_counts_refusals() -> None:
    clock = Clock()
    throttle = Throttle({"ecs:RegisterTaskDefinition": {"rate": 1, "burst": 2}}, clock=clock)
    admitted = [throttle.admit("ecs:RegisterTaskDefinition") is None for _ in range(3)]
    assert admitted == [True, True, False]
    assert throttle.admit("ecs:UpdateService") is None
    clock.now += 1.0
    assert throttle.admit("ecs:RegisterTaskDefinition") is None
    assert throttle.refused() == {"ecs:RegisterTaskDefinition": 1}


def test_configuring_again_refills_the_buckets_and_forgets_refusals() -> None:
    throttle = Throttle({"ecs:UpdateService": {"rate": 5, "burst": 1}}, clock=Clock())
    throttle.admit("ecs:UpdateService")
    throttle.admit("ecs:UpdateService")
    throttle.configure({"ecs:UpdateService": RateLimit(rate=5, burst=1)})
    assert throttle.refused() == {}
    assert throttle.admit("ecs:UpdateService") is None


@pytest.mark.parametrize(
    ("action", "spec"),
    [
        ("UpdateService", {"rate": 1, "burst": 1}),
        ("ecs:UpdateService", {"rate": 1}),
        ("ecs:UpdateService", {"rate": 0, "burst": 1}),
        ("ecs:UpdateService", {"rate": "fast", "burst": 1}),
    ],
)
def test_malformed_rate_limits_are_refused(action: str, spec: dict[str, Any]) -> None:
    with pytest.raises(RateLimitSpecError):
        Throttle({action: spec})


def test_each_service_throttles_with_its_own_error() -> None:
    limit = RateLimit(rate=1, burst=1)
    assert throttle_error("ecs:UpdateService", limit) == ("ThrottlingException", 400)
    assert throttle_error("ec2:CreateVpc", limit) == ("RequestLimitExceeded", 503)
    assert throttle_error("elasticloadbalancing:CreateRule", limit) == ("Throttling", 400)
    custom = RateLimit(rate=1, burst=1, error="SlowDown", status=503)
    assert throttle_error("ecs:UpdateService", custom) == ("SlowDown", 503)


def _ecs_request(action: str, access_key: str = "AKIDBENCH") -> dict[str, Any]:
    body = b"{}"
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-amz-json-1.1",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_AMZ_TARGET": f"AmazonEC2ContainerServiceV20141113.{action}",
        "HTTP_AUTHORIZATION": (
            f"AWS4-HMAC-SHA256 Credential={access_key}/20260101/us-east-1/ecs/aws4_request, "
            "SignedHeaders=host, Signature=abc"
        ),
        "wsgi.input": io.BytesIO(body),
    }


def test_the_middleware_logs_each_call_and_answers_throttling_as_ecs_does() -> None:
    reached: list[str] = []

    def moto(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        reached.append(environ["HTTP_X_AMZ_TARGET"])
        start_response("200 OK", [])
        return [b"{}"]

    log = CallLog()
    throttle = Throttle({"ecs:UpdateService": {"rate": 0.001, "burst": 1}})
    middleware = MeteringMiddleware(moto, log=log, throttle=throttle)
    statuses: list[str] = []
    bodies = [
        b"".join(middleware(_ecs_request("UpdateService"), lambda s, h: statuses.append(s)))
        for _ in range(2)
    ]
    assert len(reached) == 1
    assert statuses[1].startswith("400")
    assert json.loads(bodies[1])["__type"] == "ThrottlingException"
    entries = log.entries()
    assert [(e.name, e.caller, e.throttled) for e in entries] == [
        ("ecs:UpdateService", "AKIDBENCH", False),
        ("ecs:UpdateService", "AKIDBENCH", True),
    ]
    assert entries[0].at <= entries[1].at


def test_the_log_keeps_only_the_most_recent_calls() -> None:
    log = CallLog(capacity=2)
    middleware = MeteringMiddleware(lambda environ, start: [b""], log=log, throttle=Throttle())
    for action in ("ListClusters", "ListServices", "DescribeServices"):
        list(middleware(_ecs_request(action), lambda s, h: None))
    assert [entry.name for entry in log.entries()] == ["ecs:ListServices", "ecs:DescribeServices"]


def test_unsigned_requests_have_no_caller() -> None:
    assert caller_of({}) == ""
    assert caller_of(_ecs_request("ListClusters", "AKIDPEER")) == "AKIDPEER"
