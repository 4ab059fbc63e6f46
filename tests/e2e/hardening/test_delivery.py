"""Delivery: EventBridge delivers at least once and in no particular order; users upload in
bursts. One deployment per service at a time, none lost, none left running."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.e2e.hardening.harness import Harness, Run, running_harness, scorekeep, version_of

pytestmark = pytest.mark.slow

BURST = 10
AT_ONCE = 20


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    with running_harness(max_workers_per_function=6) as harness:
        yield harness


def versioned(name: str, version: int) -> dict[str, Any]:
    """Scorekeep whose API container says which upload it came from."""
    spec = scorekeep(name, max_tasks=None)
    api = spec["taskDefinition"]["containerDefinitions"][1]
    api["environment"] = [*api["environment"], {"name": "UPLOAD", "value": str(version)}]
    return spec


def follow_all(h: Harness, service: str, executions: list[str]) -> list[Run]:
    return [h.follow(execution, service, deadline=300) for execution in executions]


def test_the_same_s3_event_delivered_three_times_deploys_once(harness: Harness) -> None:
    harness.cloud.add_fault(
        {"event": "duplicate", "source": "aws.s3", "detail-type": "Object Created", "copies": 3}
    )
    try:
        version = harness.upload(scorekeep("dup-event", max_tasks=None))
        executions = harness.executions(lambda s: version_of(s) == version, count=3)
    finally:
        harness.cloud.clear_faults()
    assert len(executions) == 3, executions
    runs = follow_all(harness, "dup-event", executions)

    deployed = [run for run in runs if run.status_object or run.history]
    assert len(deployed) == 1, [run.output for run in runs]
    (deployment,) = deployed
    assert deployment.state == "SUCCEEDED"
    assert deployment.event_states == ["STARTED", "SUCCEEDED"]
    for run in runs:
        assert run.execution_status == "SUCCEEDED"
        if run is not deployment:  # a no-op: no event, no history, no status object of its own
            # while the first delivery runs, at once; after it, by the service's record
            assert run.output["report"]["state"] == "NOOP"
            assert run.output["report"]["reason"] in (
                f"a duplicate of deployment {deployment.deployment_id}, which deploys the "
                "same request",
                "this spec version is already deployed",
            )
            assert run.events == []
    ecs = harness.client("ecs")
    revisions = ecs.list_task_definitions(familyPrefix="dup-event")["taskDefinitionArns"]
    assert len(revisions) == 1
    assert [h["deploymentId"] for h in harness.store.history("dup-event")] == [
        deployment.deployment_id
    ]
    assert harness.store.lock_holder("dup-event") is None


def test_ten_versions_uploaded_at_once_deploy_one_at_a_time_and_the_last_one_wins(
    harness: Harness,
) -> None:
    versions = [harness.upload(versioned("burst", n)) for n in range(1, BURST + 1)]
    executions = harness.executions(lambda s: version_of(s) in versions, count=BURST)
    assert len(executions) == BURST
    runs = follow_all(harness, "burst", executions)
    by_version = {version_of(harness.started(run.execution_arn)): run for run in runs}
    assert set(by_version) == set(versions), "a version started no deployment"

    # Every version is accounted for: deployed, or a no-op that says why.
    for version, run in by_version.items():
        assert run.execution_status == "SUCCEEDED", (version, run.report)
        if run.output["report"]["state"] == "NOOP":
            reason = run.output["report"]["reason"]
            assert reason.startswith("superseded") or reason.endswith("already deployed")
        else:
            assert run.state == "SUCCEEDED"
    # The last upload runs now, and the state says so.
    last = by_version[versions[-1]]
    assert last.state == "SUCCEEDED", last.output
    current = harness.store.get_state("burst")
    assert current is not None and current["specVersionId"] == versions[-1]
    service = harness.service("ecsdrop", "burst")
    assert service is not None
    task = harness.client("ecs").describe_task_definition(taskDefinition=service["taskDefinition"])
    api = task["taskDefinition"]["containerDefinitions"][1]
    assert {"name": "UPLOAD", "value": str(BURST)} in api["environment"]
    # One deployment at a time: the spans in which runs held the lock never overlap.
    spans = sorted(lock_span(harness, run) for run in runs)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, spans
    assert harness.store.lock_holder("burst") is None
    assert not running(harness)


def test_twenty_services_deployed_at_once_all_succeed(harness: Harness) -> None:
    names = [f"fleet-{n:02d}" for n in range(AT_ONCE)]
    versions = {harness.upload(scorekeep(name, max_tasks=None)): name for name in names}
    executions = harness.executions(lambda s: version_of(s) in versions, count=AT_ONCE)
    assert len(executions) == AT_ONCE
    runs = [
        harness.follow(execution, versions[str(version_of(harness.started(execution)))], 600)
        for execution in executions
    ]
    failed = {run.service: run.report for run in runs if run.state != "SUCCEEDED"}
    assert not failed, failed
    for run in runs:
        service = harness.service("ecsdrop", run.service)
        assert (
            service is not None
            and service["taskDefinition"] == run.report["taskDefinition"]["current"]
        )
        assert run.lock_holder is None
    assert not running(harness)


def lock_span(h: Harness, run: Run) -> tuple[datetime, datetime]:
    """From the end of AcquireLock to the start of the step that frees the lock: inside the
    time the run held it, so overlapping spans would mean two runs held it at once."""
    history = h.client("stepfunctions").get_execution_history(
        executionArn=run.execution_arn, maxResults=1000
    )["events"]
    locked = [
        e["timestamp"]
        for e in history
        if e.get("stateExitedEventDetails", {}).get("name") == "AcquireLock"
    ]
    freeing = [
        e["timestamp"]
        for e in history
        if e.get("stateEnteredEventDetails", {}).get("name")
        in ("Record", "NoOp", "ReportRollback", "RollbackCrashed")
    ]
    assert locked and freeing, f"{run.execution_arn} never held the lock"
    return locked[-1], freeing[0]


def running(h: Harness) -> list[str]:
    listed = h.client("stepfunctions").list_executions(
        stateMachineArn=h.stack.state_machine_arn, statusFilter="RUNNING"
    )["executions"]
    return [item["executionArn"] for item in listed]
