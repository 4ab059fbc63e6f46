"""`ecsdrop run`: a one-off task of a deployed service's spec, in its network, on the local
cloud's Fargate life cycle; the command's exit code is the container's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.pipeline.conftest import Pipeline, scorekeep, spec_file

API = "scorekeep-api"


@pytest.fixture(scope="module")
def deployed(pipeline: Pipeline) -> str:
    result = pipeline.submit(scorekeep("sk-run"), "sk-run")
    assert result["status"] == "SUCCEEDED", result
    return "sk-run"


def test_run_exits_with_the_containers_exit_code(
    pipeline: Pipeline, deployed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = spec_file(tmp_path, scorekeep(deployed))

    ok = pipeline.cli(
        "run", spec, "--container", API, "--command", "sh -c 'exit 0'", "--poll-seconds", "0.2"
    )
    assert ok == 0, capsys.readouterr().err
    failed = pipeline.cli(
        "run",
        spec,
        "--container",
        API,
        "--command",
        "sh -c 'sleep 30; exit 3'",
        "--poll-seconds",
        "0.2",
    )

    err = capsys.readouterr().err
    assert failed == 3, err
    assert f"{API} exited 3 (Essential container in task exited)" in err
    assert "RUNNING" in err  # the life cycle was followed


def test_a_task_that_stops_before_the_first_look_still_reports_its_code(
    pipeline: Pipeline, deployed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = spec_file(tmp_path, scorekeep(deployed))
    # the look after the first one comes when the whole life cycle is over (it takes well
    # under a second on the compressed clock): the task is never seen RUNNING
    code = pipeline.cli(
        "run", spec, "--container", API, "--command", "exit 4", "--poll-seconds", "5"
    )

    err = capsys.readouterr().err
    assert code == 4, err
    assert ": STOPPED" in err
    assert ": RUNNING" not in err


def test_run_reuses_the_deployed_revision_and_runs_in_the_services_network(
    pipeline: Pipeline, deployed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = spec_file(tmp_path, scorekeep(deployed))
    assert pipeline.cli("run", spec, "--command", "true", "--no-wait") == 0
    (task_arn,) = capsys.readouterr().out.split()

    (task,) = pipeline.client("ecs").describe_tasks(cluster="ecsdrop", tasks=[task_arn])["tasks"]
    state = pipeline.state(deployed)
    assert task["taskDefinitionArn"] == state["taskDefinitionArn"]
    eni = next(a for a in task["attachments"] if a["type"] == "ElasticNetworkInterface")
    subnet = next(d["value"] for d in eni["details"] if d["name"] == "subnetId")
    assert subnet in state["network"]["taskSubnetIds"]
    assert task["startedBy"].startswith("ecsdrop-run/")


def test_run_of_a_service_never_deployed_is_a_usage_error_that_starts_nothing(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ecs = pipeline.client("ecs")
    before = ecs.list_task_definitions(familyPrefix="sk-run-new")["taskDefinitionArns"]

    code = pipeline.cli("run", spec_file(tmp_path, scorekeep("sk-run-new")), "--command", "true")

    assert code == 2
    assert "has no network ecsdrop built yet: deploy it first" in capsys.readouterr().err
    assert ecs.list_task_definitions(familyPrefix="sk-run-new")["taskDefinitionArns"] == before


def test_run_names_the_containers_when_the_one_asked_for_is_not_in_the_spec(
    pipeline: Pipeline, deployed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = pipeline.cli("run", spec_file(tmp_path, scorekeep(deployed)), "--container", "nope")

    assert code == 2
    assert "--container nope: the spec's containers are scorekeep-frontend, scorekeep-api" in (
        capsys.readouterr().err
    )


def test_run_prints_the_containers_log_lines_and_exits_with_the_code_the_behaviour_file_sets(
    pipeline: Pipeline, deployed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.cloud.add_fault(
        {
            "task": deployed,
            "container": API,
            "command": "./migrate*",
            "exit": 3,
            "seconds": 40,
            "logs": ["migrating 12 tables", "migration 0042 failed: duplicate key"],
        }
    )
    spec = spec_file(tmp_path, scorekeep(deployed))

    code = pipeline.cli(
        "run", spec, "--container", API, "--command", "./migrate --all", "--poll-seconds", "0.1"
    )

    out, err = capsys.readouterr()
    assert code == 3, err
    assert out.splitlines() == ["migrating 12 tables", "migration 0042 failed: duplicate key"]
    assert f"{API} exited 3" in err
