"""Option values out of range are usage errors (exit 2) that say what the option takes,
reported by argparse before anything runs or any AWS call is made."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli.conftest import VALID_SPEC

Ecsdrop = Callable[..., Any]


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_history_limit_below_1_is_a_usage_error_not_a_botocore_message(
    ecsdrop: Ecsdrop, limit: str
) -> None:
    # An endpoint nothing listens on: the run must end before it would be called.
    run = ecsdrop("history", "web", "--limit", limit, "--endpoint-url", "http://127.0.0.1:9")

    assert run.code == 2
    assert f"ecsdrop history: error: argument --limit: must be at least 1, not {limit}" in (
        run.stderr
    )
    assert "Parameter validation failed" not in run.stderr


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--port", "99999", "argument --port: must be 0 to 65535 (0 picks a free port), not 99999"),
        ("--port", "-1", "argument --port: must be 0 to 65535 (0 picks a free port), not -1"),
        ("--port", "http", "argument --port: 'http' is not a whole number"),
        ("--time-scale", "0", "argument --time-scale: must be more than 0, not 0"),
        ("--time-scale", "nan", "argument --time-scale: must be more than 0, not nan"),
        ("--rollout-seconds", "-2", "argument --rollout-seconds: must be at least 0, not -2"),
    ],
)
def test_local_up_option_out_of_range_is_a_usage_error_and_starts_nothing(
    ecsdrop: Ecsdrop, option: str, value: str, says: str
) -> None:
    run = ecsdrop("local", "up", option, value)

    assert run.code == 2
    assert f"ecsdrop local up: error: {says}" in run.stderr
    assert "ready at" not in run.stdout


@pytest.mark.parametrize("command", ["validate", "render"])
@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--account", "1234", "argument --account: '1234' is not an AWS account id (12 digits)"),
        ("--account", "aws_account_id", "argument --account: 'aws_account_id' is not an AWS"),
        ("--region", "moon-1", "argument --region: 'moon-1' is not an AWS region"),
        ("--region", "us-east1", "argument --region: 'us-east1' is not an AWS region"),
    ],
)
def test_an_account_or_region_to_render_for_that_cannot_exist_is_a_usage_error(
    ecsdrop: Ecsdrop, command: str, option: str, value: str, says: str
) -> None:
    run = ecsdrop(command, option, value, "-", stdin=VALID_SPEC.encode())

    assert run.code == 2
    assert f"ecsdrop {command}: error: {says}" in run.stderr
    assert run.stdout == ""


@pytest.mark.parametrize(
    "command", [["local", "up"], ["status", "web"], ["local", "push", "web:1"]], ids=" ".join
)
def test_a_stack_name_cloudformation_refuses_is_a_usage_error_before_anything_runs(
    ecsdrop: Ecsdrop, command: list[str]
) -> None:
    run = ecsdrop(*command, "--stack", "Bad Stack!")

    assert run.code == 2
    assert "argument --stack: 'Bad Stack!' is not a CloudFormation stack name" in run.stderr
    assert "internal error" not in run.stderr


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--count", "11", "argument --count: must be 1 to 10, not 11"),
        ("--count", "0", "argument --count: must be 1 to 10, not 0"),
        ("--env", "NOVALUE", "argument --env: 'NOVALUE' is not KEY=VALUE"),
        ("--env", "=x", "argument --env: '=x' is not KEY=VALUE"),
        ("--poll-seconds", "0", "argument --poll-seconds: must be more than 0, at most 60, not 0"),
    ],
)
def test_run_option_out_of_range_is_a_usage_error_and_starts_nothing(
    ecsdrop: Ecsdrop, tmp_path: Path, option: str, value: str, says: str
) -> None:
    spec = tmp_path / "web.yaml"
    spec.write_text(VALID_SPEC)
    run = ecsdrop("run", str(spec), option, value, "--endpoint-url", "http://127.0.0.1:9")

    assert run.code == 2
    assert f"ecsdrop run: error: {says}" in run.stderr
