"""The ScheduledRuns handler fed ECS's "ECS Task State Change" event (events/) for a job
deployed on moto: a failed run is announced once, anything else never."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support.handlers import invoke
from tests.support.moto_stack import MotoStack, example, real_event

JOB = "scorekeep-nightly"
KEY = f"specs/{JOB}.yaml"


@pytest.fixture
def job(wired: MotoStack) -> MotoStack:
    wired.session.client("scheduler").create_schedule_group(Name="ecsdrop")
    state = wired.deploy(example(f"{JOB}.yaml"), key=KEY)
    assert state["steps"]["schedule"]["scheduleName"] == JOB
    wired.published()  # the deployment's own events
    return wired


def stopped(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(real_event("ecs-task-state-change-scheduled-run-failed.json"))
    event["detail"].update(changes)
    return event


def test_a_failed_run_is_announced_with_its_exit_code_and_the_jobs_channels(
    job: MotoStack,
) -> None:
    report = invoke("scheduled_runs", stopped())

    assert report["announced"] is True
    assert report["exitCode"] == 3
    (published,) = job.published()
    detail = published["detail"]
    assert published["detail-type"] == "Deployment State Change"
    assert detail["state"] == "RUN_FAILED"
    assert detail["service"] == JOB
    assert detail["task"]["exitCode"] == 3
    assert detail["task"]["container"] == "rollup"
    assert detail["notifications"]["channels"] == ["games"]
    assert "container rollup exited 3 (Essential container in task exited)" in detail["cause"]
    assert detail["schedule"]["expression"] == "cron(0 3 * * ? *)"


def test_the_same_stopped_task_reported_again_is_not_announced_twice(job: MotoStack) -> None:
    first = invoke("scheduled_runs", stopped())
    again = invoke("scheduled_runs", stopped(version=6))

    assert (first["announced"], again["announced"]) == (True, False)
    assert again["reason"] == "announced already"
    assert len(job.published()) == 1


def test_a_run_that_exits_0_is_not_announced(job: MotoStack) -> None:
    event = stopped()
    event["detail"]["containers"][0]["exitCode"] = 0

    report = invoke("scheduled_runs", event)

    assert (report["announced"], report["reason"]) == (False, "exited 0")
    assert job.published() == []


def test_a_run_that_could_not_start_is_announced_with_ecss_reason(job: MotoStack) -> None:
    event = stopped(
        stopCode="TaskFailedToStart",
        stoppedReason="CannotPullContainerError: pull image manifest has been retried 5 times",
    )
    del event["detail"]["containers"][0]["exitCode"]

    report = invoke("scheduled_runs", event)

    assert report["announced"] is True
    (published,) = job.published()
    assert published["detail"]["task"]["exitCode"] is None
    assert (
        "did not run: TaskFailedToStart: CannotPullContainerError" in (published["detail"]["cause"])
    )


@pytest.mark.parametrize(
    "changes",
    [{"group": "family:scorekeep"}, {"lastStatus": "RUNNING"}, {"group": "ecsdrop-schedule:gone"}],
    ids=["another-task", "not-stopped", "no-such-job"],
)
def test_other_tasks_and_unknown_jobs_are_never_announced(
    job: MotoStack, changes: dict[str, Any]
) -> None:
    report = invoke("scheduled_runs", stopped(**changes))

    assert report["announced"] is False
    assert job.published() == []
