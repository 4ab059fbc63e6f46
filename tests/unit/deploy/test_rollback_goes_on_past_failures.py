"""A rollback goes on past an undo that fails for any reason, and names it; an interrupt
still stops it."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from ecsdrop.deploy.rollback import Gateways, roll_back


class FakeLogs:
    """Log groups that go when asked, but one whose deletion hits a bug (not an AwsError)."""

    def __init__(self, broken: str, failure: BaseException) -> None:
        self.broken = broken
        self.failure = failure
        self.deleted: list[str] = []

    def delete_log_group(self, name: str) -> None:
        if name == self.broken:
            raise self.failure
        self.deleted.append(name)


def gateways(logs: FakeLogs) -> Gateways:
    fake: Any = object()
    groups: Any = logs
    return Gateways(fake, fake, fake, groups, fake, fake, sleep=lambda _: None)


LEDGER = [
    {"kind": "log-group", "id": "/ecsdrop/first", "action": "created"},
    {"kind": "log-group", "id": "/ecsdrop/broken", "action": "created"},
    {"kind": "log-group", "id": "/ecsdrop/last", "action": "created"},
]


def test_an_unexpected_error_is_left_named_and_logged_and_the_rest_is_undone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logs = FakeLogs("/ecsdrop/broken", ValueError("no JSON in the response"))

    report = roll_back(LEDGER, gateways(logs))

    assert logs.deleted == ["/ecsdrop/last", "/ecsdrop/first"]
    assert report.outcome == "ROLLBACK_FAILED"
    assert report.left == ["deleted log-group /ecsdrop/broken: ValueError: no JSON in the response"]
    assert report.undone == ["deleted log-group /ecsdrop/last", "deleted log-group /ecsdrop/first"]
    (logged,) = caplog.records
    assert logged.levelno == logging.ERROR
    assert logged.__dict__["entry"] == "deleted log-group /ecsdrop/broken"
    assert logged.exc_info is not None
    assert logged.exc_info[1] is logs.failure


def test_an_entry_without_a_kind_or_an_id_is_named_by_what_it_has() -> None:
    logs = FakeLogs("none", ValueError("unused"))
    ledger = [LEDGER[0], {"action": "created"}, LEDGER[2]]

    report = roll_back(ledger, gateways(logs))

    assert logs.deleted == ["/ecsdrop/last", "/ecsdrop/first"]
    assert report.left == [
        "deleted (no kind) (no id): ContractError: LedgerEntry: id, kind missing"
    ]


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt(), SystemExit(1)])
def test_an_interrupt_stops_the_rollback_instead_of_being_reported(
    interrupt: BaseException,
) -> None:
    logs = FakeLogs("/ecsdrop/broken", interrupt)

    with pytest.raises(type(interrupt)):
        roll_back(LEDGER, gateways(logs))
    assert logs.deleted == ["/ecsdrop/last"]
