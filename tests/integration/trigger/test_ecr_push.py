"""An ECR push redeploys the services following that repository and tag, pinned to the digest."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest

from ecsdrop.aws.executions import Executions
from ecsdrop.deploy.trigger import on_image_push
from tests.support.moto_stack import ACCOUNT, REGION, MotoStack, example, real_event


@pytest.fixture
def executions(aws: boto3.Session) -> Executions:
    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="ecsdrop-deploy",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
    )["stateMachineArn"]
    return Executions(sfn, arn)


def push_event(repository: str, tag: str, digest: str) -> dict[str, Any]:
    event = copy.deepcopy(real_event("ecr-image-push.json"))
    event["detail"].update(
        {"repository-name": repository, "image-tag": tag, "image-digest": digest}
    )
    return event


def started(aws: boto3.Session, executions: Executions) -> list[dict[str, Any]]:
    sfn = aws.client("stepfunctions")
    arn = executions._arn  # the test owns the state machine
    listed = sfn.list_executions(stateMachineArn=arn)["executions"]
    return [
        json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"]) for e in listed
    ]


def test_a_push_of_a_followed_tag_starts_a_redeploy_pinned_to_the_digest(
    stack: MotoStack, aws: boto3.Session, executions: Executions
) -> None:
    deployed = stack.deploy(example("scorekeep.yaml"))
    digest = stack.push_image("scorekeep-api", "latest", "api-2")
    rt = stack.runtime
    done = on_image_push(
        push_event("scorekeep-api", "latest", digest),
        rt.store,
        executions,
        rt.installation,
        rt.bucket,
    )
    assert [d["result"] for d in done] == ["started"]
    (request,) = started(aws, executions)
    redeploy = request["redeploy"]
    assert redeploy["service"] == "scorekeep"
    assert redeploy["specKey"] == "specs/scorekeep.yaml"
    assert redeploy["specVersionId"] == deployed["deployment"]["spec_version_id"]
    registry = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
    assert redeploy["imageOverrides"] == {"scorekeep-api": f"{registry}/scorekeep-api@{digest}"}
    assert redeploy["trigger"]["type"] == "ecr-push"


def test_the_same_push_delivered_twice_redeploys_once(
    stack: MotoStack, aws: boto3.Session, executions: Executions
) -> None:
    stack.deploy(example("scorekeep.yaml"))
    digest = stack.push_image("scorekeep-api", "latest", "api-2")
    rt = stack.runtime
    event = push_event("scorekeep-api", "latest", digest)
    on_image_push(event, rt.store, executions, rt.installation, rt.bucket)
    on_image_push(event, rt.store, executions, rt.installation, rt.bucket)
    assert len(started(aws, executions)) == 1


def test_a_push_nobody_follows_does_nothing(
    stack: MotoStack, aws: boto3.Session, executions: Executions
) -> None:
    stack.deploy(example("scorekeep.yaml"))
    rt = stack.runtime
    for event in (
        push_event("scorekeep-api", "v2", "sha256:" + "b" * 64),  # another tag
        push_event("unrelated", "latest", "sha256:" + "c" * 64),  # another repository
    ):
        assert on_image_push(event, rt.store, executions, rt.installation, rt.bucket) == []
    assert started(aws, executions) == []


def test_a_push_of_the_digest_already_running_is_skipped(
    stack: MotoStack, executions: Executions
) -> None:
    deployed = stack.deploy(example("scorekeep.yaml"))
    running = deployed["steps"]["taskDefinition"]["images"]["scorekeep-api"]
    digest = running.split("@", 1)[1]
    rt = stack.runtime
    done = on_image_push(
        push_event("scorekeep-api", "latest", digest),
        rt.store,
        executions,
        rt.installation,
        rt.bucket,
    )
    assert done == [
        {"service": "scorekeep", "result": "skipped", "reason": "already runs this digest"}
    ]


def test_a_redeploy_request_loads_the_recorded_spec_with_the_new_image(stack: MotoStack) -> None:
    from ecsdrop.deploy.load import load

    deployed = stack.deploy(example("scorekeep.yaml"))
    rt = stack.runtime
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/scorekeep-api@sha256:{'d' * 64}"
    request = {
        "redeploy": {
            "service": "scorekeep",
            "specKey": "specs/scorekeep.yaml",
            "specVersionId": deployed["deployment"]["spec_version_id"],
            "imageOverrides": {"scorekeep-api": image},
            "trigger": {"type": "ecr-push"},
        }
    }
    state = load(request, stack.execution(), rt.bucket, rt.guardrails, rt.installation)
    images = {c["name"]: c["image"] for c in state.spec.task_definition["containerDefinitions"]}
    assert images["scorekeep-api"] == image
    assert state.deployment.spec_digest != deployed["deployment"]["spec_digest"]
