"""A first deployment of the seed's scorekeep spec builds the complete architecture."""

from __future__ import annotations

import boto3

from tests.support.architecture import assert_complete_architecture
from tests.support.moto_stack import ACCOUNT, MotoStack, example


def test_scorekeep_greenfield_yields_the_seed_complete_architecture(
    stack: MotoStack, aws: boto3.Session
) -> None:
    state = stack.deploy(example("scorekeep.yaml"))
    assert_complete_architecture(
        aws.client, state["steps"]["network"], state["steps"]["loadBalancer"]
    )
    service = aws.client("ecs").describe_services(cluster="ecsdrop", services=["scorekeep"])
    assert service["services"][0]["desiredCount"] == 2
    task = aws.client("ecs").describe_task_definition(
        taskDefinition=service["services"][0]["taskDefinition"]
    )["taskDefinition"]
    assert (task["cpu"], task["memory"]) == ("1024", "2048")
    assert task["executionRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/ecsdrop-task-execution"


def test_a_successful_deployment_is_recorded_announced_and_unlocked(stack: MotoStack) -> None:
    state = stack.deploy(example("scorekeep.yaml"))
    status = stack.status_object("scorekeep")
    assert status["state"] == "SUCCEEDED"
    assert status["taskDefinition"]["revision"] == 1
    assert status["loadBalancerDnsName"] == state["steps"]["loadBalancer"]["dnsName"]
    assert [e["detail"]["state"] for e in stack.published()] == ["STARTED", "SUCCEEDED"]
    assert stack.runtime.store.lock_holder("scorekeep") is None
    current = stack.runtime.store.get_state("scorekeep")
    assert current is not None
    assert current["specVersionId"] == state["deployment"]["spec_version_id"]
    followed = stack.runtime.store.services_following("scorekeep-api", "latest")
    assert [(f["service"], f["container"]) for f in followed] == [("scorekeep", "scorekeep-api")]
