"""Handlers fed real event JSON from events/, wired by environment as template.yaml wires them."""

from __future__ import annotations

import pytest

from ecsdrop.errors import ConfigurationError, SpecError
from tests.support.handlers import invoke
from tests.support.moto_stack import (
    ACCOUNT,
    BUCKET,
    REGION,
    MotoStack,
    example,
    real_event,
)


def execution() -> dict[str, str]:
    return {
        "name": "run-h",
        "id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:ecsdrop-deploy:run-h",
        "startTime": "2026-11-28T12:00:00.000Z",
    }


def test_load_spec_reads_the_uploaded_version_named_by_the_s3_event(wired: MotoStack) -> None:
    version = wired.upload(example("scorekeep.yaml"))
    wired.upload(example("scorekeep.yaml").replace("desiredCount: 2", "desiredCount: 7"))
    state = invoke(
        "load_spec",
        {"input": wired.s3_event("specs/scorekeep.yaml", version), "execution": execution()},
    )
    assert state["deployment"]["spec_version_id"] == version
    assert state["spec"]["service"]["desiredCount"] == 2  # that version, not the newest
    assert state["deployment"]["id"] == "run-h"
    assert state["deployment"]["trigger"]["type"] == "spec-upload"


def test_load_spec_rejects_an_invalid_spec_with_every_problem(wired: MotoStack) -> None:
    broken = example("scorekeep.yaml").replace("containerPort: 5000", "containerPort: 8080")
    broken = broken.replace("cpu: 1 vCPU", "cpu: 3 vCPU")
    version = wired.upload(broken)
    with pytest.raises(SpecError) as raised:
        invoke(
            "load_spec",
            {"input": wired.s3_event("specs/scorekeep.yaml", version), "execution": execution()},
        )
    lines = str(raised.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("specs/scorekeep.yaml:18:")
    assert "Fargate has no task size of 3072 CPU units" in lines[0]
    assert "port 8080/tcp is already taken" in lines[1]


def test_load_spec_insists_the_file_name_is_the_service_name(wired: MotoStack) -> None:
    version = wired.upload(example("scorekeep.yaml"), key="specs/other.yaml")
    with pytest.raises(SpecError, match="must be 'other'"):
        invoke(
            "load_spec",
            {"input": wired.s3_event("specs/other.yaml", version), "execution": execution()},
        )


def test_a_rejected_spec_is_announced_and_written_to_the_status_object(wired: MotoStack) -> None:
    version = wired.upload("version: 1\nservice: {name: scorekeep}\n")
    event = wired.s3_event("specs/scorekeep.yaml", version)
    error = {"Error": "SpecError", "Cause": '{"errorMessage": "taskDefinition: required"}'}
    report = invoke(
        "finish",
        {
            "outcome": "REJECTED",
            "event": {**event, "error": error},
            "error": error,
            "execution": execution(),
        },
    )
    assert report["state"] == "REJECTED"
    assert wired.status_object("scorekeep")["cause"] == "taskDefinition: required"
    (published,) = wired.published()
    assert published["detail-type"] == "Deployment State Change"
    assert published["detail"]["state"] == "REJECTED"
    assert published["detail"]["spec"]["versionId"] == version


def test_the_rollout_events_handler_records_an_ecs_verdict(wired: MotoStack) -> None:
    result = invoke("rollout_events", real_event("ecs-deployment-completed.json"))
    assert result == {"done": "recorded"}
    assert wired.runtime.store.rollout_outcome("ecs-svc/123") is not None


def test_a_function_missing_its_configuration_fails_loudly(
    wired: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TABLE_NAME")
    with pytest.raises(ConfigurationError, match="TABLE_NAME"):
        invoke("rollout_events", real_event("ecs-deployment-completed.json"))


def test_load_spec_turns_a_delete_marker_into_the_deletion_of_the_running_spec(
    wired: MotoStack,
) -> None:
    wired.deploy(
        example("scorekeep.yaml").replace("  tags:\n", "  deletionPolicy: delete\n  tags:\n")
    )
    event = real_event("s3-object-deleted.json")
    event["detail"]["bucket"]["name"] = BUCKET

    state = invoke("load_spec", {"input": event, "execution": execution()})

    assert state["deployment"]["action"] == "delete"
    assert state["deployment"]["trigger"]["type"] == "spec-delete"
    assert state["spec"]["service"]["deletionPolicy"] == "delete"  # the spec that runs


def test_load_spec_ignores_a_delete_marker_of_a_spec_that_never_deployed(wired: MotoStack) -> None:
    event = real_event("s3-object-deleted.json")
    event["detail"]["bucket"]["name"] = BUCKET

    answer = invoke("load_spec", {"input": event, "execution": execution()})

    assert answer == {"ignored": "no deployment of scorekeep runs: nothing to delete"}


def test_the_plan_function_announces_what_a_plans_upload_would_change(wired: MotoStack) -> None:
    wired.deploy(example("scorekeep.yaml"))
    wired.published()
    version = wired.upload(
        example("scorekeep.yaml").replace("desiredCount: 2", "desiredCount: 5"),
        key="plans/scorekeep.yaml",
    )
    event = real_event("s3-plan-uploaded.json")
    event["detail"]["bucket"]["name"] = BUCKET
    event["detail"]["object"]["version-id"] = version

    answer = invoke("plan", event)

    assert answer["state"] == "PLANNED"
    assert answer["changed"] == ["service"]
    assert "-desiredCount: 2\n" in answer["diff"] and "+desiredCount: 5\n" in answer["diff"]
    (published,) = wired.published()
    assert published["detail"] == answer
    assert wired.runtime.store.get_state("scorekeep")["spec"]["service"]["desiredCount"] == 2


def test_the_plan_function_answers_a_diff_request_and_publishes_nothing(wired: MotoStack) -> None:
    wired.deploy(example("scorekeep.yaml"))
    wired.published()

    answer = invoke("plan", {"spec": example("scorekeep.yaml"), "filename": "scorekeep.yaml"})

    assert answer["valid"] is True
    # plain moto describes no grace period or exec setting (the local cloud does, as ECS:
    # tests/e2e/pipeline/test_diff_and_rollback.py sees no change at all); the rest is equal
    assert set(answer["changed"]) <= {"service"}, answer["diff"]
    assert "-desiredCount" not in answer["diff"] and "image:" not in answer["diff"]
    assert wired.published() == []


def test_the_plan_function_reports_an_invalid_plan_as_rejected(wired: MotoStack) -> None:
    version = wired.upload(
        example("scorekeep.yaml").replace("containerPort: 5000", "containerPort: 8080"),
        key="plans/scorekeep.yaml",
    )
    event = real_event("s3-plan-uploaded.json")
    event["detail"]["bucket"]["name"] = BUCKET
    event["detail"]["object"]["version-id"] = version

    answer = invoke("plan", event)

    assert (answer["state"], answer["error"]) == ("REJECTED", "SpecError")
    assert answer["trigger"]["type"] == "plan"
    assert "port 8080/tcp is already taken" in answer["cause"]
