"""The admission simulation drives ecsdrop's admission code against ECS's token buckets:
with it every deployment gets through near the throttling floor; with retries alone (the
code before admission) most give up, as the issue's model predicted."""

from __future__ import annotations

import pytest

from bench.admission_sim import floor_seconds, simulate, transient_retry


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def test_with_admission_every_service_succeeds_near_the_floor_without_throttling() -> None:
    result = simulate(300)
    assert result["succeeded"] == 300
    assert result["floor_seconds"] == floor_seconds(300)
    assert 1.0 <= result["ratio"] <= 1.2
    assert result["throttled_calls"] <= 150


def test_with_retries_alone_a_crowd_of_deployments_gives_up() -> None:
    result = simulate(300, admit=False)
    assert result["succeeded"] < 300
    assert result["throttled_calls"] > 300


def test_the_retry_policy_is_the_state_machines() -> None:
    policy = transient_retry("RegisterTaskDefinition")
    assert policy.attempts >= 1 and policy.interval > 0
