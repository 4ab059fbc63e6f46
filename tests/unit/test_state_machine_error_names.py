"""Every error name the state machine matches is one the code can raise.

Step Functions matches ``ErrorEquals`` names exactly (a Lambda error's name is its exception's
class name, a subclass's is its own), so a misspelt or stale name silently never matches: the
Retry never retries, the Catch never catches.
"""

from __future__ import annotations

import inspect
from typing import Any

import ecsdrop.errors
from ecsdrop.errors import EcsdropError
from tests.support.state_machine import (
    MatchedError,
    definition,
    deployable_sources,
    matched_errors,
    raised_names,
)

SERVICE_PREFIXES = ("States.", "Lambda.", "Sandbox.")
# what Step Functions' optimized ECS integration (ecs:runTask.sync) fails with when ECS
# answers with an error, throttling included (the cause names ECS's error code)
INTEGRATION_ERRORS = {"ECS.AmazonECSException"}


def unmatchable(machine: dict[str, Any], raised: set[str]) -> list[MatchedError]:
    """The matched names that are neither Step Functions' or Lambda's own nor a class of
    ecsdrop.errors that the code raises."""
    return [
        matched
        for matched in matched_errors(machine)
        if not matched.name.startswith(SERVICE_PREFIXES)
        and matched.name not in INTEGRATION_ERRORS
        and not (_is_ecsdrop_error(matched.name) and matched.name in raised)
    ]


def _is_ecsdrop_error(name: str) -> bool:
    candidate = getattr(ecsdrop.errors, name, None)
    return (
        inspect.isclass(candidate)
        and issubclass(candidate, EcsdropError)
        and candidate.__module__ == ecsdrop.errors.__name__
    )


def _task(*retried: str, caught: tuple[str, ...] = ("States.ALL",)) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "${LoadSpecFunctionArn}",
        "Retry": [{"ErrorEquals": list(retried)}],
        "Catch": [{"ErrorEquals": list(caught), "Next": "Done"}],
        "End": True,
    }


def test_every_error_name_the_state_machine_matches_is_an_ecsdrop_error_the_code_raises() -> None:
    machine = definition()
    assert unmatchable(machine, raised_names(deployable_sources())) == []
    # the names the workflow's Retry and Catch depend on today: the check had some to check
    assert {"SpecError", "LockHeldError", "TransientAwsError"} <= {
        m.name for m in matched_errors(machine)
    }


def test_a_misspelt_or_never_raised_error_name_is_reported_with_its_place() -> None:
    machine = {
        "StartAt": "Load",
        "States": {
            "Load": _task("TransientAWSError", "Lambda.Unknown", caught=("RollbackFailedError",))
        },
    }
    reported = unmatchable(machine, raised={"TransientAwsError", "SpecError"})
    assert reported == [
        MatchedError("Load", "Retry[0]", "TransientAWSError"),
        MatchedError("Load", "Catch[0]", "RollbackFailedError"),
    ]


def test_an_ecsdrop_error_the_code_never_raises_is_reported() -> None:
    machine = {"StartAt": "Load", "States": {"Load": _task("DeadlineExceededError")}}
    assert unmatchable(machine, raised={"SpecError"}) == [
        MatchedError("Load", "Retry[0]", "DeadlineExceededError")
    ]
    assert unmatchable(machine, raised={"DeadlineExceededError"}) == []


def test_error_names_are_collected_from_parallel_branches_and_map_iterators() -> None:
    machine = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Each",
                        "States": {
                            "Each": {
                                "Type": "Map",
                                "ItemProcessor": {
                                    "StartAt": "Deep",
                                    "States": {"Deep": _task("InMapError")},
                                },
                                "End": True,
                            }
                        },
                    },
                    {
                        "StartAt": "Old",
                        "States": {
                            "Old": {
                                "Type": "Map",
                                "Iterator": {
                                    "StartAt": "Legacy",
                                    "States": {"Legacy": _task("InIteratorError")},
                                },
                                "End": True,
                            }
                        },
                    },
                ],
                "Catch": [{"ErrorEquals": ["OnParallelError"], "Next": "Done"}],
                "End": True,
            }
        },
    }
    found = {(m.state, m.name) for m in matched_errors(machine)}
    assert found == {
        ("Fan", "OnParallelError"),
        ("Deep", "InMapError"),
        ("Deep", "States.ALL"),
        ("Legacy", "InIteratorError"),
        ("Legacy", "States.ALL"),
    }


def test_raised_names_are_read_from_raise_statements_only() -> None:
    source = """
from ecsdrop import errors
def f(error):
    raise SpecError([])
    raise LockHeldError
    raise errors.NetworkError("no zones")
    raise error("dynamic: not a name Step Functions can be promised")
    raise
    ConflictError("built, never raised")
"""
    assert raised_names([source]) == {"SpecError", "LockHeldError", "NetworkError"}
