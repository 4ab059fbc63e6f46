"""State transitions of an execution, from its Step Functions history, and what they cost."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bench.settings import PRICE_PER_TRANSITION_USD

# One of these per attempt of a Task state: the first comes with the state's entry, every
# further one is a Retry, which Step Functions bills as a transition too.
_TASK_ATTEMPTS = frozenset({"LambdaFunctionScheduled", "TaskScheduled", "ActivityScheduled"})


def state_transitions(events: Iterable[Mapping[str, Any]]) -> int:
    """States entered plus Task retries: what Step Functions Standard bills."""
    entered = attempts = task_entries = 0
    for event in events:
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            entered += 1
            task_entries += kind == "TaskStateEntered"
        elif kind in _TASK_ATTEMPTS:
            attempts += 1
    return entered + max(0, attempts - task_entries)


def task_retries(events: Iterable[Mapping[str, Any]]) -> int:
    listed = list(events)
    attempts = sum(1 for event in listed if event.get("type") in _TASK_ATTEMPTS)
    entries = sum(1 for event in listed if event.get("type") == "TaskStateEntered")
    return max(0, attempts - entries)


def cost_usd(transitions: int) -> float:
    return round(transitions * PRICE_PER_TRANSITION_USD, 9)
