"""Second deployments: a re-run changes nothing, a new image makes a new revision."""

from __future__ import annotations

import boto3

from tests.support.moto_stack import MotoStack, example


def test_a_rerun_of_the_same_spec_creates_nothing_and_registers_no_revision(
    stack: MotoStack, aws: boto3.Session
) -> None:
    first = stack.deploy(example("scorekeep.yaml"))
    before = stack.tagged_network("scorekeep")
    # The same content uploaded again is a new S3 version, so the workflow runs...
    second = stack.deploy(example("scorekeep.yaml"))
    assert second["lock"]["noop"] is False
    # ... and finds everything by its tags or the recorded state.
    assert stack.tagged_network("scorekeep") == before
    assert second["steps"]["taskDefinition"]["registered"] is False
    assert (
        second["steps"]["taskDefinition"]["taskDefinitionArn"]
        == first["steps"]["taskDefinition"]["taskDefinitionArn"]
    )
    revisions = aws.client("ecs").list_task_definitions(familyPrefix="scorekeep")
    assert len(revisions["taskDefinitionArns"]) == 1
    ledger = stack.runtime.ledger(second["deployment"]["id"]).entries()
    assert [(e["kind"], e["action"]) for e in ledger] == [("service", "changed")]


def test_a_redelivered_event_for_the_deployed_version_is_a_no_op(stack: MotoStack) -> None:
    from ecsdrop.deploy.load import load
    from ecsdrop.deploy.lock import begin
    from ecsdrop.deploy.state import WorkflowState

    first = stack.deploy(example("scorekeep.yaml"))
    stack.published()
    rt = stack.runtime
    event = stack.s3_event(first["deployment"]["spec_key"], first["deployment"]["spec_version_id"])
    again = load(event, stack.execution(), rt.bucket, rt.guardrails, rt.installation)
    lock = begin(again, rt.store, rt.bucket, rt.reporter, rt.ownership)
    assert lock.noop is True
    assert lock.reason == "this spec version is already deployed"
    assert stack.published() == []  # no STARTED for a no-op
    assert isinstance(again, WorkflowState)


def test_an_older_version_delivered_after_a_newer_upload_is_superseded(stack: MotoStack) -> None:
    from ecsdrop.deploy.load import load
    from ecsdrop.deploy.lock import begin

    rt = stack.runtime
    old = stack.upload(example("scorekeep.yaml"))
    stack.upload(example("scorekeep.yaml").replace("desiredCount: 2", "desiredCount: 3"))
    state = load(
        stack.s3_event("specs/scorekeep.yaml", old),
        stack.execution(),
        rt.bucket,
        rt.guardrails,
        rt.installation,
    )
    lock = begin(state, rt.store, rt.bucket, rt.reporter, rt.ownership)
    assert lock.noop is True
    assert (lock.reason or "").startswith("superseded")


def test_a_new_image_registers_a_new_revision_and_updates_the_service(
    stack: MotoStack, aws: boto3.Session
) -> None:
    first = stack.deploy(example("scorekeep.yaml"))
    new_digest = stack.push_image("scorekeep-api", "latest", "api-2")
    second = stack.deploy(example("scorekeep.yaml"))
    task = second["steps"]["taskDefinition"]
    assert task["registered"] is True
    assert (
        task["previousTaskDefinitionArn"] == first["steps"]["taskDefinition"]["taskDefinitionArn"]
    )
    assert task["taskDefinitionArn"].endswith(":2")
    assert task["images"]["scorekeep-api"].endswith(new_digest)
    (service,) = aws.client("ecs").describe_services(cluster="ecsdrop", services=["scorekeep"])[
        "services"
    ]
    assert service["taskDefinition"] == task["taskDefinitionArn"]
    assert stack.status_object("scorekeep")["taskDefinition"] == {
        "previous": first["steps"]["taskDefinition"]["taskDefinitionArn"],
        "current": task["taskDefinitionArn"],
        "revision": 2,
        "previousRevision": 1,
    }
