"""Fixtures for the local cloud's end-to-end tests: one cloud per module, deadlines everywhere."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from localcloud import LocalCloud

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "localcloud"
TIME_SCALE = 0.01


def poll(
    probe: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.1, what: str
) -> Any:
    """Call `probe` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout}s waiting for {what}")


@pytest.fixture(scope="session")
def fixture_dir() -> Path:
    return FIXTURE_DIR


@pytest.fixture(scope="session")
def new_cloud() -> Callable[..., LocalCloud]:
    """A LocalCloud with the test settings (compressed time, short rollouts); not started."""

    def build(template: Path = FIXTURE_DIR / "template.yaml", **options: Any) -> LocalCloud:
        settings = {"time_scale": TIME_SCALE, **options}
        return LocalCloud(template, **settings)

    return build


@pytest.fixture(scope="module")
def cloud(new_cloud: Callable[..., LocalCloud]) -> Iterator[LocalCloud]:
    with new_cloud() as running:
        yield running


@pytest.fixture(autouse=True)
def _no_fault_outlives_its_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Faults a test adds are gone after it; faults the cloud started with stay."""
    if "cloud" not in request.fixturenames:
        yield
        return
    running: LocalCloud = request.getfixturevalue("cloud")
    before = running.faults()
    yield
    running.clear_faults()
    running.add_fault(*before)


@pytest.fixture
def eventually() -> Callable[..., Any]:
    return poll


@pytest.fixture
def run_workflow(cloud: LocalCloud) -> Callable[..., dict[str, Any]]:
    """Start the fixture workflow with `payload` and return its finished description."""
    sfn = cloud.client("stepfunctions")

    def run(payload: dict[str, Any], timeout: float = 20.0) -> dict[str, Any]:
        execution_arn = sfn.start_execution(
            stateMachineArn=cloud.outputs["WorkflowArn"],
            name=f"test-{time.time_ns()}",
            input=json.dumps(payload),
        )["executionArn"]
        return finished_execution(sfn, execution_arn, timeout)

    return run


def finished_execution(sfn: Any, execution_arn: str, timeout: float = 20.0) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        description = sfn.describe_execution(executionArn=execution_arn)
        return description if description["status"] != "RUNNING" else None

    return poll(finished, timeout=timeout, what=f"execution {execution_arn} to finish")


@pytest.fixture
def finished() -> Callable[..., dict[str, Any]]:
    return finished_execution


@pytest.fixture
def table_items(cloud: LocalCloud) -> Callable[[str], list[dict[str, Any]]]:
    """Items of the fixture table whose key starts with a prefix (the recorder writes there)."""
    dynamodb = cloud.client("dynamodb")

    def items(prefix: str) -> list[dict[str, Any]]:
        scanned = dynamodb.scan(TableName=cloud.outputs["TableName"])["Items"]
        return [item for item in scanned if item["pk"]["S"].startswith(prefix)]

    return items
