"""What the bookkeeping does when its own AWS calls fail."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ecsdrop.deploy.finish import conclude
from ecsdrop.errors import AwsError
from tests.integration.deploy.test_rollback import fail_call
from tests.support.moto_stack import MotoStack, example


def test_an_eventbridge_outage_neither_fails_nor_rolls_back_a_deployment(
    stack: MotoStack,
) -> None:
    fail_call(stack.runtime.clients.events, "PutEvents")
    state = stack.deploy(example("scorekeep.yaml"))
    assert state["report"]["state"] == "SUCCEEDED"
    assert stack.status_object("scorekeep")["state"] == "SUCCEEDED"
    assert stack.runtime.store.lock_holder("scorekeep") is None
    assert stack.published() == []


def test_a_status_object_that_cannot_be_written_fails_nothing_and_is_reported(
    stack: MotoStack,
) -> None:
    state = stack.start(example("scorekeep.yaml"))
    for name in ("taskDefinition", "network", "loadBalancer", "service"):
        stack.step(state, name)
    fail_call(stack.runtime.clients.s3, "PutObject")
    state = stack.fail_and_roll_back(state, "DeploymentFailedError")
    # The rollback is done, the next deployment is not blocked, the event and the history
    # say what happened, and the step's result says what could not be written.
    assert state["report"]["state"] == "ROLLED_BACK"
    assert [line.split(":")[0] for line in state["report"]["unreported"]] == [
        "could not write the status object"
    ]
    assert stack.runtime.store.lock_holder("scorekeep") is None
    assert stack.tagged_network("scorekeep")["vpcs"] == []
    assert [e["detail"]["state"] for e in stack.published()][-1] == "ROLLED_BACK"
    assert stack.runtime.store.history("scorekeep")[0]["state"] == "ROLLED_BACK"


def test_a_run_that_fails_after_recording_itself_puts_the_previous_record_back(
    stack: MotoStack,
) -> None:
    first = stack.deploy(example("scorekeep.yaml"))
    assert first["report"]["state"] == "SUCCEEDED"
    state = stack.start(example("scorekeep.yaml").replace("desiredCount: 2", "desiredCount: 3"))
    for name in ("taskDefinition", "network", "loadBalancer", "service"):
        stack.step(state, name)
    # Record wrote the state item, then failed (the ECR triggers could not be written)...
    events = stack.runtime.clients.dynamodb.meta.events
    events.register("before-call.*.Query", refuse_query, unique_id="refuse-query")
    with pytest.raises(AwsError, match="Query"):
        conclude({"outcome": "SUCCEEDED", "state": state}, stack.runtime.reporter)
    assert stack.runtime.store.get_state("scorekeep")["deploymentId"] == state["deployment"]["id"]
    # ... so the workflow rolled the run back: the record is the first run's again.
    events.unregister("before-call.*.Query", unique_id="refuse-query")
    state = stack.fail_and_roll_back(state, "AwsError")
    assert state["report"]["state"] == "ROLLED_BACK"
    recorded = stack.runtime.store.get_state("scorekeep")
    assert recorded["deploymentId"] == first["deployment"]["id"]
    assert recorded["taskDefinitionArn"] == first["steps"]["taskDefinition"]["taskDefinitionArn"]


def refuse_query(**_: Any) -> None:
    raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "Query")
