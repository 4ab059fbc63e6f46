"""The workflow's document as the steps leave it reads back into its typed model and writes
out unchanged: no step writes a field the model drops, whatever way the run ended."""

from __future__ import annotations

from typing import Any

from ecsdrop.deploy.results import (
    LoadBalancerResult,
    NetworkResult,
    Report,
    RollbackResult,
    ServiceResult,
    TaskDefinitionResult,
    TeardownResult,
)
from ecsdrop.deploy.state import WorkflowState
from tests.support.moto_stack import MotoStack, example


def _round_trip(document: dict[str, Any]) -> WorkflowState:
    state = WorkflowState.from_json(document)
    assert state.to_json() == document
    return state


def test_a_deployed_run_reads_back_with_every_step_typed(stack: MotoStack) -> None:
    state = _round_trip(stack.deploy(example("scorekeep.yaml")))
    steps = state.steps
    assert isinstance(steps.task_definition, TaskDefinitionResult)
    assert isinstance(steps.network, NetworkResult)
    assert isinstance(steps.load_balancer, LoadBalancerResult)
    assert isinstance(steps.service, ServiceResult)
    assert isinstance(state.report, Report) and state.report.state == "SUCCEEDED"
    assert state.lock is not None and state.lock.acquired


def test_a_rolled_back_run_reads_back_with_its_rollback_and_error(stack: MotoStack) -> None:
    started = stack.start(example("scorekeep.yaml"))
    stack.step(started, "taskDefinition")
    state = _round_trip(stack.fail_and_roll_back(started, "DeploymentFailedError"))
    assert isinstance(state.rollback, RollbackResult)
    assert state.rollback.outcome == "ROLLED_BACK"
    assert state.error is not None and state.error.error == "DeploymentFailedError"
    assert state.report is not None and state.report.state == "ROLLED_BACK"


def test_a_deletion_reads_back_with_its_teardown(stack: MotoStack) -> None:
    stack.deploy(example("scorekeep.yaml"))
    state = _round_trip(stack.delete())
    assert isinstance(state.teardown, TeardownResult)
    assert state.report is not None and state.report.state == state.teardown.outcome
