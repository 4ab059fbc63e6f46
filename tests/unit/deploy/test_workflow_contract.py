"""The contract between the state machine and the steps' functions: every path the ASL
reads is a field of a model the state writing there returns, and the workflow state's
model has a field (of that model) for every result the ASL writes into it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ecsdrop.contract import JsonModel
from ecsdrop.deploy.results import (
    AdmissionWait,
    LockResult,
    NetworkResult,
    ScheduleResult,
    ServiceResult,
    TaskDefinitionResult,
)
from ecsdrop.deploy.state import WorkflowState
from tests.support.contract import handler_models, problems, reads, unheld_writes, writes
from tests.support.state_machine import definition


def test_every_path_the_state_machine_reads_is_a_field_some_step_writes() -> None:
    machine = definition()
    assert problems(machine) == []


def test_the_checked_reads_include_the_ones_the_workflow_turns_on() -> None:
    read = {r.raw for r in reads(definition())}
    assert {
        "$.steps.service.settled",
        "$.lock.noop",
        "$.lock.refused",
        "$.rollback.outcome",
        "$.steps.network.natPending",
        "$.steps.taskDefinition.admission.waitSeconds",
        "$.steps.service.admission.waitSeconds",
        "$.steps.service.waitSeconds",
        "$.report.state",
        "$.deployment.action",
        "$.ignored",
    } <= read


def test_every_result_the_state_machine_writes_into_the_state_has_a_typed_field() -> None:
    assert unheld_writes(definition(), WorkflowState) == []


@pytest.mark.parametrize(
    ("function", "models"),
    [
        ("task_definition", {TaskDefinitionResult, AdmissionWait}),
        ("network", {NetworkResult}),
        ("service", {ServiceResult, ScheduleResult, AdmissionWait}),
        ("check_rollout", {ServiceResult}),
        ("lock", {LockResult}),
    ],
)
def test_a_handler_states_the_models_it_returns(function: str, models: set[type]) -> None:
    assert set(handler_models(function)) == models


def test_every_step_function_the_workflow_runs_returns_models() -> None:
    typed = [w for w in writes(definition()) if not w.by.startswith("Catch")]
    untyped = {w.state for w in typed if not w.models}
    assert untyped == {"WaitForRollout"}  # its result is what ECS's event handler sends
    assert all(issubclass(m, JsonModel) for w in typed for m in w.models)


def _renamed(machine: dict[str, Any], state: str, variable: str) -> dict[str, Any]:
    changed = copy.deepcopy(machine)
    changed["States"][state]["Choices"][0]["Variable"] = variable
    return changed


@pytest.mark.parametrize(
    ("state", "variable", "expected"),
    [
        ("NatGatewaysReady", "$.steps.network.natPendng", "not a field of NetworkResult"),
        ("AnythingToDo", "$.lock.no_op", "not a field of LockResult"),
        ("TaskDefinitionAdmitted", "$.steps.taskDefinition.admision", "not a field of"),
        ("AnythingToLoad", "$.nowhere.at.all", "not a field of WorkflowState | Ignored"),
    ],
)
def test_a_path_no_model_has_is_reported_with_its_state(
    state: str, variable: str, expected: str
) -> None:
    found = problems(_renamed(definition(), state, variable))
    assert len(found) == 1
    assert found[0].startswith(f"{state} reads {variable}: {expected}")


def test_a_maps_item_processor_is_checked_against_the_model_of_its_items() -> None:
    changed = copy.deepcopy(definition())
    processor = changed["States"]["RunPreDeployTasks"]["ItemProcessor"]
    processor["States"]["RunPreDeployTask"]["Parameters"]["Cluster.$"] = "$.clustr"

    found = problems(changed)

    assert found == [
        "RunPreDeployTask reads $.clustr: not a field of PreDeployTask (RunPreDeployTasks)"
    ]
