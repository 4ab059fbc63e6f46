"""Fault descriptions: parsing, matching, consumption."""

from __future__ import annotations

from pathlib import Path

import pytest

from localcloud.errors import FaultSpecError
from localcloud.faults import (
    ApiFault,
    EventFault,
    FaultBook,
    RolloutFault,
    fault_from_dict,
    fault_to_dict,
    load_faults,
    parse_faults_json,
)


def test_api_fault_is_consumed_after_its_times_and_matches_wildcards_case_insensitively() -> None:
    book = FaultBook()
    book.add(fault_from_dict({"api": "ECS:Update*", "error": "ThrottlingException", "times": 2}))
    assert book.take_api_fault("ecs:ListClusters") is None
    first = book.take_api_fault("ecs:UpdateService")
    assert first is not None and first.http_status == 400
    assert book.take_api_fault("ecs:UpdateServicePrimaryTaskSet") is not None
    assert book.take_api_fault("ecs:UpdateService") is None
    assert book.describe() == []


def test_fault_without_times_applies_forever() -> None:
    book = FaultBook()
    book.add(ApiFault(call="s3:PutObject", error="AccessDenied"))
    for _ in range(5):
        fault = book.take_api_fault("s3:PutObject")
        assert fault is not None and fault.http_status == 403
    assert len(book.describe()) == 1


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("TooManyRequestsException", 429),
        ("InternalFailure", 500),
        ("ServiceUnavailable", 503),
        ("ValidationException", 400),
    ],
)
def test_default_status_follows_the_error_code(error: str, status: int) -> None:
    assert ApiFault(call="x:Y", error=error).http_status == status


def test_rollout_fault_matches_service_and_optional_cluster() -> None:
    book = FaultBook()
    book.add(RolloutFault(service="web", cluster="prod", reason="boom", times=1))
    assert book.take_rollout_fault("dev", "web") is None
    assert book.take_rollout_fault("prod", "api") is None
    assert book.take_rollout_fault("prod", "web") == "boom"
    assert book.take_rollout_fault("prod", "web") is None


def test_event_fault_drops_or_duplicates_matching_events() -> None:
    book = FaultBook()
    book.add(EventFault(action="drop", source="aws.ecs", times=1))
    book.add(EventFault(action="duplicate", detail_type="ECR Image Action", times=1))
    ecs_event = {"source": "aws.ecs", "detail-type": "ECS Deployment State Change"}
    ecr_event = {"source": "aws.ecr", "detail-type": "ECR Image Action"}
    assert book.event_copies(ecs_event) == 0
    assert book.event_copies(ecs_event) == 1
    assert book.event_copies(ecr_event) == 2
    assert book.event_copies(ecr_event) == 1


def test_faults_round_trip_through_their_dict_form() -> None:
    specs = [
        {
            "api": "ec2:CreateVpc",
            "error": "RequestLimitExceeded",
            "status": 503,
            "message": "m",
            "times": 1,
        },
        {"rollout": "web", "cluster": "apps", "reason": "r", "times": 2},
        {"event": "duplicate", "source": "aws.s3", "detail-type": "Object Created", "times": None},
    ]
    assert [fault_to_dict(fault_from_dict(spec)) for spec in specs] == specs


def test_faults_load_from_a_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text(
        "faults:\n  - api: dynamodb:PutItem\n    error: ProvisionedThroughputExceededException\n"
    )
    (fault,) = load_faults(path)
    assert fault == ApiFault(
        call="dynamodb:PutItem", error="ProvisionedThroughputExceededException"
    )


def test_a_single_fault_object_in_json_is_accepted() -> None:
    (fault,) = parse_faults_json(b'{"rollout": "web"}')
    assert isinstance(fault, RolloutFault)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"api": "UpdateService"}, "service:Action"),
        ({"event": "delay"}, "drop or duplicate"),
        ({"api": "ecs:X", "times": 0}, "positive integer"),
        ({"something": "else"}, "one of the keys"),
    ],
)
def test_malformed_faults_are_explained(spec: dict[str, object], message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        fault_from_dict(spec)


def test_non_json_body_is_a_fault_spec_error() -> None:
    with pytest.raises(FaultSpecError, match="not JSON"):
        parse_faults_json(b"api: x")
