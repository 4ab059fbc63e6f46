"""Nothing lost between events: an event its consumer fails on every attempt waits in that
consumer's dead-letter queue, whole, and `ecsdrop redrive` replays it to success."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from ecsdrop_cli.deploy_commands import started_by_upload, upload
from tests.e2e.chat.conftest import ChatPipeline
from tests.e2e.pipeline.conftest import scorekeep, wait_until


@pytest.fixture
def faults_cleared(chat: ChatPipeline) -> Iterator[None]:
    yield
    chat.cloud.clear_faults()


def dead_letter_queues(chat: ChatPipeline) -> dict[str, str]:
    """{queue URL: consumer ARN}, from the stack's output."""
    return dict(json.loads(chat.cloud.outputs["DeadLetterQueues"]))


def queue_of(chat: ChatPipeline, consumer_id: str) -> str:
    """The URL of the dead-letter queue of a consumer (its logical id)."""
    queues = dead_letter_queues(chat)
    sqs = chat.client("sqs")
    for url in queues:
        tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        if tags.get("ecsdrop:dead-letters-of") == consumer_id:
            return url
    raise AssertionError(f"no dead-letter queue for {consumer_id}: {queues}")


def peek(chat: ChatPipeline, url: str) -> list[dict[str, Any]]:
    """The queue's waiting messages, left waiting."""
    return list(
        chat.client("sqs")
        .receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"]
        )
        .get("Messages", [])
    )


def waiting(chat: ChatPipeline, url: str) -> int:
    attributes = chat.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_every_asynchronous_consumer_has_an_encrypted_bounded_dead_letter_queue(
    chat: ChatPipeline,
) -> None:
    queues = dead_letter_queues(chat)
    assert len(queues) == 6
    sqs = chat.client("sqs")
    for url in queues:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["SqsManagedSseEnabled"] == "true", url
        assert attributes["MessageRetentionPeriod"] == "1209600", url  # 14 days
    alarms = chat.client("cloudwatch").describe_alarms()["MetricAlarms"]
    watched = {
        dimension["Value"]
        for alarm in alarms
        if alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        for dimension in alarm["Dimensions"]
    }
    assert watched == {url.rsplit("/", 1)[-1] for url in queues}


def test_an_ecr_push_the_trigger_fails_on_every_attempt_waits_in_its_queue_then_redrives(
    chat: ChatPipeline, faults_cleared: None
) -> None:
    chat.push("dlq-api", "latest", "one")
    spec = scorekeep("dlq", **{"scorekeep-api:latest": "dlq-api:latest"})
    assert chat.submit(spec, "dlq")["status"] == "SUCCEEDED"
    queue = queue_of(chat, "EcrTriggerFunction")
    # the trigger's lookup of the services following the tag fails, whatever it retries
    chat.cloud.add_fault(
        {"api": "dynamodb:Query", "error": "InternalServerError", "body": "*GSI1*"}
    )

    digest = chat.push("dlq-api", "latest", "two")

    assert wait_until(lambda: peek(chat, queue) != [], 60)
    (message,) = peek(chat, queue)
    event = json.loads(message["Body"])
    assert (event["source"], event["detail"]["repository-name"]) == ("aws.ecr", "dlq-api")
    assert event["detail"]["image-digest"] == digest
    assert "InternalServerError" in message["MessageAttributes"]["ErrorMessage"]["StringValue"]
    trigger = [f for f in chat.cloud.async_failures() if "EcrTrigger" in f["function"]]
    assert [f["outcome"] for f in trigger][-1] == "dead-lettered"
    assert trigger[-1]["invocations"] == 3  # the first attempt and Lambda's two retries
    assert not [i for i in chat.executions_of("dlq") if i.get("redeploy")]

    chat.cloud.clear_faults()
    assert chat.cli("redrive") == 0

    redeploy = chat.follow(
        lambda started: (started.get("redeploy") or {}).get("service") == "dlq", "dlq"
    )
    assert redeploy["status"] == "SUCCEEDED", redeploy
    assert waiting(chat, queue) == 0
    assert chat.cli("redrive") == 0  # nothing left: nothing replayed twice
    assert len([i for i in chat.executions_of("dlq") if i.get("redeploy")]) == 1


def test_a_spec_upload_eventbridge_could_not_deliver_waits_in_its_queue_then_redrives(
    chat: ChatPipeline, faults_cleared: None
) -> None:
    queue = queue_of(chat, "DeployStateMachine")
    chat.cloud.add_fault(
        {
            "api": "states:StartExecution",
            "error": "ServiceUnavailable",
            "status": 503,
            "user-agent": "events.amazonaws.com",
        }
    )
    key = "specs/dlq-upload.yaml"

    version = upload(chat.stack, key, scorekeep("dlq-upload").encode())

    assert wait_until(lambda: peek(chat, queue) != [], 60)
    (message,) = peek(chat, queue)
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "ServiceUnavailable"
    assert attributes["TARGET_ARN"] == chat.stack.state_machine_arn
    assert json.loads(message["Body"])["detail"]["object"]["key"] == key
    assert chat.executions_of("dlq-upload") == []

    chat.cloud.clear_faults()
    assert chat.cli("redrive", "--queue", queue.rsplit("/", 1)[-1]) == 0

    result = chat.follow(started_by_upload(key, version), "dlq-upload")
    assert result["status"] == "SUCCEEDED", result
    assert waiting(chat, queue) == 0


def test_a_replay_that_fails_again_keeps_its_message_and_exits_1(
    chat: ChatPipeline, faults_cleared: None, capsys: pytest.CaptureFixture[str]
) -> None:
    queue = queue_of(chat, "EcrTriggerFunction")
    event = {
        "version": "0",
        "id": "replayed-and-failing",
        "source": "aws.ecr",
        "detail-type": "ECR Image Action",
        "detail": {
            "action-type": "PUSH",
            "result": "SUCCESS",
            "repository-name": "dlq-api",
            "image-tag": "latest",
            "image-digest": "sha256:" + "0" * 64,
        },
    }
    chat.client("sqs").send_message(QueueUrl=queue, MessageBody=json.dumps(event))
    chat.cloud.add_fault(
        {"api": "dynamodb:Query", "error": "InternalServerError", "body": "*GSI1*"}
    )
    capsys.readouterr()

    code = chat.cli("redrive", "--queue", queue)

    assert code == 1
    out = capsys.readouterr().out
    assert "failed (the function failed again" in out
    assert waiting(chat, queue) == 1  # still there for the next redrive
    chat.cloud.clear_faults()
    chat.client("sqs").purge_queue(QueueUrl=queue)


def test_redrive_refuses_a_queue_that_is_not_the_stacks_naming_those_that_are(
    chat: ChatPipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    assert chat.cli("redrive", "--queue", "not-a-dead-letter-queue") == 2

    err = capsys.readouterr().err
    assert "not-a-dead-letter-queue is not one of the stack's dead-letter queues" in err
    assert queue_of(chat, "NotifierFunction").rsplit("/", 1)[-1] in err


def test_a_dry_run_lists_what_waits_and_replays_nothing(
    chat: ChatPipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    queue = queue_of(chat, "ScheduledRunsFunction")
    chat.client("sqs").send_message(QueueUrl=queue, MessageBody='{"detail": {}}')
    capsys.readouterr()

    code = chat.cli("redrive", "--queue", queue, "--dry-run")

    out = capsys.readouterr().out
    assert code == 0
    assert ": waiting" in out and "nothing replayed: --dry-run" in out
    assert waiting(chat, queue) == 1
    chat.client("sqs").purge_queue(QueueUrl=queue)
