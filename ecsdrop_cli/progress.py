"""Following a deploy execution step by step, from its Step Functions history."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

STEP_TITLES = {
    "LoadSpec": "Load & validate the spec",
    "AcquireLock": "Lock the service",
    "RegisterTaskDefinition": "Register the task definition",
    "WaitForTaskDefinitionTurn": "Wait for ECS's turn (RegisterTaskDefinition)",
    "BuildNetwork": "Network",
    "BuildLoadBalancer": "Load balancer",
    "NatGateways": "Wait for the NAT gateways",
    "WaitForServiceTurn": "Wait for ECS's turn (CreateService, UpdateService)",
    "DeployService": "Create or update the service",
    "WaitForRollout": "Wait for a steady state (ECS events)",
    "CheckRollout": "Check the rollout",
    "Record": "Record & release",
    "RecordPrepared": "Record the network for tasks (PREPARED)",
    "NoOp": "Nothing to do",
    "RollBack": "Roll back",
    "ReportRollback": "Report the rollback",
    "RollbackCrashed": "Report the failed rollback",
    "Rejected": "Reject the spec",
    "LoadFailed": "Report the failure",
    "NotStarted": "Report the failure",
    "Refused": "Refuse: not ecsdrop's to change",
    "TearDown": "Tear down (deletion policy)",
    "RecordDeletion": "Record the deletion",
}
# States of one loop shown as one step: a NAT gateway takes 1-5 minutes, checked every 10 s.
STEP_GROUPS = {"WaitForNatGateways": "NatGateways", "CheckNatGateways": "NatGateways"}
_ENTERED = ("TaskStateEntered", "ChoiceStateEntered", "PassStateEntered", "WaitStateEntered")
_EXITED = ("TaskStateExited", "PassStateExited", "WaitStateExited")


@dataclass
class Step:
    name: str
    started: datetime
    finished: datetime | None = None
    failed: str | None = None

    @property
    def title(self) -> str:
        return STEP_TITLES.get(self.name, self.name)

    @property
    def seconds(self) -> float | None:
        return (self.finished - self.started).total_seconds() if self.finished else None


@dataclass
class Progress:
    """The steps an execution went through, rebuilt from its history events."""

    steps: list[Step] = field(default_factory=list)
    status: str = "RUNNING"

    @classmethod
    def from_history(cls, events: list[dict[str, Any]], status: str) -> Progress:
        progress = cls(status=status)
        for event in events:
            progress._apply(event)
        return progress

    def _apply(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind in _ENTERED and not kind.startswith("Choice"):
            state = event["stateEnteredEventDetails"]["name"]
            name = STEP_GROUPS.get(state, state)
            if self.steps and name != state and self.steps[-1].name == name:
                self.steps[-1].finished = None  # the loop goes round again
            else:
                self.steps.append(Step(name, event["timestamp"]))
        elif kind in _EXITED and self.steps:
            self.steps[-1].finished = event["timestamp"]
        elif kind in ("TaskFailed", "LambdaFunctionFailed", "TaskTimedOut") and self.steps:
            details: dict[str, Any] = next(
                (v for k, v in event.items() if k.endswith("EventDetails")), {}
            )
            self.steps[-1].failed = str(details.get("error", kind))


def progress_table(progress: Progress, title: str = "") -> Table:
    """The steps as a table for a terminal: mark, step, time."""
    table = Table(title=title or None, show_header=False, box=None, pad_edge=False)
    table.add_column(width=2)
    table.add_column()
    table.add_column(justify="right")
    for step in progress.steps:
        if step.failed:
            table.add_row("[red]✗[/red]", step.title, f"[red]{step.failed}[/red]")
        elif step.finished:
            table.add_row("[green]✓[/green]", step.title, _duration(step.seconds or 0.0))
        else:
            table.add_row("[yellow]…[/yellow]", step.title, "")
    if progress.status != "RUNNING":
        colour = "green" if progress.status == "SUCCEEDED" else "red"
        table.add_row("", f"[{colour}]execution {progress.status}[/{colour}]", "")
    return table


class ExecutionFollower:
    """Polls one execution and reports each step as it starts and ends: a live table in a
    terminal, one plain line per change otherwise (logs, pipes, CI)."""

    def __init__(
        self,
        sfn: Any,
        execution_arn: str,
        out: TextIO = sys.stdout,
        interval: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sfn = sfn
        self._arn = execution_arn
        self._out = out
        self._interval = interval
        self._sleep = sleep
        self._printed: dict[int, str] = {}

    def progress(self) -> Progress:
        status = self._sfn.describe_execution(executionArn=self._arn)["status"]
        events: list[dict[str, Any]] = []
        pages = self._sfn.get_paginator("get_execution_history").paginate(executionArn=self._arn)
        for page in pages:
            events.extend(page["events"])
        return Progress.from_history(events, status)

    def follow(self, deadline: float, until: Callable[[], bool] | None = None) -> Progress:
        """Print progress until the execution ends, the deadline passes or ``until`` says
        enough (then RUNNING)."""
        enough = until or (lambda: False)
        if self._out.isatty():
            return self._follow_live(deadline, enough)
        while True:
            progress = self.progress()
            self._print(progress)
            if progress.status != "RUNNING" or time.monotonic() >= deadline or enough():
                return progress
            self._sleep(self._interval)

    def _follow_live(self, deadline: float, enough: Callable[[], bool]) -> Progress:
        progress = self.progress()
        console = Console(file=self._out)
        with Live(progress_table(progress), console=console, refresh_per_second=4) as live:
            while progress.status == "RUNNING" and time.monotonic() < deadline and not enough():
                self._sleep(self._interval)
                progress = self.progress()
                live.update(progress_table(progress))
        return progress

    def _print(self, progress: Progress) -> None:
        for index, step in enumerate(progress.steps):
            if step.failed:
                line = f"  ✗ {step.title} — {step.failed}"
            elif step.finished:
                line = f"  ✓ {step.title} ({_duration(step.seconds or 0.0)})"
            else:
                line = f"  … {step.title}"
            if self._printed.get(index) != line:
                self._printed[index] = line
                print(line, file=self._out, flush=True)


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"
