"""functions/notifier/app.py fed the sample events of events/, its secret in moto's Secrets
Manager, posting to a real webhook on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from ecsdrop.errors import ConfigurationError, DestinationsConfigError, NotFoundError
from ecsdrop.notify.once import event_identity
from tests.integration.notify.support import Sleeps, Webhook, warm_runtime
from tests.support.moto_stack import TABLE, real_event
from tests.support.webhook import Reply
from tests.unit.notify.samples import problems, shape

SHAPES = {
    "slack": shape("slack-block-kit"),
    "teams": shape("adaptive-card-teams"),
    "googlechat": shape("google-chat-cards-v2"),
    "discord": shape("discord-webhook"),
}
SUCCEEDED = "deployment-state-change-succeeded.json"
ROLLED_BACK = "deployment-state-change-rolled-back.json"


def every_type(webhook: Webhook) -> list[dict[str, Any]]:
    return [
        {"name": kind, "type": kind, "url": webhook.url(f"/{kind}")}
        for kind in ("slack", "teams", "googlechat", "discord", "json")
    ]


def test_a_success_event_reaches_every_destination_type_in_its_documented_shape(
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    notifier_env: Callable[[str], None],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    notifier_env(destinations_secret(*every_type(webhook)))

    report = invoke_notifier(real_event(SUCCEEDED))

    assert report == {
        "state": "SUCCEEDED",
        "service": "scorekeep",
        "deploymentId": "0b6d1c3e-9f2a-4e55-8c1d-2a7f3e9b5d41",
        "delivered": ["slack", "teams", "googlechat", "discord", "json"],
        "failed": [],
        "notForThem": [],
        "skipped": None,
    }
    for kind, validator in SHAPES.items():
        (received,) = webhook.at(f"/{kind}")
        assert problems(validator, received.body) == [], kind
    (generic,) = webhook.at("/json")
    assert generic.body["detail"] == real_event(SUCCEEDED)["detail"]


def test_a_rolled_back_event_carries_its_cause_to_chat(
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    notifier_env: Callable[[str], None],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    notifier_env(destinations_secret(*every_type(webhook)))

    invoke_notifier(real_event(ROLLED_BACK))

    cause = real_event(ROLLED_BACK)["detail"]["cause"]
    for kind in ("slack", "teams", "googlechat", "discord", "json"):
        (received,) = webhook.at(f"/{kind}")
        assert cause in json.dumps(received.body, ensure_ascii=False), kind


def test_a_destination_that_is_down_does_not_fail_the_invocation(
    aws: boto3.Session,
    webhook: Webhook,
    closed_url: str,
    destinations_secret: Callable[..., str],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    arn = destinations_secret(
        {"name": "down", "type": "slack", "url": closed_url},
        {"name": "up", "type": "discord", "url": webhook.url("/up")},
    )
    sleeps = Sleeps()

    report = invoke_notifier(real_event(ROLLED_BACK), warm_runtime(aws, arn, sleeps))

    assert report["delivered"] == ["up"]
    (down,) = report["failed"]
    assert down["destination"] == "down" and down["attempts"] == 4
    assert down["error"].startswith("unreachable: ")
    assert sleeps == [1.0, 2.0, 4.0]
    assert len(webhook.at("/up")) == 1


def test_a_no_op_or_unknown_state_posts_nothing(
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    notifier_env: Callable[[str], None],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    notifier_env(destinations_secret(*every_type(webhook)))
    event = real_event(SUCCEEDED)
    event["detail"]["state"] = "NOOP"

    report = invoke_notifier(event)

    assert report["skipped"] == "not a state that is announced"
    assert webhook.received == []


def test_an_invalid_secret_fails_loudly_naming_the_problem(
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    notifier_env: Callable[[str], None],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    arn = destinations_secret({"name": "chat", "type": "slak", "url": webhook.url("/x")})
    notifier_env(arn)

    with pytest.raises(DestinationsConfigError) as raised:
        invoke_notifier(real_event(SUCCEEDED))

    assert str(raised.value) == (
        f"secret {arn} is not a valid destinations secret:\n"
        "  destinations[0].type: must be one of slack, teams, googlechat, discord, json"
    )
    assert webhook.received == []


def test_a_missing_secret_is_a_clear_aws_error(
    notifier_env: Callable[[str], None],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    notifier_env("arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf")
    with pytest.raises(NotFoundError, match="secretsmanager:GetSecretValue: ResourceNotFound"):
        invoke_notifier(real_event(SUCCEEDED))


def test_a_missing_environment_variable_is_named(
    monkeypatch: pytest.MonkeyPatch, invoke_notifier: Callable[..., dict[str, Any]]
) -> None:
    monkeypatch.delenv("DESTINATIONS_SECRET_ARN", raising=False)
    with pytest.raises(ConfigurationError, match="DESTINATIONS_SECRET_ARN"):
        invoke_notifier(real_event(SUCCEEDED))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_warm_container_rereads_the_secret_only_after_its_cache_expires(
    aws: boto3.Session,
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    arn = destinations_secret({"name": "old", "type": "json", "url": webhook.url("/old")})
    clock = Clock()
    runtime = warm_runtime(
        aws, arn, Sleeps(), clock=clock, env={"DESTINATIONS_CACHE_SECONDS": "60"}
    )
    event = real_event(SUCCEEDED)
    assert invoke_notifier(event, runtime)["delivered"] == ["old"]

    aws.client("secretsmanager").put_secret_value(
        SecretId=arn,
        SecretString=json.dumps(
            {"destinations": [{"name": "new", "type": "json", "url": webhook.url("/new")}]}
        ),
    )
    clock.now += 30
    assert invoke_notifier(event, runtime)["delivered"] == ["old"]  # still cached
    clock.now += 30
    assert invoke_notifier(event, runtime)["delivered"] == ["new"]


def test_the_same_event_delivered_three_times_posts_once_to_each_destination(
    aws: boto3.Session,
    stack: Any,  # its state table holds the post records
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    arn = destinations_secret(
        {"name": "team", "type": "slack", "url": webhook.url("/team")},
        {"name": "audit", "type": "json", "url": webhook.url("/audit")},
    )
    runtime = warm_runtime(aws, arn, Sleeps(), env={"TABLE_NAME": TABLE})
    event = real_event(SUCCEEDED)
    republished = {**event, "id": "another-eventbridge-id"}  # a retried Finish's new event

    first = invoke_notifier(event, runtime)
    again = [invoke_notifier(e, runtime) for e in (event, republished)]

    assert first["delivered"] == ["team", "audit"]
    assert [r["delivered"] for r in again] == [["team", "audit"], ["team", "audit"]]
    assert (len(webhook.at("/team")), len(webhook.at("/audit"))) == (1, 1)


def test_a_post_that_failed_is_made_by_the_next_delivery_and_only_then(
    aws: boto3.Session,
    stack: Any,  # its state table holds the post records
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    webhook.answer("/team", *[Reply(status=500)] * 4)  # every attempt of the first delivery
    arn = destinations_secret({"name": "team", "type": "slack", "url": webhook.url("/team")})
    runtime = warm_runtime(aws, arn, Sleeps(), env={"TABLE_NAME": TABLE})
    event = real_event(ROLLED_BACK)

    failed = invoke_notifier(event, runtime)
    retried = invoke_notifier(event, runtime)
    third = invoke_notifier(event, runtime)

    assert failed["failed"][0]["status"] == 500
    assert retried["delivered"] == ["team"]
    assert third["delivered"] == ["team"]
    assert len(webhook.at("/team")) == 5  # the first delivery's 4 attempts, then 1 post


def test_each_stage_of_a_rollout_is_its_own_post() -> None:
    detail = {"deploymentId": "run-1", "state": "ROLLING_OUT", "stage": "PRODUCTION_TRAFFIC_SHIFT"}
    steps = [
        event_identity({"id": str(n), "detail": {**detail, "progress": f"traffic shifted {p} %"}})
        for n, p in enumerate((25, 50, 25))
    ]
    assert steps[0] != steps[1]
    assert steps[0] == steps[2]  # the same step announced again is the same post
    assert event_identity({"id": "e-1", "detail": {"state": "RUN_FAILED"}})["run"] == "e-1"
