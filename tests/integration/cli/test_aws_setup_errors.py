"""A command that talks to AWS, run where AWS is not set up: a missing profile, no
credentials, no region, an endpoint where nothing answers. Each is the user's to fix, so
each gets a message that says what to fix and exit 2, never "internal error"."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli.conftest import VALID_SPEC

Write = Callable[[str, str | bytes], Path]
Ecsdrop = Callable[..., Any]
# Every command that finds the stack and calls AWS (the spec file is written beside it).
AWS_COMMANDS = [
    ["status", "web"],
    ["history", "web"],
    ["watch", "web"],
    ["submit", "web.yaml"],
    ["local", "push", "web:1"],
]


@pytest.fixture
def no_aws_setup(tmp_path: Path) -> dict[str, str | None]:
    """An environment with no AWS configuration at all, and no instance metadata to ask."""
    return {
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        **dict.fromkeys(
            (
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "AWS_PROFILE",
                "AWS_DEFAULT_PROFILE",
                "AWS_ENDPOINT_URL",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                "ECSDROP_STACK",
            )
        ),
    }


def command_id(command: list[str]) -> str:
    return " ".join(command[:2]) if command[0] == "local" else command[0]


def assert_usage_error_naming(run: Any, command: list[str], *words: str) -> None:
    assert run.code == 2, run.stderr
    assert "internal error" not in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith(f"ecsdrop {command_id(command)}: "), run.stderr
    for word in words:
        assert word in run.stderr


@pytest.mark.parametrize("command", AWS_COMMANDS, ids=command_id)
def test_a_profile_that_does_not_exist_is_a_usage_error_naming_the_profile(
    ecsdrop: Ecsdrop, write: Write, no_aws_setup: dict[str, str | None], command: list[str]
) -> None:
    write("web.yaml", VALID_SPEC)

    run = ecsdrop(*command, "--profile", "nosuch", env=no_aws_setup)

    assert_usage_error_naming(run, command, "AWS profile 'nosuch' not found", "--profile")


@pytest.mark.parametrize("command", AWS_COMMANDS, ids=command_id)
def test_no_credentials_is_a_usage_error_saying_how_to_give_some(
    ecsdrop: Ecsdrop, write: Write, no_aws_setup: dict[str, str | None], command: list[str]
) -> None:
    write("web.yaml", VALID_SPEC)

    run = ecsdrop(*command, env=no_aws_setup)

    assert_usage_error_naming(run, command, "no AWS credentials found", "aws configure")


def test_no_region_is_a_usage_error_naming_the_region_option(
    ecsdrop: Ecsdrop, no_aws_setup: dict[str, str | None]
) -> None:
    env = {**no_aws_setup, "AWS_REGION": None, "AWS_DEFAULT_REGION": None}

    run = ecsdrop("status", "web", env=env)

    assert_usage_error_naming(run, ["status"], "no AWS region", "--region")


def test_a_region_name_aws_does_not_know_the_shape_of_is_a_usage_error(
    ecsdrop: Ecsdrop, no_aws_setup: dict[str, str | None]
) -> None:
    run = ecsdrop("history", "web", "--region", "us east 1", env=no_aws_setup)

    assert_usage_error_naming(run, ["history"], "'us east 1' is not an AWS region", "--region")


def test_an_endpoint_where_nothing_answers_is_a_usage_error_naming_the_endpoint(
    ecsdrop: Ecsdrop, no_aws_setup: dict[str, str | None]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}"

        run = ecsdrop("status", "web", "--endpoint-url", endpoint, env=no_aws_setup)

    assert_usage_error_naming(run, ["status"], endpoint, "--endpoint-url", "ecsdrop local up")


@pytest.mark.parametrize("endpoint", ["127.0.0.1:4566", "ftp://127.0.0.1", "http://"])
def test_an_endpoint_that_is_no_http_url_is_refused_before_anything_runs(
    ecsdrop: Ecsdrop, no_aws_setup: dict[str, str | None], endpoint: str
) -> None:
    run = ecsdrop("status", "web", "--endpoint-url", endpoint, env=no_aws_setup)

    assert run.code == 2
    assert f"argument --endpoint-url: {endpoint!r} is not an http:// or https:// URL" in run.stderr
