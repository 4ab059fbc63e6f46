"""Rebuilding a deployment's steps from a real Step Functions execution history."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

from rich.console import Console

from ecsdrop_cli.progress import Progress, progress_table
from tests.support.template import ROOT


def history() -> tuple[list[dict[str, Any]], str]:
    """An execution of examples/scorekeep.yaml recorded on the local cloud."""
    recorded = json.loads((ROOT / "tests/fixtures/execution-history-succeeded.json").read_text())
    for event in recorded["events"]:
        event["timestamp"] = datetime.fromisoformat(event["timestamp"])
    return recorded["events"], recorded["status"]


def test_the_steps_of_a_successful_deployment_in_order_with_their_durations() -> None:
    events, status = history()
    progress = Progress.from_history(events, status)
    assert [step.name for step in progress.steps] == [
        "LoadSpec",
        "AcquireLock",
        "RegisterTaskDefinition",
        "BuildNetwork",
        "BuildLoadBalancer",
        "NatGateways",
        "DeployService",
        "WaitForRollout",
        "Record",
    ]
    assert all(step.finished is not None and not step.failed for step in progress.steps)
    assert all((step.seconds or 0) >= 0 for step in progress.steps)


def test_the_nat_gateway_checks_are_one_step_from_the_first_wait_to_the_last_check() -> None:
    events, status = history()
    entered = [e for e in events if e["type"].endswith("StateEntered")]
    loop = [e for e in entered if e["stateEnteredEventDetails"]["name"] == "WaitForNatGateways"]
    assert len(loop) > 1  # the recording went round the loop more than once
    progress = Progress.from_history(events, status)
    (step,) = [s for s in progress.steps if s.name == "NatGateways"]
    assert step.title == "Wait for the NAT gateways"
    assert step.started == loop[0]["timestamp"]
    last_exit = [
        e
        for e in events
        if e["type"] == "TaskStateExited"
        and e["stateExitedEventDetails"]["name"] == "CheckNatGateways"
    ][-1]
    assert step.finished == last_exit["timestamp"]


def test_a_running_execution_shows_its_current_step_unfinished() -> None:
    events, _ = history()
    cut = next(
        i
        for i, e in enumerate(events)
        if e["type"] == "TaskStateEntered"
        and e["stateEnteredEventDetails"]["name"] == "BuildNetwork"
    )
    progress = Progress.from_history(events[: cut + 1], "RUNNING")
    assert progress.steps[-1].name == "BuildNetwork"
    assert progress.steps[-1].finished is None


def test_a_failed_task_marks_its_step_with_the_error() -> None:
    events, _ = history()
    cut = next(
        i
        for i, e in enumerate(events)
        if e["type"] == "TaskStateEntered"
        and e["stateEnteredEventDetails"]["name"] == "WaitForRollout"
    )
    failed = {
        "type": "TaskFailed",
        "timestamp": events[cut]["timestamp"],
        "taskFailedEventDetails": {"error": "DeploymentFailedError"},
    }
    progress = Progress.from_history([*events[: cut + 1], failed], "FAILED")
    assert progress.steps[-1].failed == "DeploymentFailedError"


def test_the_terminal_table_shows_each_step_and_the_outcome() -> None:
    events, status = history()
    console = Console(file=io.StringIO(), record=True, width=100)
    console.print(progress_table(Progress.from_history(events, status)))
    lines = console.export_text().splitlines()
    for title in ("Register the task definition", "Wait for a steady state (ECS events)"):
        (line,) = [line for line in lines if title in line]
        assert line.startswith("✓")
    assert lines[-1].strip() == "execution SUCCEEDED"
