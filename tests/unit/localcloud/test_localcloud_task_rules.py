"""Task rules (`task:` in a fault file): how they are written, what they match, when used."""

from __future__ import annotations

import pytest

from localcloud.errors import FaultSpecError
from localcloud.faults import (
    DEFAULT_TASK_SECONDS,
    FaultBook,
    TaskContainerFacts,
    TaskFault,
    fault_from_dict,
    fault_to_dict,
    faults_from_data,
    parse_faults_json,
)

MIGRATION = [
    TaskContainerFacts("scorekeep-frontend", ""),
    TaskContainerFacts("scorekeep-api", "./migrate --yes"),
]


def test_a_misspelt_key_in_a_task_rule_is_a_fault_spec_error_naming_its_path() -> None:
    with pytest.raises(FaultSpecError) as refused:
        faults_from_data({"faults": [{"task": "scorekeep", "exit": 3, "secnods": 20}]})

    ((path, message),) = refused.value.problems
    assert path == ("faults", 0, "secnods")
    assert message.startswith("unknown key 'secnods'; task faults take task, service, cluster")
    assert str(refused.value).startswith("faults[0].secnods: unknown key 'secnods'")


@pytest.mark.parametrize(
    ("spec", "key", "message"),
    [
        ({"task": "x", "exit": 256}, "exit", "must be an integer from 0 to 255, got 256"),
        ({"task": "x", "exit": "3"}, "exit", "must be an integer from 0 to 255, got '3'"),
        ({"task": "x", "seconds": 0}, "seconds", "must be a positive number of seconds, got 0"),
        ({"task": "x", "logs": "done"}, "logs", "must be a list of strings, got 'done'"),
        ({"task": "x", "logs": ["a", 2]}, "logs", "must be a list of strings, got ['a', 2]"),
        ({"task": "x", "container": 1}, "container", "must be a string, got 1"),
        ({"task": "x", "reason": "R", "exit": 1}, "exit", "a task that fails to start (reason)"),
        ({"task": "x", "reason": "R", "logs": []}, "logs", "a task that fails to start (reason)"),
    ],
)
def test_a_task_rule_with_a_wrong_value_is_refused_at_its_key(
    spec: dict[str, object], key: str, message: str
) -> None:
    with pytest.raises(FaultSpecError) as refused:
        fault_from_dict(spec)

    ((path, said),) = refused.value.problems
    assert path == (key,)
    assert said.startswith(message)


def test_a_task_rule_round_trips_through_its_dict_form_and_the_http_body() -> None:
    spec = {
        "task": "scorekeep",
        "service": None,
        "cluster": "ecsdrop",
        "container": "scorekeep-api",
        "command": "./migrate*",
        "exit": 3,
        "seconds": 20.0,
        "logs": ["migrating", "done"],
        "reason": None,
        "times": 1,
    }
    assert fault_to_dict(fault_from_dict(spec)) == {
        key: value for key, value in spec.items() if key != "service"
    }
    (posted,) = parse_faults_json(b'{"task": "scorekeep", "exit": 3}')
    assert posted == TaskFault(family="scorekeep", exit_code=3)
    assert posted.seconds == DEFAULT_TASK_SECONDS


def test_a_rule_matches_the_containers_its_globs_name_in_a_standalone_task() -> None:
    rule = TaskFault(family="score*", container="*-api", command="./migrate*")
    assert rule.containers_matched("ecsdrop", "scorekeep", "family:scorekeep", MIGRATION) == [
        "scorekeep-api"
    ]
    assert rule.containers_matched("ecsdrop", "other", "family:other", MIGRATION) == []
    every = TaskFault(family="scorekeep")
    assert every.containers_matched("c", "scorekeep", "family:scorekeep", MIGRATION) == [
        "scorekeep-frontend",
        "scorekeep-api",
    ]
    elsewhere = TaskFault(family="scorekeep", cluster="prod")
    assert elsewhere.containers_matched("ecsdrop", "scorekeep", "family:x", MIGRATION) == []


def test_a_service_task_matches_only_a_rule_that_names_its_service() -> None:
    group = "service:scorekeep"
    family_only = TaskFault(family="scorekeep")
    assert family_only.containers_matched("c", "scorekeep", group, MIGRATION) == []
    named = TaskFault(family="scorekeep", service="score*", container="scorekeep-frontend")
    assert named.containers_matched("c", "scorekeep", group, MIGRATION) == ["scorekeep-frontend"]
    assert named.containers_matched("c", "scorekeep", "family:scorekeep", MIGRATION) == []


def test_the_first_matching_rule_is_taken_once_per_task_until_its_times_are_used() -> None:
    book = FaultBook()
    book.add(
        TaskFault(family="scorekeep", command="./seed*", exit_code=1),
        TaskFault(family="scorekeep", exit_code=3, times=1),
        TaskFault(family="scorekeep", exit_code=4),
    )

    first = book.take_task_fault("c", "scorekeep", "family:scorekeep", MIGRATION)
    second = book.take_task_fault("c", "scorekeep", "family:scorekeep", MIGRATION)

    assert first is not None and first[0].exit_code == 3
    assert second is not None and second[0].exit_code == 4
    assert book.take_task_fault("c", "scorekeep", "service:scorekeep", MIGRATION) is None
    assert [fault["exit"] for fault in book.describe()] == [1, 4]
