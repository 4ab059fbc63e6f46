"""A service's whole life through the real pipeline: ownership, adoption, one owner key,
deletion (retain, delete, a failure half way and its retry), ECR pushes after deletion,
autoscaling-safe redeploys, and the status while a run holds the lock."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.pipeline.conftest import Pipeline, scorekeep, wait_until
from tests.support.architecture import tagged_resources
from tests.support.hand_made import SERVICE_FIELDS, described, hand_made_service

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
HAND_TAGS = {"owner": "another-team"}  # the hand-made services' own tag


def own_images(name: str, **replacements: str) -> str:
    """scorekeep as ``name`` with repositories of its own, so that pushes for this test
    redeploy no other test's service."""
    return scorekeep(
        name,
        **{
            "/scorekeep-frontend:latest": f"/{name}-frontend:latest",
            "/scorekeep-api:latest": f"/{name}-api:latest",
            **replacements,
        },
    )


def push_own(pipeline: Pipeline, name: str, content: str = "v1") -> None:
    pipeline.push(f"{name}-frontend", "latest", content)
    pipeline.push(f"{name}-api", "latest", content)


def revisions(pipeline: Pipeline, family: str) -> list[str]:
    ecs = pipeline.client("ecs")
    active = ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"]
    inactive = ecs.list_task_definitions(familyPrefix=family, status="INACTIVE")
    return sorted([*active, *inactive["taskDefinitionArns"]])


def status_object(pipeline: Pipeline, service: str) -> dict[str, Any]:
    body = pipeline.client("s3").get_object(
        Bucket=pipeline.stack.bucket, Key=f"status/{service}.json"
    )["Body"]
    loaded: dict[str, Any] = json.loads(body.read())
    return loaded


# --------------------------------------------------------------------------- ownership


def test_a_hand_made_service_is_not_taken_over_and_stays_exactly_as_it_was(
    pipeline: Pipeline,
) -> None:
    before = hand_made_service(pipeline.client, "handmade", "sk-takeover", HAND_TAGS)

    result = pipeline.submit(
        scorekeep("sk-takeover", **{"  tags:\n": "  cluster: handmade\n  tags:\n"}), "sk-takeover"
    )

    assert result["status"] == "REJECTED", result
    assert "ECS service sk-takeover in cluster handmade" in result["cause"]
    assert "service.adopt: true" in result["cause"]
    assert described(pipeline.client, "handmade", "sk-takeover") == before
    assert revisions(pipeline, "sk-takeover") == []
    assert tagged_resources(pipeline.client, "sk-takeover") == []
    assert status_object(pipeline, "sk-takeover")["state"] == "REJECTED"


def test_adopt_takes_a_hand_made_service_over_and_a_failed_first_deployment_restores_it(
    pipeline: Pipeline,
) -> None:
    before = hand_made_service(pipeline.client, "adoptable", "sk-adopt", HAND_TAGS)
    spec = scorekeep("sk-adopt", **{"  tags:\n": "  cluster: adoptable\n  adopt: true\n  tags:\n"})
    pipeline.cloud.add_fault({"rollout": "sk-adopt", "times": 1})

    failed = pipeline.submit(spec, "sk-adopt")

    assert failed["status"] == "ROLLED_BACK", failed
    after = described(pipeline.client, "adoptable", "sk-adopt")
    # Without a load balancer a grace period means nothing, and UpdateService cannot unset it.
    kept = [f for f in SERVICE_FIELDS if f not in ("deployments", "healthCheckGracePeriodSeconds")]
    assert {f: after.get(f) for f in kept} == {f: before.get(f) for f in kept}
    assert {"key": "ecsdrop:service", "value": "sk-adopt"} not in after["tags"]

    adopted = pipeline.submit(spec, "sk-adopt")

    assert adopted["status"] == "SUCCEEDED", adopted
    service = described(pipeline.client, "adoptable", "sk-adopt")
    assert {"key": "ecsdrop:service", "value": "sk-adopt"} in service["tags"]
    assert {"key": "owner", "value": "another-team"} in service["tags"]
    assert service["taskDefinition"] == adopted["taskDefinitionArn"]


def test_a_second_key_for_one_service_is_rejected_naming_the_key_that_owns_it(
    pipeline: Pipeline,
) -> None:
    first = pipeline.submit(scorekeep("sk-dup"), "sk-dup")
    assert first["status"] == "SUCCEEDED", first
    other = json.dumps(
        yaml.safe_load(scorekeep("sk-dup", **{"desiredCount: 2": "desiredCount: 3"}))
    )

    version = pipeline.upload("specs/sk-dup.json", other)
    second = pipeline.follow(_upload_of("specs/sk-dup.json", version), "sk-dup")

    assert second["status"] == "REJECTED", second
    assert "specs/sk-dup.yaml" in second["cause"]
    assert (
        status_object(pipeline, "sk-dup")["deploymentId"]
        == first["executionArn"].rsplit(":", 1)[-1]
    )
    assert described(pipeline.client, "ecsdrop", "sk-dup")["desiredCount"] == 2


def test_a_spec_at_a_key_ecsdrop_does_not_accept_is_rejected_where_people_look(
    pipeline: Pipeline,
) -> None:
    version = pipeline.upload("specs/team/sk-nested.yaml", scorekeep("sk-nested"))

    result = pipeline.follow(_upload_of("specs/team/sk-nested.yaml", version), "sk-nested")

    assert result["status"] == "REJECTED", result
    assert "specs/<service>.yaml" in result["cause"]
    assert status_object(pipeline, "sk-nested")["state"] == "REJECTED"
    published = [
        e["event"]["detail"]
        for e in pipeline.cloud.events()
        if e["event"].get("source") == "ecsdrop"
        and e["event"]["detail"].get("spec", {}).get("key") == "specs/team/sk-nested.yaml"
    ]
    assert [d["state"] for d in published] == ["REJECTED"]


def _upload_of(key: str, version: str | None) -> Any:
    def wanted(started: dict[str, Any]) -> bool:
        obj = (started.get("detail") or {}).get("object") or {}
        return bool(obj.get("key") == key and obj.get("version-id") == version)

    return wanted


# --------------------------------------------------------------------------- deletion


def test_deleting_a_delete_policy_spec_removes_everything_it_made_and_pushes_start_nothing(
    pipeline: Pipeline,
) -> None:
    push_own(pipeline, "sk-gone")
    spec = own_images("sk-gone", **{"  tags:\n": "  deletionPolicy: delete\n  tags:\n"})
    deployed = pipeline.submit(spec, "sk-gone")
    assert deployed["status"] == "SUCCEEDED", deployed
    assert tagged_resources(pipeline.client, "sk-gone") != []

    deleted = pipeline.delete("specs/sk-gone.yaml", "sk-gone")

    assert deleted["status"] == "DELETED", deleted
    assert tagged_resources(pipeline.client, "sk-gone") == []
    services = pipeline.client("ecs").describe_services(cluster="ecsdrop", services=["sk-gone"])
    assert all(s["status"] != "ACTIVE" for s in services["services"])
    assert status_object(pipeline, "sk-gone")["state"] == "DELETED"
    assert pipeline.state("sk-gone")["status"] == "DELETED"
    runs = len(pipeline.executions_of("sk-gone"))

    push_own(pipeline, "sk-gone", "v2")

    time.sleep(2)  # the push event's delivery: nothing may start
    assert len(pipeline.executions_of("sk-gone")) == runs


def test_a_retain_delete_leaves_the_service_running_and_stops_its_ecr_redeploys(
    pipeline: Pipeline,
) -> None:
    push_own(pipeline, "sk-kept")
    deployed = pipeline.submit(own_images("sk-kept"), "sk-kept")
    assert deployed["status"] == "SUCCEEDED", deployed
    before = described(pipeline.client, "ecsdrop", "sk-kept")

    retained = pipeline.delete("specs/sk-kept.yaml", "sk-kept")

    assert retained["status"] == "RETAINED", retained
    assert any("ECS service sk-kept" in item for item in retained["retained"])
    assert any("NAT gateway" in item for item in retained["retained"])
    after = described(pipeline.client, "ecsdrop", "sk-kept")
    assert {f: after.get(f) for f in SERVICE_FIELDS} == {f: before.get(f) for f in SERVICE_FIELDS}
    runs = len(pipeline.executions_of("sk-kept"))

    push_own(pipeline, "sk-kept", "v2")

    time.sleep(2)
    assert len(pipeline.executions_of("sk-kept")) == runs
    assert (
        described(pipeline.client, "ecsdrop", "sk-kept")["taskDefinition"]
        == before["taskDefinition"]
    )


def test_a_failure_half_way_through_a_delete_leaves_delete_failed_and_a_retry_finishes_it(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = scorekeep("sk-retry", **{"  tags:\n": "  deletionPolicy: delete\n  tags:\n"})
    assert pipeline.submit(spec, "sk-retry")["status"] == "SUCCEEDED"
    pipeline.cloud.add_fault({"api": "ec2:DeleteNatGateway", "error": "UnauthorizedOperation"})

    failed = pipeline.delete("specs/sk-retry.yaml", "sk-retry")

    assert failed["status"] == "DELETE_FAILED", failed
    assert any("natgateway" in item for item in failed["leftBehind"]), failed
    assert any("deleted service sk-retry" in item for item in failed["deleted"]), failed
    assert pipeline.state("sk-retry")["status"] == "DELETE_FAILED"
    left = tagged_resources(pipeline.client, "sk-retry")
    assert any(item.startswith("nat-") for item in left)
    pipeline.cloud.clear_faults()

    code = pipeline.cli("delete", "sk-retry", "--yes", "--wait", "--json")

    assert code == 0, capsys.readouterr().err
    retried = json.loads(capsys.readouterr().out)
    assert retried["status"] == "DELETED"
    assert tagged_resources(pipeline.client, "sk-retry") == []


# --------------------------------------------------------------------------- redeploys


def test_an_image_redeploy_of_an_autoscaled_service_keeps_the_count_it_was_scaled_to(
    pipeline: Pipeline,
) -> None:
    push_own(pipeline, "sk-scaled")
    spec = own_images(
        "sk-scaled",
        **{"  tags:\n": "  autoscaling:\n    minCapacity: 2\n    maxCapacity: 10\n  tags:\n"},
    )
    assert pipeline.submit(spec, "sk-scaled")["status"] == "SUCCEEDED"
    ecs = pipeline.client("ecs")
    ecs.update_service(cluster="ecsdrop", service="sk-scaled", desiredCount=6)  # as AAS would

    pipeline.push("sk-scaled-api", "latest", "v2")
    redeployed = pipeline.redeploy_of("sk-scaled")

    assert redeployed["status"] == "SUCCEEDED", redeployed
    service = described(pipeline.client, "ecsdrop", "sk-scaled")
    assert service["taskDefinition"] == redeployed["taskDefinitionArn"]
    assert service["desiredCount"] == 6


def test_the_status_object_says_in_progress_for_the_new_run_while_it_holds_the_lock(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first = pipeline.submit(scorekeep("sk-busy"), "sk-busy")
    assert first["status"] == "SUCCEEDED", first
    realistic = pipeline.cloud.profile
    pipeline.cloud.profile = replace(realistic, task_pending=600.0)  # a ten-minute image pull
    try:
        pipeline.push("scorekeep-api", "busy", "busy")
        changed = scorekeep("sk-busy", **{"scorekeep-api:latest": "scorekeep-api:busy"})
        path = tmp_path / "sk-busy.yaml"
        path.write_text(changed)

        code = pipeline.cli("submit", str(path), "--wait", "--timeout", "2", "--json")

        result = json.loads(capsys.readouterr().out)
        assert code == 1
        assert result["status"] in ("RUNNING", "IN_PROGRESS"), result
        assert result["revision"] is None and result["error"] is None, result
        run = result["executionArn"].rsplit(":", 1)[-1]
        assert wait_until(lambda: status_object(pipeline, "sk-busy")["deploymentId"] == run)
        assert status_object(pipeline, "sk-busy")["state"] == "IN_PROGRESS"
    finally:
        pipeline.cloud.profile = realistic
    assert wait_until(lambda: status_object(pipeline, "sk-busy")["state"] == "SUCCEEDED", 60)
