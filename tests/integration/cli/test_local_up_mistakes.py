"""`ecsdrop local up` with a mistake in what it is given: a fault file that is missing or
says what no fault takes, a port in use, a webhook the notifier would refuse. Each is a
usage error (exit 2) with its place, found before the local cloud starts."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Write = Callable[[str, str | bytes], Path]
Ecsdrop = Callable[..., Any]


def assert_nothing_started(run: Any) -> None:
    assert run.code == 2, run.stdout + run.stderr
    assert "ready at" not in run.stdout
    assert "internal error" not in run.stderr
    assert "Traceback" not in run.stderr


def test_a_missing_fault_file_is_a_usage_error(ecsdrop: Ecsdrop) -> None:
    run = ecsdrop("local", "up", "--faults", "missing.yaml")

    assert_nothing_started(run)
    assert run.stderr == (
        "ecsdrop local up: missing.yaml: cannot read: No such file or directory\n"
    )


def test_unknown_keys_and_wrong_values_in_a_fault_file_are_reported_at_their_place(
    ecsdrop: Ecsdrop, write: Write
) -> None:
    write(
        "faults.yaml",
        "faults:\n"
        "  - api: ecs:UpdateService\n"
        "    error: ThrottlingException\n"
        "    tims: 2\n"
        "  - rollout: web\n"
        '    times: "1"\n',
    )

    run = ecsdrop("local", "up", "--faults", "faults.yaml")

    assert_nothing_started(run)
    assert run.stderr.splitlines() == [
        "ecsdrop local up: faults.yaml:4:5: faults[0].tims: unknown key 'tims'; api faults take "
        "api, error, status, message, times, after, delay, user-agent, user_agent, body",
        "ecsdrop local up: faults.yaml:6:5: faults[1].times: must be an integer of at least 1, "
        "got '1'",
    ]


def test_a_fault_file_in_json_is_placed_the_same_way(ecsdrop: Ecsdrop, write: Write) -> None:
    write("faults.json", '[\n  {"event": "drop",\n   "detail_type": 5}\n]\n')

    run = ecsdrop("local", "up", "--faults", "faults.json")

    assert_nothing_started(run)
    assert run.stderr == (
        "ecsdrop local up: faults.json:3:4: [0].detail_type: must be a string, got 5\n"
    )


def test_a_fault_file_with_a_syntax_error_is_reported_at_its_place(
    ecsdrop: Ecsdrop, write: Write
) -> None:
    write("faults.yaml", "- api: [ecs:UpdateService\n")

    run = ecsdrop("local", "up", "--faults", "faults.yaml")

    assert_nothing_started(run)
    assert run.stderr.startswith("ecsdrop local up: faults.yaml:2:1: (document): YAML syntax error")


def test_a_port_in_use_is_a_usage_error_not_another_port(ecsdrop: Ecsdrop) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        run = ecsdrop("local", "up", "--port", str(port), "--quiet")

    assert_nothing_started(run)
    assert f"ecsdrop local up: --port: port {port} on 127.0.0.1 is in use" in run.stderr


@pytest.mark.parametrize("notify", ["slack=http://hooks.example.com/x", "irc=https://x"])
def test_a_notify_destination_the_notifier_would_refuse_is_a_usage_error(
    ecsdrop: Ecsdrop, notify: str
) -> None:
    run = ecsdrop("local", "up", "--notify", notify)

    assert_nothing_started(run)
    assert run.stderr.startswith("ecsdrop local up: --notify")


def test_a_template_that_cannot_be_deployed_as_written_is_a_usage_error(ecsdrop: Ecsdrop) -> None:
    run = ecsdrop("local", "up", "--template", "missing-template.yaml", "--port", "0")

    assert_nothing_started(run)
    assert run.stderr.startswith("ecsdrop local up: template ")
    assert run.stderr.endswith("missing-template.yaml does not exist\n")


def test_rollout_seconds_without_the_fast_profile_is_a_usage_error(ecsdrop: Ecsdrop) -> None:
    run = ecsdrop("local", "up", "--rollout-seconds", "1")

    assert_nothing_started(run)
    assert "--rollout-seconds: only with --profile fast" in run.stderr
