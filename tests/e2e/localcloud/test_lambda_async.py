"""Lambda's asynchronous invocations in the local cloud: retried as AWS retries them, and an
event that fails every attempt lands in the function's dead-letter queue, whole."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from localcloud import LocalCloud
from tests.e2e.localcloud.conftest import poll
from tests.support.iam import trust_policy

# Fails until the file named by the event holds `succeed_after` lines: each attempt adds one.
HANDLER = """
import json, pathlib
def handler(event, context):
    marks = pathlib.Path(event["marks"])
    with marks.open("a") as out:
        out.write("attempt\\n")
    if len(marks.read_text().splitlines()) <= event["fail_times"]:
        raise RuntimeError("the downstream said no")
    return {"ok": True}
"""


@pytest.fixture(scope="module")
def cloud(new_cloud: Callable[..., LocalCloud]) -> Iterator[LocalCloud]:
    with new_cloud() as running:
        yield running


def queue(cloud: LocalCloud, name: str) -> tuple[str, str]:
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def function(
    cloud: LocalCloud, name: str, dead_letters: str, *, retries: int, may_send: bool = True
) -> str:
    iam = cloud.client("iam")
    iam.create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com")
    )
    if may_send:
        iam.put_role_policy(
            RoleName=f"{name}-role",
            PolicyName="dead-letters",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dead_letters}
                    ],
                }
            ),
        )
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", HANDLER)
    lam = cloud.client("lambda")
    arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=f"arn:aws:iam::{cloud.account_id}:role/{name}-role",
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
        DeadLetterConfig={"TargetArn": dead_letters},
    )["FunctionArn"]
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=retries)
    return str(arn)


def invoke_async(cloud: LocalCloud, name: str, event: dict[str, Any]) -> None:
    answer = cloud.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps(event).encode()
    )
    assert answer["StatusCode"] == 202


def received(cloud: LocalCloud, url: str) -> list[dict[str, Any]]:
    return list(
        cloud.client("sqs")
        .receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
        )
        .get("Messages", [])
    )


def outcomes(cloud: LocalCloud, name: str) -> list[tuple[int, str]]:
    return [
        (e["invocations"], e["outcome"]) for e in cloud.async_failures() if e["function"] == name
    ]


def test_an_event_that_fails_every_attempt_lands_in_the_dead_letter_queue_whole(
    cloud: LocalCloud, tmp_path: Any
) -> None:
    url, arn = queue(cloud, "always-fails-dlq")
    function(cloud, "always-fails", arn, retries=2)
    assert cloud.client("lambda").get_function_configuration(FunctionName="always-fails")[
        "DeadLetterConfig"
    ] == {"TargetArn": arn}
    event = {"marks": str(tmp_path / "marks"), "fail_times": 99, "detail": {"tag": "v2"}}

    invoke_async(cloud, "always-fails", event)

    (message,) = poll(lambda: received(cloud, url), timeout=30, what="the dead letter")
    assert json.loads(message["Body"]) == event
    attributes = message["MessageAttributes"]
    assert attributes["ErrorMessage"]["StringValue"] == "the downstream said no"
    assert attributes["ErrorCode"]["DataType"] == "Number"
    assert attributes["RequestID"]["StringValue"]
    assert (tmp_path / "marks").read_text().splitlines() == ["attempt"] * 3  # 1 + 2 retries
    assert outcomes(cloud, "always-fails") == [
        (1, "retrying"),
        (2, "retrying"),
        (3, "dead-lettered"),
    ]


def test_a_retry_that_succeeds_sends_nothing_to_the_dead_letter_queue(
    cloud: LocalCloud, tmp_path: Any
) -> None:
    url, arn = queue(cloud, "fails-once-dlq")
    function(cloud, "fails-once", arn, retries=2)

    invoke_async(cloud, "fails-once", {"marks": str(tmp_path / "marks"), "fail_times": 1})

    poll(
        lambda: (
            len((tmp_path / "marks").read_text().splitlines()) == 2
            if (tmp_path / "marks").exists()
            else False
        ),
        timeout=30,
        what="the retry",
    )
    assert outcomes(cloud, "fails-once") == [(1, "retrying")]
    assert received(cloud, url) == []


def test_no_retry_configured_means_one_attempt_then_the_queue(
    cloud: LocalCloud, tmp_path: Any
) -> None:
    url, arn = queue(cloud, "no-retry-dlq")
    function(cloud, "no-retry", arn, retries=0)

    invoke_async(cloud, "no-retry", {"marks": str(tmp_path / "marks"), "fail_times": 99})

    poll(lambda: received(cloud, url), timeout=30, what="the dead letter")
    assert (tmp_path / "marks").read_text().splitlines() == ["attempt"]


def test_a_role_that_may_not_send_to_the_queue_loses_the_event_as_in_aws(
    cloud: LocalCloud, tmp_path: Any
) -> None:
    url, arn = queue(cloud, "unsendable-dlq")
    function(cloud, "unsendable", arn, retries=0, may_send=False)

    invoke_async(cloud, "unsendable", {"marks": str(tmp_path / "marks"), "fail_times": 99})

    poll(lambda: outcomes(cloud, "unsendable"), timeout=30, what="the failure")
    assert outcomes(cloud, "unsendable") == [(1, "dropped")]
    assert received(cloud, url) == []


# -- EventBridge's own delivery to a target ------------------------------------------------------


def rule_to_queue(cloud: LocalCloud, name: str, *, retries: int) -> tuple[str, str]:
    """A rule on the default bus for `source: ["test.<name>"]` whose target is a queue, with
    a dead-letter queue; (the target's URL, the dead-letter queue's URL)."""
    target_url, target_arn = queue(cloud, f"{name}-target")
    dlq_url, dlq_arn = queue(cloud, f"{name}-dlq")
    events = cloud.client("events")
    events.put_rule(Name=name, EventPattern=json.dumps({"source": [f"test.{name}"]}))
    events.put_targets(
        Rule=name,
        Targets=[
            {
                "Id": "queue",
                "Arn": target_arn,
                "RetryPolicy": {"MaximumRetryAttempts": retries, "MaximumEventAgeInSeconds": 3600},
                "DeadLetterConfig": {"Arn": dlq_arn},
            }
        ],
    )
    return target_url, dlq_url


def put_event(cloud: LocalCloud, name: str) -> None:
    cloud.client("events").put_events(
        Entries=[{"Source": f"test.{name}", "DetailType": "Probe", "Detail": '{"n": 1}'}]
    )


def test_an_event_eventbridge_cannot_deliver_lands_in_the_targets_dead_letter_queue(
    cloud: LocalCloud,
) -> None:
    target, dead_letters = rule_to_queue(cloud, "undeliverable", retries=2)
    cloud.add_fault(
        {
            "api": "sqs:SendMessage",
            "error": "InternalFailure",
            "status": 500,
            "user-agent": "events.amazonaws.com",
        }
    )

    put_event(cloud, "undeliverable")

    (message,) = poll(lambda: received(cloud, dead_letters), timeout=30, what="the dead letter")
    body = json.loads(message["Body"])
    assert (body["source"], body["detail-type"], body["detail"]) == (
        "test.undeliverable",
        "Probe",
        {"n": 1},
    )
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "InternalFailure"
    assert attributes["RULE_ARN"].endswith(":rule/undeliverable")
    assert attributes["TARGET_ARN"].endswith(":undeliverable-target")
    assert received(cloud, target) == []


def test_a_delivery_that_fails_once_is_retried_and_arrives(cloud: LocalCloud) -> None:
    target, dead_letters = rule_to_queue(cloud, "flaky", retries=2)
    cloud.add_fault(
        {
            "api": "sqs:SendMessage",
            "error": "ThrottlingException",
            "times": 1,
            "user-agent": "events.amazonaws.com",
        }
    )

    put_event(cloud, "flaky")

    (message,) = poll(lambda: received(cloud, target), timeout=30, what="the retried delivery")
    assert json.loads(message["Body"])["source"] == "test.flaky"
    assert received(cloud, dead_letters) == []


def test_a_client_error_is_not_retried(cloud: LocalCloud) -> None:
    target, dead_letters = rule_to_queue(cloud, "refused", retries=5)
    cloud.add_fault(
        {
            "api": "sqs:SendMessage",
            "error": "AccessDenied",
            "status": 403,
            "times": 1,
            "user-agent": "events.amazonaws.com",
        }
    )

    put_event(cloud, "refused")

    poll(lambda: received(cloud, dead_letters), timeout=30, what="the dead letter")
    assert received(cloud, target) == []  # the fault was used once: no second attempt came
