"""Ownership and deletion, step by step under moto: what the Lock step refuses, and what a
deleted spec's teardown removes, keeps and reports."""

from __future__ import annotations

import boto3

from tests.support.architecture import tagged_resources
from tests.support.moto_stack import MotoStack, example


def with_policy(policy: str) -> str:
    return example("scorekeep.yaml").replace("  tags:\n", f"  deletionPolicy: {policy}\n  tags:\n")


def test_a_service_ecsdrop_did_not_create_refuses_the_run_before_anything_changes(
    stack: MotoStack, aws: boto3.Session
) -> None:
    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="ecsdrop")
    revision = ecs.register_task_definition(
        family="by-hand",
        containerDefinitions=[{"name": "app", "image": "nginx", "memory": 128}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="ecsdrop", serviceName="scorekeep", taskDefinition=revision)

    state = stack.start(example("scorekeep.yaml"))

    refused = state["lock"]["refused"]
    assert refused["Error"] == "OwnershipError"
    assert "was not created by ecsdrop" in refused["Cause"]
    assert stack.published() == []  # not even STARTED
    assert ecs.list_task_definitions(familyPrefix="scorekeep")["taskDefinitionArns"] == []


def test_a_second_key_of_a_deployed_service_is_refused_naming_the_owner(stack: MotoStack) -> None:
    stack.deploy(example("scorekeep.yaml"))

    state = stack.start(example("scorekeep.yaml"), key="specs/scorekeep.yml")

    assert "deployed from specs/scorekeep.yaml" in state["lock"]["refused"]["Cause"]


def test_deleting_a_retain_spec_keeps_everything_and_says_what_still_costs_money(
    stack: MotoStack, aws: boto3.Session
) -> None:
    stack.deploy(example("scorekeep.yaml"))
    before = tagged_resources(aws.client, "scorekeep")

    deleted = stack.delete()

    assert deleted["teardown"]["outcome"] == "RETAINED"
    retained = deleted["report"]["retained"]
    assert any(item.startswith("ECS service scorekeep in cluster ecsdrop") for item in retained)
    assert any(item.startswith("NAT gateway") for item in retained)
    assert tagged_resources(aws.client, "scorekeep") == before
    assert stack.runtime.store.get_state("scorekeep")["status"] == "RETAINED"
    assert stack.runtime.store.services_following("scorekeep-api", "latest") == []


def test_deleting_a_delete_spec_removes_everything_tagged_for_the_service(
    stack: MotoStack, aws: boto3.Session
) -> None:
    stack.deploy(with_policy("delete"))
    assert tagged_resources(aws.client, "scorekeep") != []

    deleted = stack.delete()

    assert deleted["teardown"]["outcome"] == "DELETED", deleted["teardown"]
    assert deleted["teardown"]["left"] == []
    assert tagged_resources(aws.client, "scorekeep") == []
    logs = aws.client("logs").describe_log_groups(logGroupNamePrefix="/ecsdrop/scorekeep")
    assert logs["logGroups"] == []
    assert [e["detail"]["state"] for e in stack.published()][-2:] == ["STARTED", "DELETED"]
    assert stack.status_object("scorekeep")["state"] == "DELETED"


def test_deleting_again_once_deleted_does_nothing(stack: MotoStack) -> None:
    stack.deploy(with_policy("delete"))
    stack.delete()
    stack.published()

    again = stack.delete()

    assert "ignored" in again
    assert stack.published() == []


def test_deleting_a_key_that_does_not_own_the_service_is_ignored(stack: MotoStack) -> None:
    stack.deploy(example("scorekeep.yaml"))
    stack.upload(example("scorekeep.yaml"), key="specs/scorekeep.json")

    ignored = stack.delete("specs/scorekeep.json")

    assert "specs/scorekeep.yaml does" in ignored["ignored"]
    assert stack.runtime.store.get_state("scorekeep")["status"] == "SUCCEEDED"
