"""Hostile specs dropped into the bucket: each run ends REJECTED with the problem and its
place, in the status object and the REJECTED event; the workflow goes no further than
LoadSpec; nothing is created in the account; and each ends within a deadline."""

from __future__ import annotations

from typing import Any

import pytest

from ecsdrop_cli.deploy_commands import find_execution, started_by_upload, upload
from tests.e2e.hostile.cases import CASES, HostileCase
from tests.e2e.hostile.conftest import Installation

# API calls that create or change something the deployment would own. A rejected spec
# makes none of them (the S3 status object and the history record are the only writes).
CREATING = (
    "ecs:RegisterTaskDefinition",
    "ecs:CreateCluster",
    "ecs:CreateService",
    "ecs:UpdateService",
    "ec2:Create",
    "ec2:AllocateAddress",
    "ec2:AuthorizeSecurityGroupIngress",
    "elasticloadbalancing:Create",
    "logs:CreateLogGroup",
    "application-autoscaling:RegisterScalableTarget",
)
# The rejected path through the state machine: nothing after LoadSpec but the report.
REJECTED_PATH = ["LoadSpec", "Rejected", "SpecRejected"]


def states_entered(installation: Installation, execution: str) -> list[str]:
    history = installation.client("stepfunctions").get_execution_history(
        executionArn=execution, maxResults=1000
    )["events"]
    return [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]


def rejected_event(installation: Installation, execution: str) -> dict[str, Any]:
    name = execution.rsplit(":", 1)[-1]
    found = [
        e["event"]
        for e in installation.cloud.events()
        if e["event"].get("source") == "ecsdrop"
        and (e["event"].get("detail") or {}).get("deploymentId") == name
    ]
    assert len(found) == 1, f"expected one event of {name}, got {found}"
    return found[0]


def status_object(installation: Installation, service: str) -> dict[str, Any] | None:
    import json

    s3 = installation.client("s3")
    try:
        body = s3.get_object(Bucket=installation.stack.bucket, Key=f"status/{service}.json")
    except s3.exceptions.NoSuchKey:
        return None
    loaded: dict[str, Any] = json.loads(body["Body"].read())
    return loaded


def assert_nothing_deployed(installation: Installation) -> None:
    """No ecsdrop resource anywhere in the account: every upload so far was rejected."""
    ecs = installation.client("ecs")
    ec2 = installation.client("ec2")
    managed = [{"Name": "tag-key", "Values": ["ecsdrop:managed-by"]}]
    assert ecs.list_task_definitions()["taskDefinitionArns"] == []
    assert ecs.list_clusters()["clusterArns"] == []
    assert ec2.describe_vpcs(Filters=managed)["Vpcs"] == []
    assert ec2.describe_security_groups(Filters=managed)["SecurityGroups"] == []
    assert ec2.describe_addresses(Filters=managed)["Addresses"] == []
    assert installation.client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    groups = installation.client("logs").describe_log_groups(logGroupNamePrefix="/ecsdrop")
    assert groups["logGroups"] == []
    items = installation.client("dynamodb").scan(TableName=installation.stack.table)["Items"]
    assert [i for i in items if i["SK"]["S"] in ("LOCK", "STATE")] == []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_hostile_upload_is_rejected_and_creates_nothing(
    installation: Installation, case: HostileCase
) -> None:
    sfn = installation.client("stepfunctions")
    installation.cloud.reset_calls()

    version = upload(installation.stack, case.upload_key, case.body)
    execution = find_execution(
        sfn, installation.stack.state_machine_arn, started_by_upload(case.upload_key, version)
    )
    assert execution is not None, f"no deployment started for {case.upload_key}"
    described = installation.wait_for_end(execution)

    calls = installation.cloud.calls()
    assert described["status"] == "FAILED"
    assert described["error"] == "SpecRejected"
    assert states_entered(installation, execution) == REJECTED_PATH
    assert [c for c in calls if c.startswith(CREATING)] == []
    if case.id == "oversized":  # refused on its size: HEAD only, the body never read
        assert calls.get("s3:HeadObject", 0) >= 1
        assert calls.get("s3:GetObject", 0) == 0

    event = rejected_event(installation, execution)
    assert event["detail-type"] == "Deployment State Change"
    assert event["detail"]["state"] == "REJECTED"
    assert event["detail"]["error"] == "SpecError"
    assert case.says in event["detail"]["cause"]
    if case.service is not None:
        status = status_object(installation, case.service)
        assert status is not None
        assert status["deploymentId"] == execution.rsplit(":", 1)[-1]
        assert status["state"] == "REJECTED"
        assert case.says in status["cause"]
    else:  # neither the key nor its file name names a service: no status object to write
        assert event["detail"]["service"] is None
    assert_nothing_deployed(installation)


def test_the_installation_would_deploy_the_spec_the_cases_start_from(
    installation: Installation,
) -> None:
    """The control: without its hostile part a case's spec passes the same Load step, so each
    rejection above is for the hostile part alone. (Validated by the deployed LoadSpec
    function itself; the run then goes on to deploy, so it runs last.)"""
    from tests.e2e.hostile.cases import valid

    key = "specs/control.yaml"
    version = upload(installation.stack, key, valid("control").encode())
    sfn = installation.client("stepfunctions")
    execution = find_execution(
        sfn, installation.stack.state_machine_arn, started_by_upload(key, version)
    )
    assert execution is not None
    installation.wait_for_end(execution)

    assert states_entered(installation, execution)[:3] == [
        "LoadSpec",
        "AnythingToLoad",
        "AcquireLock",
    ]
