"""`ecsdrop local up` in one process, `ecsdrop submit` in another, plain boto3 to inspect."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from tests.e2e.cli.conftest import free_port, run_cli, session, start, stop
from tests.support.architecture import assert_complete_architecture
from tests.support.template import ROOT


def test_submit_wait_json_deploys_scorekeep_and_boto3_sees_every_resource(local_up: str) -> None:
    for image in ("scorekeep-frontend:latest", "scorekeep-api:latest"):
        pushed = run_cli("local", "push", image, "--endpoint-url", local_up)
        assert pushed.returncode == 0, pushed.stderr
    submitted = run_cli(
        "submit", "examples/scorekeep.yaml", "--wait", "--json", "--endpoint-url", local_up
    )
    assert submitted.returncode == 0, submitted.stderr
    result = json.loads(submitted.stdout)
    assert result["status"] == "SUCCEEDED"
    for key in (
        "executionArn",
        "serviceArn",
        "cluster",
        "taskDefinitionArn",
        "loadBalancerDnsName",
        "error",
        "cause",
    ):
        assert key in result

    def client(service: str) -> Any:
        return session().client(service, endpoint_url=local_up)

    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in client("cloudformation").describe_stacks(StackName="ecsdrop")["Stacks"][0][
            "Outputs"
        ]
    }
    status = json.loads(
        client("s3")
        .get_object(Bucket=outputs["BucketName"], Key="status/scorekeep.json")["Body"]
        .read()
    )
    assert status["state"] == "SUCCEEDED"
    assert status["taskDefinition"]["current"] == result["taskDefinitionArn"]
    current = client("dynamodb").get_item(
        TableName=outputs["TableName"], Key={"PK": {"S": "SERVICE#scorekeep"}, "SK": {"S": "STATE"}}
    )["Item"]
    state = json.loads(current["doc"]["S"])
    assert_complete_architecture(client, state["network"], state["loadBalancer"])

    shown = run_cli("status", "scorekeep", "--endpoint-url", local_up)
    assert shown.returncode == 0
    assert "last run SUCCEEDED" in shown.stdout
    listed = run_cli("history", "scorekeep", "--json", "--endpoint-url", local_up)
    assert [r["state"] for r in json.loads(listed.stdout)] == ["SUCCEEDED"]


def test_submit_refuses_an_invalid_spec_without_uploading(local_up: str, tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("version: 1\nservice: {name: broken}\ntaskDefinition: {}\n")
    submitted = run_cli("submit", str(spec), "--wait", "--endpoint-url", local_up)
    assert submitted.returncode == 1
    assert "taskDefinition.containerDefinitions: required field is missing" in submitted.stderr
    s3 = session().client("s3", endpoint_url=local_up)
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    keys = [o["Key"] for b in buckets for o in s3.list_objects_v2(Bucket=b).get("Contents", [])]
    assert "specs/broken.yaml" not in keys


def test_an_upload_starts_nothing_when_the_templates_rule_watches_another_prefix(
    tmp_path: Path,
) -> None:
    text = (ROOT / "template.yaml").read_text()  # CloudFormation tags: edit it as text
    assert "key: [{ prefix: specs/ }]" in text
    copy = tmp_path / "template.yaml"
    copy.write_text(
        text.replace("key: [{ prefix: specs/ }]", "key: [{ prefix: elsewhere/ }]")
        .replace("CodeUri: functions/", f"CodeUri: {ROOT}/functions/")
        .replace("ContentUri: layers/", f"ContentUri: {ROOT}/layers/")
        .replace("DefinitionUri: statemachines/", f"DefinitionUri: {ROOT}/statemachines/")
    )
    process, endpoint = start(
        [
            sys.executable,
            "-m",
            "localcloud",
            "--template",
            str(copy),
            "--port",
            str(free_port()),
            "--quiet",
            "--time-scale",
            "0.01",
        ]
    )
    try:
        boto = session()
        s3 = boto.client("s3", endpoint_url=endpoint)
        sfn = boto.client("stepfunctions", endpoint_url=endpoint)
        bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "specbucket" in b["Name"])
        (machine,) = sfn.list_state_machines()["stateMachines"]
        spec = (ROOT / "examples" / "scorekeep.yaml").read_bytes()
        s3.put_object(Bucket=bucket, Key="specs/scorekeep.yaml", Body=spec)
        time.sleep(3)  # long enough for EventBridge to have started the workflow, had it matched
        assert sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"] == []
        s3.put_object(Bucket=bucket, Key="elsewhere/scorekeep.yaml", Body=spec)
        deadline = time.monotonic() + 30
        executions: list[dict[str, object]] = []
        while time.monotonic() < deadline and not executions:
            executions = sfn.list_executions(stateMachineArn=machine["stateMachineArn"])[
                "executions"
            ]
            time.sleep(0.2)
        assert len(executions) == 1, "the prefix the copied template names does start it"
    finally:
        stop(process)


def test_watch_follows_a_running_deployment_step_by_step(local_up: str, tmp_path: Path) -> None:
    for image in ("scorekeep-frontend:latest", "scorekeep-api:latest"):
        assert run_cli("local", "push", image, "--endpoint-url", local_up).returncode == 0
    spec = tmp_path / "sk-watch.yaml"
    text = (ROOT / "examples" / "scorekeep.yaml").read_text()
    spec.write_text(text.replace("name: scorekeep\n", "name: sk-watch\n"))
    assert run_cli("submit", str(spec), "--endpoint-url", local_up).returncode == 0
    watched = run_cli("watch", "sk-watch", "--endpoint-url", local_up)
    assert watched.returncode == 0, watched.stdout + watched.stderr
    lines = watched.stdout.splitlines()
    assert lines[0].startswith("deployment ")
    assert any(line.startswith("  ✓ Record & release") for line in lines), lines
    assert lines[-1] == "execution SUCCEEDED"
