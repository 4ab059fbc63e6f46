"""Reading statemachines/deploy.asl.json in tests: every state (those nested in Parallel
branches and Map iterators included), the error names it matches, the Lambda tasks; and the
exception names the deployable code raises, read from its code (AST, not text search)."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.template import ROOT

ASL_FILE = ROOT / "statemachines" / "deploy.asl.json"
# The deployable code: the layer and the handlers (never localcloud, the CLI or the tests).
DEPLOYABLE = (ROOT / "layers" / "ecsdrop" / "ecsdrop", ROOT / "functions")

State = dict[str, Any]
# A Lambda task names its function through a DefinitionSubstitution (`${LoadSpecFunctionArn}`)
# or through the lambda:invoke integration (`.waitForTaskToken` and all).
_FUNCTION_RESOURCE = re.compile(r"^\$\{\w+FunctionArn\}$")
_LAMBDA_INTEGRATION = "arn:${Partition}:states:::lambda:invoke"


def definition(path: Path = ASL_FILE) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def all_states(machine: dict[str, Any]) -> Iterator[tuple[str, State]]:
    """Every state of ``machine``, the states of its Parallel branches and Map iterators (at
    any depth) included."""
    pending = [machine["States"]]
    while pending:
        for name, state in pending.pop().items():
            yield name, state
            pending.extend(branch["States"] for branch in state.get("Branches", []))
            # a Map's states are its ItemProcessor's (Iterator's in the older form)
            pending.extend(
                state[key]["States"] for key in ("ItemProcessor", "Iterator") if key in state
            )


@dataclass(frozen=True)
class MatchedError:
    state: str
    where: str  # "Retry[0]", "Catch[1]"
    name: str


def matched_errors(machine: dict[str, Any]) -> list[MatchedError]:
    """Every name an ``ErrorEquals`` of a Retry or a Catch matches, with its place."""
    return [
        MatchedError(name, f"{field}[{index}]", error)
        for name, state in all_states(machine)
        for field in ("Retry", "Catch")
        for index, rule in enumerate(state.get(field, []))
        for error in rule["ErrorEquals"]
    ]


def invokes_lambda(state: State) -> bool:
    resource = str(state.get("Resource", ""))
    return state.get("Type") == "Task" and (
        bool(_FUNCTION_RESOURCE.match(resource)) or resource.startswith(_LAMBDA_INTEGRATION)
    )


def lambda_tasks(machine: dict[str, Any]) -> dict[str, State]:
    return {name: state for name, state in all_states(machine) if invokes_lambda(state)}


def raised_names(sources: Iterable[str]) -> set[str]:
    """The class names ``raise`` statements of ``sources`` name (``raise X``, ``raise X(...)``,
    ``raise module.X(...)``); a bare ``raise`` or ``raise some_variable`` names none that Step
    Functions could be told about here."""
    names = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(raised, ast.Attribute):
                names.add(raised.attr)
            elif isinstance(raised, ast.Name) and raised.id[:1].isupper():
                names.add(raised.id)
    return names


def deployable_sources() -> list[str]:
    return [
        path.read_text(encoding="utf-8")
        for root in DEPLOYABLE
        for path in sorted(root.rglob("*.py"))
    ]
