"""`ecsdrop run`: a one-off task of a service's spec, in its network (built first, and owned
by the service, when it was never deployed), on the local cloud's Fargate life cycle; the
command's exit code is the container's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.pipeline.conftest import Pipeline, scorekeep, spec_file
from tests.support.architecture import tagged_resources

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


def vpcs_of(pipeline: Pipeline, service: str) -> list[str]:
    listed = pipeline.client("ec2").describe_vpcs(
        Filters=[{"Name": "tag:ecsdrop:service", "Values": [service]}]
    )["Vpcs"]
    return [v["VpcId"] for v in listed]


def test_run_of_a_service_never_deployed_builds_its_network_owned_by_it_and_runs_the_task(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.cloud.add_fault(
        {
            "task": "sk-run-new",
            "container": API,
            "command": "./migrate*",
            "exit": 0,
            "seconds": 20,
            "logs": ["migrated 3 tables"],
        }
    )
    spec = spec_file(tmp_path, scorekeep("sk-run-new"))
    assert vpcs_of(pipeline, "sk-run-new") == []

    code = pipeline.cli(
        "run", spec, "--container", API, "--command", "./migrate --all", "--poll-seconds", "0.2"
    )

    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.splitlines() == ["migrated 3 tables"]
    assert "was never deployed: building its network and log group first" in err
    (vpc,) = vpcs_of(pipeline, "sk-run-new")
    state = pipeline.state("sk-run-new")
    assert state["status"] == "PREPARED"
    assert state["specKey"] == "specs/sk-run-new.yaml"  # the key that owns it from now on
    assert state["network"]["vpcId"] == vpc
    assert state["triggers"] == []  # an ECR push deploys nothing that was never deployed
    services = pipeline.client("ecs").describe_services(cluster="ecsdrop", services=["sk-run-new"])
    assert [s for s in services["services"] if s["status"] == "ACTIVE"] == []
    lbs = pipeline.client("elbv2").describe_load_balancers()["LoadBalancers"]
    assert not [lb for lb in lbs if lb["LoadBalancerName"].startswith("sk-run-new")]
    runs = pipeline.executions_of("sk-run-new")
    assert len(runs) == 1 and "prepare" in runs[0]
    assert pipeline.cli("status", "sk-run-new") == 0
    shown = capsys.readouterr().out
    assert "ecsdrop: PREPARED from specs/sk-run-new.yaml" in shown
    assert f"in VPC {vpc}" in shown

    again = pipeline.cli("run", spec, "--command", "true", "--poll-seconds", "0.2")

    assert again == 0, capsys.readouterr().err
    assert len(pipeline.executions_of("sk-run-new")) == 1  # the prepared network, reused

    deployed = pipeline.submit(scorekeep("sk-run-new"), "sk-run-new")

    assert deployed["status"] == "SUCCEEDED", deployed
    assert vpcs_of(pipeline, "sk-run-new") == [vpc]  # no second VPC
    after = pipeline.state("sk-run-new")
    assert after["status"] == "SUCCEEDED"
    assert after["network"]["vpcId"] == vpc


def test_deleting_a_service_that_only_ran_tasks_removes_the_network_built_for_them(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = scorekeep("sk-run-gone", **{"  tags:\n": "  deletionPolicy: delete\n  tags:\n"})
    code = pipeline.cli(
        "run", spec_file(tmp_path, text), "--command", "true", "--poll-seconds", "0.2"
    )
    assert code == 0, capsys.readouterr().err
    assert pipeline.state("sk-run-gone")["status"] == "PREPARED"
    assert tagged_resources(pipeline.client, "sk-run-gone") != []

    deleted = pipeline.cli("delete", "sk-run-gone", "--yes", "--wait", "--json")

    out, err = capsys.readouterr()
    assert deleted == 0, err
    assert json.loads(out)["status"] == "DELETED"
    assert vpcs_of(pipeline, "sk-run-gone") == []
    assert tagged_resources(pipeline.client, "sk-run-gone") == []


def test_a_network_that_cannot_be_built_is_rolled_back_and_no_task_starts(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.cloud.add_fault({"api": "ec2:CreateNatGateway", "error": "UnauthorizedOperation"})
    ecs = pipeline.client("ecs")

    code = pipeline.cli("run", spec_file(tmp_path, scorekeep("sk-run-nonet")), "--command", "true")

    err = capsys.readouterr().err
    assert code == 1, err
    assert "no network for sk-run-nonet: nothing was started" in err
    assert "ROLLED_BACK" in err
    assert vpcs_of(pipeline, "sk-run-nonet") == []
    assert ecs.list_task_definitions(familyPrefix="sk-run-nonet")["taskDefinitionArns"] == []
    started = ecs.list_tasks(cluster="ecsdrop", family="sk-run-nonet")["taskArns"]
    assert started == []


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
