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
    faults_from_data,
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
    taken = book.take_rollout_fault("prod", "web")
    assert taken is not None and (taken.reason, taken.health) == ("boom", None)
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


def test_the_optional_fields_round_trip_too() -> None:
    specs = [
        {
            "api": "ec2:CreateVpc",
            "error": None,
            "status": None,
            "message": None,
            "times": 1,
            "after": 2,
            "delay": 5.0,
            "user-agent": "ecsdrop",
            "body": "*LOCK*",
        },
        {"event": "duplicate", "source": None, "detail-type": None, "times": 1, "copies": 3},
    ]
    assert [fault_to_dict(fault_from_dict(spec)) for spec in specs] == specs


def test_a_delay_alone_makes_the_call_and_a_delay_with_an_error_replaces_it() -> None:
    late = fault_from_dict({"api": "ecs:CreateService", "delay": 2})
    assert (late.error, late.delay) == (None, 2.0)
    failing = fault_from_dict({"api": "ecs:CreateService", "delay": 2, "error": "ServerException"})
    assert (failing.error, failing.delay) == ("ServerException", 2.0)
    assert fault_from_dict({"api": "ecs:CreateService"}).error == "ThrottlingException"


def test_after_lets_the_first_matching_calls_pass() -> None:
    book = FaultBook()
    book.add(
        fault_from_dict(
            {"api": "ecs:UpdateService", "error": "AccessDeniedException", "after": 2, "times": 1}
        )
    )
    assert book.take_api_fault("ecs:UpdateService") is None
    assert book.take_api_fault("ecs:DescribeServices") is None  # not matching: not counted
    assert book.take_api_fault("ecs:UpdateService") is None
    assert book.take_api_fault("ecs:UpdateService") is not None
    assert book.describe() == []


def test_user_agent_limits_a_fault_to_some_clients() -> None:
    book = FaultBook()
    book.add(fault_from_dict({"api": "s3:*", "error": "AccessDenied", "user-agent": "ecsdrop"}))
    assert book.take_api_fault("s3:PutObject", "Boto3/1.35 Botocore/1.35") is None
    assert book.take_api_fault("s3:PutObject", "Boto3/1.35 Botocore/1.35 ecsdrop-cli") is None
    assert book.take_api_fault("s3:PutObject", "Boto3/1.35 ecsdrop PT/no-op/3") is not None


def test_body_limits_a_fault_to_matching_requests() -> None:
    book = FaultBook()
    assert not book.wants_bodies()
    book.add(fault_from_dict({"api": "dynamodb:PutItem", "body": '*"SK": {"S": "LOCK"}*'}))
    assert book.wants_bodies()
    state = '{"Item": {"PK": {"S": "SERVICE#web"}, "SK": {"S": "STATE"}}}'
    lock = '{"Item": {"PK": {"S": "SERVICE#web"}, "SK": {"S": "LOCK"}}}'
    assert book.take_api_fault("dynamodb:PutItem", "", state) is None
    assert book.take_api_fault("dynamodb:PutItem", "", lock) is not None


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
        ({"event": "delay"}, "event: must be drop or duplicate"),
        ({"api": "ecs:X", "times": 0}, "times: must be an integer of at least 1"),
        ({"api": "ecs:X", "after": -1}, "after: must be an integer of at least 0"),
        ({"api": "ecs:X", "delay": 0}, "delay: must be a positive number"),
        ({"event": "duplicate", "copies": 1}, "copies: must be an integer of at least 2"),
        ({"something": "else"}, "one of the keys"),
        ({"api": "ecs:X", "status": "503"}, "status: must be an integer from 100 to 599"),
        ({"api": "ecs:X", "message": 5}, "message: must be a string, got 5"),
        ({"rollout": ["web"]}, r"rollout: must be a string, got \['web'\]"),
    ],
)
def test_malformed_faults_are_explained(spec: dict[str, object], message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        fault_from_dict(spec)


def test_non_json_body_is_a_fault_spec_error() -> None:
    with pytest.raises(FaultSpecError, match="not JSON"):
        parse_faults_json(b"api: x")


@pytest.mark.parametrize(
    ("spec", "key", "message"),
    [
        (
            {"api": "ecs:X", "tims": 2},
            "tims",
            "unknown key 'tims'; api faults take api, error, status, message, times, after, "
            "delay, user-agent, user_agent, body",
        ),
        (
            {"rollout": "web", "error": "X"},
            "error",
            "unknown key 'error'; rollout faults take rollout, cluster, reason, times, health",
        ),
        (
            {"event": "drop", "delay": 1},
            "delay",
            "unknown key 'delay'; event faults take event, source, detail-type, detail_type, "
            "times, copies",
        ),
    ],
)
def test_a_key_the_kind_of_fault_does_not_take_is_an_error_not_ignored(
    spec: dict[str, object], key: str, message: str
) -> None:
    with pytest.raises(FaultSpecError) as refused:
        fault_from_dict(spec)

    assert refused.value.problems == (((key,), message),)


def test_every_problem_of_every_fault_is_reported_with_the_path_of_its_key() -> None:
    with pytest.raises(FaultSpecError) as refused:
        faults_from_data(
            {
                "faults": [
                    {"api": "ecs:UpdateService", "times": 1},
                    {"api": "ecs:X", "tims": 1, "delay": "soon"},
                    "throttle everything",
                ]
            }
        )

    assert [(path, message.split(";")[0]) for path, message in refused.value.problems] == [
        (("faults", 1, "tims"), "unknown key 'tims'"),
        (("faults", 1, "delay"), "must be a positive number of seconds, got 'soon'"),
        (("faults", 2), "not a fault: 'throttle everything'"),
    ]
    assert str(refused.value).splitlines()[0].startswith("faults[1].tims: unknown key 'tims'")


def test_a_fault_list_that_is_no_list_is_an_error() -> None:
    with pytest.raises(FaultSpecError, match="faults: must be a list of faults"):
        faults_from_data({"faults": {"api": "ecs:X"}})
    with pytest.raises(FaultSpecError, match="a list of faults, or a mapping with the key faults"):
        faults_from_data("api: ecs:X")


def test_an_unknown_key_in_a_posted_fault_body_is_refused() -> None:
    with pytest.raises(FaultSpecError, match="times_: unknown key 'times_'"):
        parse_faults_json(b'{"rollout": "web", "times_": 1}')


def test_a_fault_file_that_is_not_yaml_is_a_fault_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text("- api: [ecs:X\n")

    with pytest.raises(FaultSpecError, match="is not YAML"):
        load_faults(path)


def test_a_rollout_fault_makes_tasks_fail_their_health_checks_only_when_it_says_unhealthy() -> None:
    (fault,) = load_faults([{"rollout": "web", "health": "unhealthy"}])
    assert isinstance(fault, RolloutFault) and fault.health == "unhealthy"
    assert fault_to_dict(fault)["health"] == "unhealthy"
    with pytest.raises(FaultSpecError, match="must be unhealthy"):
        load_faults([{"rollout": "web", "health": "sick"}])
