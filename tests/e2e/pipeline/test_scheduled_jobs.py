"""Scheduled jobs (a spec with `schedule`): an EventBridge Scheduler schedule in ecsdrop's group
runs the task definition instead of a service, created, updated, rolled back and deleted
through the same pipeline, on the local cloud."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.pipeline.conftest import Pipeline, spec_file, wait_until
from tests.support.template import ROOT

GROUP = "ecsdrop-ecsdrop"  # the stack's ScheduleGroup: ecsdrop-<stack name>


def nightly(name: str, **replacements: str) -> str:
    """examples/scorekeep-nightly.yaml as job ``name`` (with other text replaced as given)."""
    text = (ROOT / "examples" / "scorekeep-nightly.yaml").read_text()
    text = text.replace("name: scorekeep-nightly\n", f"name: {name}\n")
    text = text.replace("family: scorekeep-nightly\n", f"family: {name}\n")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def schedule_of(pipeline: Pipeline, name: str) -> dict[str, Any] | None:
    scheduler = pipeline.client("scheduler")
    try:
        return dict(scheduler.get_schedule(GroupName=GROUP, Name=name))
    except scheduler.exceptions.ResourceNotFoundException:
        return None


def test_a_scheduled_job_gets_a_schedule_running_its_task_in_its_network_and_no_service(
    pipeline: Pipeline,
) -> None:
    result = pipeline.submit(nightly("job-nightly"), "job-nightly")

    assert result["status"] == "SUCCEEDED", result
    schedule = schedule_of(pipeline, "job-nightly")
    assert schedule is not None
    assert schedule["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert schedule["State"] == "ENABLED"
    target = schedule["Target"]
    assert target["Arn"].endswith(":cluster/ecsdrop")
    assert target["RoleArn"] == pipeline.cloud.outputs.get("SchedulerRoleArn", target["RoleArn"])
    ecs = target["EcsParameters"]
    assert ecs["TaskDefinitionArn"] == result["taskDefinitionArn"]
    assert ecs["LaunchType"] == "FARGATE"
    assert ecs["Group"] == "ecsdrop-schedule:job-nightly"
    network = pipeline.state("job-nightly")["network"]
    vpc = ecs["NetworkConfiguration"]["awsvpcConfiguration"]
    assert vpc["Subnets"] == network["taskSubnetIds"]
    assert vpc["AssignPublicIp"] == "ENABLED"  # public subnets, no NAT
    assert result["schedule"]["arn"] == schedule["Arn"]
    assert result["serviceArn"] is None
    services = pipeline.client("ecs").describe_services(cluster="ecsdrop", services=["job-nightly"])
    assert [s for s in services["services"] if s["status"] == "ACTIVE"] == []
    assert pipeline.state("job-nightly")["scheduleArn"] == schedule["Arn"]


def test_an_updated_job_spec_points_the_schedule_at_the_new_revision(pipeline: Pipeline) -> None:
    first = pipeline.submit(nightly("job-update"), "job-update")
    assert first["status"] == "SUCCEEDED", first

    second = pipeline.submit(
        nightly(
            "job-update",
            **{"cron(0 3 * * ? *)": "rate(6 hours)", '"24h"]': '"6h"]'},
        ),
        "job-update",
    )

    assert second["status"] == "SUCCEEDED", (second["error"], second["cause"])
    assert second["taskDefinitionArn"] != first["taskDefinitionArn"]
    schedule = schedule_of(pipeline, "job-update")
    assert schedule is not None
    assert schedule["ScheduleExpression"] == "rate(6 hours)"
    assert schedule["Target"]["EcsParameters"]["TaskDefinitionArn"] == second["taskDefinitionArn"]


def test_a_job_whose_schedule_cannot_be_made_rolls_back_and_leaves_no_schedule(
    pipeline: Pipeline,
) -> None:
    pipeline.cloud.add_fault(
        {"api": "scheduler:CreateSchedule", "error": "ValidationException", "times": 1}
    )

    result = pipeline.submit(nightly("job-broken"), "job-broken")

    assert result["status"] == "ROLLED_BACK", result
    assert schedule_of(pipeline, "job-broken") is None
    revisions = pipeline.client("ecs").list_task_definitions(
        familyPrefix="job-broken", status="ACTIVE"
    )
    assert revisions["taskDefinitionArns"] == []


def test_a_failed_update_puts_the_previous_schedule_back(pipeline: Pipeline) -> None:
    first = pipeline.submit(nightly("job-restore"), "job-restore")
    assert first["status"] == "SUCCEEDED", first
    before = schedule_of(pipeline, "job-restore")
    # the update is made, then recording the run fails: the rollback restores the schedule
    pipeline.cloud.add_fault(
        {
            "api": "dynamodb:PutItem",
            "body": '*"STATE"*',
            "error": "AccessDeniedException",
            "times": 1,
        }
    )

    second = pipeline.submit(
        nightly("job-restore", **{"cron(0 3 * * ? *)": "rate(2 hours)"}), "job-restore"
    )

    assert second["status"] == "ROLLED_BACK", second
    assert "restored schedule job-restore" in second["rolledBack"], second
    after = schedule_of(pipeline, "job-restore")
    assert after is not None and before is not None
    assert after["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert after["Target"] == before["Target"]


def test_deleting_a_job_spec_removes_its_schedule_and_what_it_ran_with(
    pipeline: Pipeline,
) -> None:
    deployed = pipeline.submit(nightly("job-gone"), "job-gone")
    assert deployed["status"] == "SUCCEEDED", deployed

    deleted = pipeline.delete("specs/job-gone.yaml", "job-gone")

    assert deleted["status"] == "DELETED", deleted
    assert schedule_of(pipeline, "job-gone") is None
    assert any("schedule job-gone" in line for line in deleted.get("deleted", [])), deleted
    revisions = pipeline.client("ecs").list_task_definitions(familyPrefix="job-gone")
    assert revisions["taskDefinitionArns"] == []


def test_a_service_does_not_turn_into_a_scheduled_job_in_place(pipeline: Pipeline) -> None:
    from tests.e2e.pipeline.conftest import scorekeep

    service = pipeline.submit(scorekeep("job-switch"), "job-switch")
    assert service["status"] == "SUCCEEDED", service
    job = nightly("job-switch")

    refused = pipeline.submit(job, "job-switch")

    assert refused["status"] == "REJECTED", refused
    assert "runs as an ECS service" in str(refused.get("cause")), refused
    assert schedule_of(pipeline, "job-switch") is None


def test_status_of_a_job_shows_its_schedule_not_a_missing_service(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed = pipeline.submit(nightly("job-status"), "job-status")
    assert deployed["status"] == "SUCCEEDED", deployed
    capsys.readouterr()

    assert pipeline.cli("status", "job-status") == 0

    out = capsys.readouterr().out
    assert "scheduled job: cron(0 3 * * ? *) (Europe/Berlin), schedule arn:" in out
    assert "no such service" not in out


def test_diff_of_a_deployed_job_compares_its_schedule_and_revision(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed = pipeline.submit(nightly("job-diff"), "job-diff")
    assert deployed["status"] == "SUCCEEDED", deployed
    capsys.readouterr()

    same = pipeline.cli("diff", spec_file(tmp_path, nightly("job-diff")))
    assert same == 0, capsys.readouterr()
    changed = pipeline.cli(
        "diff", spec_file(tmp_path, nightly("job-diff", **{"cron(0 3 * * ? *)": "rate(2 hours)"}))
    )

    out = capsys.readouterr().out
    assert changed == 1, out
    assert "-expression: cron(0 3 * * ? *)" in out
    assert "+expression: rate(2 hours)" in out
    assert "desiredCount" not in out  # a job has no service to compare


def test_a_jobs_schedule_fires_on_the_local_clock_and_its_task_runs_to_exit_0(
    pipeline: Pipeline,
) -> None:
    deployed = pipeline.submit(
        nightly("job-fires", **{"cron(0 3 * * ? *)": "rate(1 minute)"}), "job-fires"
    )
    assert deployed["status"] == "SUCCEEDED", deployed

    assert wait_until(lambda: len(pipeline.cloud.schedule_runs("job-fires")) >= 2, 60)
    runs = pipeline.cloud.schedule_runs("job-fires")
    assert all(run["outcome"] == "started" for run in runs), runs
    ecs = pipeline.client("ecs")
    (arn,) = runs[0]["task_arns"]

    def stopped() -> dict[str, Any] | None:
        (task,) = ecs.describe_tasks(cluster="ecsdrop", tasks=[arn])["tasks"]
        return task if task["lastStatus"] == "STOPPED" else None

    assert wait_until(lambda: stopped() is not None, 60)
    task = stopped()
    assert task is not None
    assert task["group"] == "ecsdrop-schedule:job-fires"
    assert task["taskDefinitionArn"] == deployed["taskDefinitionArn"]
    assert [c["exitCode"] for c in task["containers"]] == [0]

    deleted = pipeline.delete("specs/job-fires.yaml", "job-fires")
    assert deleted["status"] == "DELETED", deleted
    fired = len(pipeline.cloud.schedule_runs("job-fires"))
    later = pipeline.cloud.scheduler_time() + timedelta(minutes=3)
    assert wait_until(lambda: pipeline.cloud.scheduler_time() >= later, 30)  # 3 periods
    assert len(pipeline.cloud.schedule_runs("job-fires")) == fired  # a deleted one fires no more
