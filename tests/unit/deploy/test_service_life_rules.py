"""The pure rules of a service's life: where a run comes from, who owns a service, the
count an autoscaled update keeps, and what diff reports."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecsdrop.deploy.diff import Section
from ecsdrop.deploy.load import owner_key, service_name_near, service_name_of, source_of
from ecsdrop.deploy.lock import prepare_skip_reason
from ecsdrop.deploy.service import restorable_settings, running_desired_count
from ecsdrop.deploy.state import DELETE, DEPLOY, PREPARE, Deployment, WorkflowState
from ecsdrop.spec import load_spec
from ecsdrop.spec.model import digest_of
from ecsdrop.spec.render import network_plan
from tests.support.template import ROOT


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "events" / name).read_text())
    return loaded


def scaled_spec(**autoscaling: int) -> Any:
    scaling = "".join(f"    {k}: {v}\n" for k, v in autoscaling.items())
    text = (ROOT / "examples" / "scorekeep.yaml").read_text()
    if scaling:
        text = text.replace("  tags:\n", f"  autoscaling:\n{scaling}  tags:\n")
    return load_spec(text, "specs/scorekeep.yaml")


def test_a_delete_marker_on_a_spec_is_a_deletion_of_its_service() -> None:
    source = source_of(event("s3-object-deleted.json"))

    assert source.action == DELETE
    assert source.key == "specs/scorekeep.yaml"
    assert source.version_id is None  # the marker has no spec to read
    assert source.trigger["type"] == "spec-delete"
    assert source.trigger["requester"] == "123456789012"


def test_an_upload_is_a_deployment_and_a_delete_request_a_deletion() -> None:
    assert source_of(event("s3-object-created.json")).action == DEPLOY
    request = source_of({"delete": {"service": "web", "specKey": "specs/web.yaml"}})
    assert (request.action, request.key, request.trigger["type"]) == (
        DELETE,
        "specs/web.yaml",
        "delete-request",
    )


def test_a_rollback_request_carries_the_revision_to_reuse() -> None:
    arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"
    source = source_of(
        {
            "redeploy": {
                "specKey": "specs/web.yaml",
                "rollbackTo": arn,
                "trigger": {"type": "rollback"},
            }
        }
    )

    assert (source.action, source.rollback_to) == (DEPLOY, arn)


@pytest.mark.parametrize(
    ("key", "strict", "near"),
    [
        ("specs/web.yaml", "web", "web"),
        ("specs/team/web.yaml", None, "web"),
        ("specs/Web.yml", None, "web"),
        ("specs/web;reboot.yaml", None, None),
        ("specs/../x.json", None, "x"),
    ],
)
def test_a_key_names_its_service_strictly_or_as_a_hint_for_reports(
    key: str, strict: str | None, near: str | None
) -> None:
    assert service_name_of(key) == strict
    assert service_name_near(key) == near


@pytest.mark.parametrize(
    ("record", "owner"),
    [
        (None, None),
        ({"specKey": "specs/web.yaml"}, "specs/web.yaml"),  # a first-wave record: SUCCEEDED
        ({"status": "SUCCEEDED", "specKey": "specs/web.json"}, "specs/web.json"),
        ({"status": "DELETE_FAILED", "specKey": "specs/web.yaml"}, "specs/web.yaml"),
        ({"status": "DELETED", "specKey": "specs/web.yaml"}, None),
        ({"status": "RETAINED", "specKey": "specs/web.yaml"}, None),
        ({"status": "PREPARED", "specKey": "specs/web.yaml"}, "specs/web.yaml"),
    ],
)
def test_the_owner_key_is_the_key_of_what_runs_until_the_service_ends(
    record: dict[str, Any] | None, owner: str | None
) -> None:
    assert owner_key(record) == owner


def test_a_prepare_request_carries_its_spec_for_the_key_that_will_own_the_service() -> None:
    source = source_of(
        {
            "prepare": {
                "service": "web",
                "specKey": "specs/web.yaml",
                "spec": "service:\n  name: web\n",
                "requester": "ana",
                "requestId": "r-1",
            }
        }
    )

    assert (source.action, source.key, source.version_id) == (PREPARE, "specs/web.yaml", None)
    assert source.body == b"service:\n  name: web\n"
    assert source.trigger == {"type": "run", "requester": "ana", "requestId": "r-1"}


def _prepare_state() -> WorkflowState:
    spec = scaled_spec()
    deployment = Deployment(
        id="run-1",
        execution_arn="arn:aws:states:us-east-1:123456789012:execution:deploy:run-1",
        service=spec.name,
        cluster=spec.cluster,
        started_at="2026-12-03T10:00:00Z",
        spec_key="specs/scorekeep.yaml",
        spec_version_id=None,
        spec_digest=spec.digest,
        trigger={"type": "run"},
        action=PREPARE,
    )
    return WorkflowState(deployment=deployment, spec=spec)


def _network(plan_digest: str) -> dict[str, Any]:
    return {
        "mode": "managed",
        "vpcId": "vpc-1",
        "vpcCidr": "10.0.0.0/16",
        "availabilityZones": ["us-east-1a", "us-east-1b"],
        "publicSubnetIds": ["subnet-1", "subnet-2"],
        "privateSubnetIds": ["subnet-3", "subnet-4"],
        "natGatewayIds": ["nat-1"],
        "securityGroups": {"tasks": "sg-1", "loadBalancer": "sg-2"},
        "taskSubnetIds": ["subnet-3", "subnet-4"],
        "taskSecurityGroupIds": ["sg-1"],
        "assignPublicIp": "DISABLED",
        "planDigest": plan_digest,
    }


def test_a_network_for_tasks_is_built_only_when_the_service_has_none_that_fits() -> None:
    state = _prepare_state()
    same = digest_of(network_plan(state.spec))

    assert prepare_skip_reason(state, None) is None  # never deployed: build it
    assert prepare_skip_reason(state, {"status": "ROLLED_BACK"}) is None
    assert prepare_skip_reason(state, {"status": "RETAINED"}) is None
    deployed = {"status": "SUCCEEDED", "network": _network("other")}
    assert "is deployed" in str(prepare_skip_reason(state, deployed))
    prepared = {"status": "PREPARED", "network": _network(same)}
    assert "prepared already" in str(prepare_skip_reason(state, prepared))
    # the spec now plans another network: build (or find by its tags) what it plans
    assert prepare_skip_reason(state, {"status": "PREPARED", "network": _network("x")}) is None


def test_an_update_of_an_autoscaled_service_keeps_the_count_it_was_scaled_to() -> None:
    spec = scaled_spec(minCapacity=2, maxCapacity=10)
    target = {"MinCapacity": 2, "MaxCapacity": 10}

    assert running_desired_count(spec, {"desiredCount": 6}, target) == 6
    assert running_desired_count(spec, {"desiredCount": 40}, target) == 10  # clamped down
    assert running_desired_count(spec, {"desiredCount": 1}, target) == 2  # clamped up


def test_without_a_scalable_target_an_update_sends_the_specs_count() -> None:
    spec = scaled_spec()

    assert running_desired_count(spec, {"desiredCount": 6}, None) == 2
    assert running_desired_count(spec, None, None) == 2


def test_a_hand_registered_scalable_target_bounds_the_kept_count() -> None:
    spec = scaled_spec()  # no autoscaling in the spec: the target's bounds hold

    assert (
        running_desired_count(spec, {"desiredCount": 9}, {"MinCapacity": 1, "MaxCapacity": 5}) == 5
    )


def test_settings_describe_leaves_out_are_restored_as_ecs_defaults() -> None:
    described = {"taskDefinition": "arn:td:1", "desiredCount": 1, "launchType": "FARGATE"}

    settings = restorable_settings(described)

    assert settings == {
        "taskDefinition": "arn:td:1",
        "desiredCount": 1,
        "platformVersion": "LATEST",
        "enableExecuteCommand": False,
        "propagateTags": "NONE",
        "loadBalancers": [],
    }
    assert "healthCheckGracePeriodSeconds" not in settings  # no load balancer to use it


def test_a_section_that_differs_is_a_unified_diff_and_an_equal_one_nothing() -> None:
    changed = Section("service", {"desiredCount": 2}, {"desiredCount": 4})
    same = Section("network", {"cidr": "10.0.0.0/16"}, {"cidr": "10.0.0.0/16"})
    new = Section("loadBalancer", None, {"type": "application"})

    assert changed.lines() == [
        "--- running/service",
        "+++ spec/service",
        "@@ -1 +1 @@",
        "-desiredCount: 2",
        "+desiredCount: 4",
    ]
    assert same.lines() == [] and not same.changed
    assert new.changed and new.lines()[-1] == "+type: application"
