"""What reaches the command line's top: an AWS refusal is reported in AWS's words with exit 1;
an exception that is no AWS error is a bug of ours, and stays an internal error (exit 3)."""

from __future__ import annotations

import argparse

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from ecsdrop_cli import main, spec_commands


def failing(error: Exception) -> object:
    def run(_: argparse.Namespace) -> int:
        raise error

    return run


def test_an_aws_refusal_is_reported_as_operation_code_and_message_with_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    refusal = ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "not authorized to perform: x"}},
        "DescribeStacks",
    )
    monkeypatch.setattr(spec_commands, "run_schema", failing(refusal))

    code = main.main(["schema"])

    assert code == 1
    assert capsys.readouterr().err == (
        "ecsdrop schema: DescribeStacks: AccessDenied: not authorized to perform: x\n"
    )


@pytest.mark.parametrize(
    "bug",
    [KeyError("taskDefinition"), ParamValidationError(report="Invalid type for parameter Limit")],
    ids=["KeyError", "ParamValidationError"],
)
def test_an_error_that_is_no_aws_refusal_or_setup_problem_stays_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], bug: Exception
) -> None:
    monkeypatch.setattr(spec_commands, "run_schema", failing(bug))

    code = main.main(["schema"])

    assert code == 3
    assert capsys.readouterr().err.startswith(f"ecsdrop: internal error: {type(bug).__name__}: ")


def test_an_aws_refusal_met_by_the_layers_adapters_is_reported_with_the_call_it_names(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ecsdrop.aws.errors import aws_call

    def refused(_: argparse.Namespace) -> int:
        with aws_call("dynamodb:Scan"):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "Scan")
        return 0

    monkeypatch.setattr(spec_commands, "run_schema", refused)

    code = main.main(["schema"])

    assert code == 1
    assert capsys.readouterr().err == "ecsdrop schema: dynamodb:Scan: AccessDenied: no\n"
