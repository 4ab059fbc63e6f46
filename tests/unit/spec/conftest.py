"""Helpers shared by the spec's unit tests: where things are, and a minimal valid spec.

Tests that take an ``example_file`` argument run once per file in examples/.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecsdrop.spec import Installation, Spec, load_spec
from ecsdrop.spec.problems import Problem

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted(p for p in (REPO_ROOT / "examples").iterdir() if p.is_file())

MINIMAL_SPEC: dict[str, Any] = {
    "version": 1,
    "service": {"name": "web"},
    "taskDefinition": {
        "containerDefinitions": [{"name": "web", "image": "nginx:1.27"}],
    },
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "example_file" in metafunc.fixturenames:
        metafunc.parametrize("example_file", EXAMPLES, ids=[p.name for p in EXAMPLES])


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def installation() -> Installation:
    return Installation(account_id="123456789012", region="us-east-1")


@pytest.fixture
def minimal_spec() -> dict[str, Any]:
    """version, service.name and a task definition with one container: nothing else."""
    return copy.deepcopy(MINIMAL_SPEC)


@pytest.fixture
def load() -> Callable[[dict[str, Any]], Spec]:
    """The complete spec of a spec given as data (raises SpecError when it is invalid)."""

    def _load(data: dict[str, Any]) -> Spec:
        return load_spec(json.dumps(data, indent=2), "spec.json")

    return _load


@pytest.fixture
def wrap_task_definition() -> Callable[[Any, str], str]:
    """A spec (JSON text) around a bare task definition: the smallest spec that deploys it."""

    def _wrap(task_definition: Any, service_name: str = "sample") -> str:
        spec = {"version": 1, "service": {"name": service_name}, "taskDefinition": task_definition}
        return json.dumps(spec, indent=2)

    return _wrap


@pytest.fixture
def summary() -> Callable[[tuple[Problem, ...]], list[tuple[str, str, int | None, str]]]:
    """Problems as (path, message, line, severity) rows: readable when an assertion fails."""

    def _summary(problems: tuple[Problem, ...]) -> list[tuple[str, str, int | None, str]]:
        return [(p.field, p.message, p.line, p.severity) for p in problems]

    return _summary
