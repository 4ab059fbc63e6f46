"""What the bookkeeping does when its own AWS calls fail."""

from __future__ import annotations

import pytest

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


def test_the_lock_is_released_before_the_status_is_written(stack: MotoStack) -> None:
    state = stack.start(example("scorekeep.yaml"))
    for name in ("taskDefinition", "network", "loadBalancer", "service"):
        stack.step(state, name)
    fail_call(stack.runtime.clients.s3, "PutObject")
    # The status object cannot be written: the step fails (the workflow retries it)...
    with pytest.raises(AwsError, match="PutObject"):
        stack.fail_and_roll_back(state, "DeploymentFailedError")
    # ... but the rollback is done and the next deployment is not blocked.
    assert stack.runtime.store.lock_holder("scorekeep") is None
    assert stack.tagged_network("scorekeep")["vpcs"] == []
