"""ecsdrop diff, the plans/ prefix, ecsdrop rollback, list and status, against the real
pipeline: the comparison a deployment makes, told without changing anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.pipeline.conftest import Pipeline, scorekeep, spec_file, wait_until


def running(pipeline: Pipeline, service: str) -> dict[str, Any]:
    (described,) = pipeline.client("ecs").describe_services(cluster="ecsdrop", services=[service])[
        "services"
    ]
    return dict(described)


def test_diff_exits_0_right_after_a_deploy_and_1_naming_the_image_after_an_image_change(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed = pipeline.submit(scorekeep("sk-diff"), "sk-diff")
    assert deployed["status"] == "SUCCEEDED", deployed
    capsys.readouterr()

    unchanged = pipeline.cli("diff", spec_file(tmp_path, scorekeep("sk-diff")))

    assert unchanged == 0, capsys.readouterr()
    assert "no changes" in capsys.readouterr().err
    digest = pipeline.push("scorekeep-api", "diff", "diff")
    changed = scorekeep("sk-diff", **{"scorekeep-api:latest": "scorekeep-api:diff"})

    code = pipeline.cli("diff", spec_file(tmp_path, changed))

    out = capsys.readouterr().out
    assert code == 1
    assert "--- running/taskDefinition" in out
    assert f"+  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/scorekeep-api@{digest}" in out
    assert "running/service" not in out  # the settings are the same
    assert pipeline.cli("diff", spec_file(tmp_path, changed), "--json") == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["changed"] == ["taskDefinition"]
    assert running(pipeline, "sk-diff")["taskDefinition"] == deployed["taskDefinitionArn"]


def test_diff_of_a_service_that_does_not_exist_shows_everything_as_new(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = pipeline.cli("diff", spec_file(tmp_path, scorekeep("sk-diff-new")), "--json")

    answer = json.loads(capsys.readouterr().out)
    assert code == 1
    assert answer["changed"] == ["taskDefinition", "service", "network", "loadBalancer"]
    assert all(s["before"] is None for s in answer["sections"] if s["changed"])


def test_diff_of_an_invalid_spec_is_an_error_naming_the_place(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = scorekeep("sk-diff-bad", **{"desiredCount: 2": "desiredCount: many"})

    code = pipeline.cli("diff", spec_file(tmp_path, broken))

    assert code == 2
    assert "service.desiredCount" in capsys.readouterr().err


def test_a_plan_upload_posts_the_diff_and_changes_nothing(pipeline: Pipeline) -> None:
    deployed = pipeline.submit(scorekeep("sk-plan"), "sk-plan")
    assert deployed["status"] == "SUCCEEDED", deployed
    ecs = pipeline.client("ecs")
    revisions = ecs.list_task_definitions(familyPrefix="sk-plan")["taskDefinitionArns"]
    planned = scorekeep("sk-plan", **{"desiredCount: 2": "desiredCount: 4"})

    pipeline.upload("plans/sk-plan.yaml", planned)

    def plan_event() -> dict[str, Any] | None:
        for item in pipeline.cloud.events():
            detail = item["event"].get("detail") or {}
            if detail.get("state") == "PLANNED" and detail.get("service") == "sk-plan":
                return dict(detail)
        return None

    assert wait_until(lambda: plan_event() is not None)
    detail = plan_event()
    assert detail is not None
    assert detail["changes"] is True
    assert "-desiredCount: 2" in detail["diff"] and "+desiredCount: 4" in detail["diff"]
    assert running(pipeline, "sk-plan")["desiredCount"] == 2
    assert ecs.list_task_definitions(familyPrefix="sk-plan")["taskDefinitionArns"] == revisions
    assert pipeline.state("sk-plan")["deploymentId"] == deployed["executionArn"].rsplit(":", 1)[-1]


def test_rollback_goes_back_to_the_previous_revision_through_the_pipeline(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    first = pipeline.submit(scorekeep("sk-back"), "sk-back")
    assert first["status"] == "SUCCEEDED", first
    pipeline.push("scorekeep-api", "back", "back")
    second = pipeline.submit(
        scorekeep("sk-back", **{"scorekeep-api:latest": "scorekeep-api:back"}), "sk-back"
    )
    assert (second["status"], second["revision"]) == ("SUCCEEDED", 2), second
    capsys.readouterr()

    code = pipeline.cli("rollback", "sk-back", "--wait", "--json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0, result
    assert result["status"] == "SUCCEEDED"
    assert result["taskDefinitionArn"] == first["taskDefinitionArn"]  # reused, not copied
    assert running(pipeline, "sk-back")["taskDefinition"] == first["taskDefinitionArn"]
    (latest,) = pipeline.client("stepfunctions").list_executions(
        stateMachineArn=pipeline.stack.state_machine_arn, maxResults=1
    )["executions"]
    history = pipeline.stack.store.history("sk-back", limit=1)
    assert history[0]["trigger"]["type"] == "rollback"
    assert history[0]["trigger"]["toRevision"] == 1
    assert latest["name"] == history[0]["deploymentId"]


def test_rollback_to_a_revision_never_deployed_is_a_clear_usage_error(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pipeline.submit(scorekeep("sk-back-none"), "sk-back-none")["status"] == "SUCCEEDED"

    code = pipeline.cli("rollback", "sk-back-none", "--to", "7")

    assert code == 2
    assert "revision 7 of sk-back-none was never deployed" in capsys.readouterr().err


def test_list_and_status_show_every_managed_service_with_what_ecs_says(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pipeline.submit(scorekeep("sk-listed"), "sk-listed")["status"] == "SUCCEEDED"
    capsys.readouterr()

    assert pipeline.cli("list", "--json") == 0
    rows = {row["service"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["sk-listed"]["state"] == "SUCCEEDED"
    assert rows["sk-listed"]["lastRun"] == "SUCCEEDED"
    assert rows["sk-listed"]["specKey"] == "specs/sk-listed.yaml"

    assert pipeline.cli("status", "sk-listed", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["ecs"]["desiredCount"] == 2
    assert status["ecs"]["runningCount"] == 2
    assert status["record"]["status"] == "SUCCEEDED"
    assert pipeline.cli("status", "sk-listed") == 0
    assert "ECS: 2 running of 2 desired" in capsys.readouterr().out
