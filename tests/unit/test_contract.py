"""The typed documents between the steps: one JSON form each, read back exactly; a field
left unset is absent (what the state machine's IsPresent choices see); a missing required
key is an error naming the model and the key."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest

from ecsdrop.contract import JsonModel, recorded, returns_json
from ecsdrop.deploy.ledger import LedgerEntry
from ecsdrop.deploy.results import (
    AdmissionTurn,
    AdmissionWait,
    CaughtError,
    LockResult,
    Report,
    ServiceResult,
    Steps,
)
from ecsdrop.errors import ContractError
from tests.support.results import ROLLING_OUT

SERVICE = replace(ROLLING_OUT, ecs_deployment_id=None, settled=True, wait_seconds=60)


def test_fields_are_written_in_camel_case_and_read_back_equal() -> None:
    document = SERVICE.to_json()
    assert document["serviceArn"] == SERVICE.service_arn
    assert document["waitSeconds"] == 60
    assert ServiceResult.from_json(document) == SERVICE


def test_an_unset_optional_field_is_absent_and_a_required_null_is_written() -> None:
    document = SERVICE.to_json()
    assert "via" not in document  # default None: absent, as IsPresent must see it
    assert document["ecsDeploymentId"] is None  # required: written, null or not


def test_a_missing_required_key_names_the_model_and_the_key() -> None:
    document = SERVICE.to_json()
    del document["deadline"]
    with pytest.raises(ContractError, match="ServiceResult: deadline missing"):
        ServiceResult.from_json(document)


def test_a_key_the_model_does_not_know_is_ignored() -> None:
    # a document written by another version of ecsdrop, mid-upgrade
    assert ServiceResult.from_json({**SERVICE.to_json(), "addedLater": 1}) == SERVICE


def test_a_union_field_reads_the_model_whose_keys_are_there() -> None:
    waiting = AdmissionWait(AdmissionTurn(action="ecs:UpdateService", at=1000.5, wait_seconds=9))
    steps = Steps.from_json({"service": waiting.to_json(), "taskDefinition": None})
    assert steps.service == waiting
    assert Steps.from_json({"service": SERVICE.to_json()}).service == SERVICE


def test_a_union_field_holding_neither_model_is_an_error_naming_the_place() -> None:
    with pytest.raises(
        ContractError, match=r"Steps\.service: not a ServiceResult or AdmissionWait"
    ):
        Steps.from_json({"service": {"serviceArn": "x"}})


def test_steps_give_a_result_by_its_model_and_name_the_one_not_run_yet() -> None:
    steps = Steps(service=SERVICE)
    assert steps.done(ServiceResult) is SERVICE
    assert steps.maybe(LockResult) is None
    with pytest.raises(ContractError, match="no AdmissionWait in the workflow's steps"):
        steps.done(AdmissionWait)


def test_a_field_can_carry_another_json_name() -> None:
    refused = LockResult(True, False, None, None, refused=CaughtError("OwnershipError", "not ours"))
    document = refused.to_json()
    assert document["refused"] == {"Error": "OwnershipError", "Cause": "not ours"}
    assert LockResult.from_json(document) == refused


def test_a_flattened_field_holds_the_other_keys() -> None:
    report = Report.from_json({"state": "SUCCEEDED", "service": "web", "durationSeconds": 41.2})
    assert report.state == "SUCCEEDED"
    assert report.detail == {"service": "web", "durationSeconds": 41.2}
    assert report.to_json() == {"state": "SUCCEEDED", "service": "web", "durationSeconds": 41.2}


def test_a_ledger_entry_keeps_what_its_undo_needs() -> None:
    stored = {
        "kind": "service",
        "id": "web",
        "action": "changed",
        "previous": {"a": 1},
        "cluster": "c",
    }
    entry = LedgerEntry.from_json(stored)
    assert (entry.kind, entry.id, entry.previous, entry.details) == (
        "service",
        "web",
        {"a": 1},
        {"cluster": "c"},
    )
    assert entry.to_json() == stored


def test_a_record_that_predates_the_model_reads_as_none() -> None:
    assert recorded(ServiceResult, {"serviceArn": "x"}) is None
    assert recorded(ServiceResult, None) is None
    assert recorded(ServiceResult, SERVICE.to_json()) == SERVICE


@dataclass(frozen=True)
class _Answer(JsonModel):
    value_seen: int


def test_a_handler_returning_a_model_gives_lambda_its_json() -> None:
    @returns_json
    def handler(event: dict[str, Any], context: object) -> _Answer:
        return _Answer(event["n"])

    assert handler({"n": 3}, None) == {"valueSeen": 3}
    assert handler.__wrapped__.__annotations__["return"] in (_Answer, "_Answer")  # type: ignore[attr-defined]
