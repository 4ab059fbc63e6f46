"""The `ecsdrop` command: one sub-command per module, dispatched from here.

What reaches the top is reported here, once for every command: an AWS error the user can
act on (a missing profile, no credentials, no region, an endpoint that does not answer,
an AWS refusal) gets its own message and exit code; anything else is a bug of ours.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import metadata

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConfigParseError,
    CredentialRetrievalError,
    HTTPClientError,
    InvalidConfigError,
    InvalidRegionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as EndpointUnreachable

from ecsdrop.errors import AwsError
from ecsdrop_cli import (
    deploy_commands,
    lifecycle_commands,
    local_commands,
    redrive_commands,
    rollout_commands,
    run_commands,
    spec_commands,
)

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

_Kinds = type[BotoCoreError] | tuple[type[BotoCoreError], ...]
# botocore's errors that mean the AWS set-up needs fixing, not ecsdrop: each says what to fix.
_SETUP_ERRORS: tuple[tuple[_Kinds, Callable[[BotoCoreError], str]], ...] = (
    (
        ProfileNotFound,
        lambda e: (
            f"AWS profile {e.kwargs.get('profile')!r} not found: --profile (or AWS_PROFILE) "
            "must name a profile of ~/.aws/config or ~/.aws/credentials "
            "(`aws configure list-profiles` lists them)"
        ),
    ),
    (
        NoCredentialsError,
        lambda e: (
            "no AWS credentials found: run `aws configure` or `aws sso login`, pass "
            "--profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            "(the local cloud needs none: pass --endpoint-url)"
        ),
    ),
    (
        (
            PartialCredentialsError,
            CredentialRetrievalError,
            TokenRetrievalError,
            SSOError,
            ConfigParseError,
            InvalidConfigError,
        ),
        lambda e: f"AWS credentials: {e} (check --profile and your AWS configuration)",
    ),
    (
        NoRegionError,
        lambda e: "no AWS region: pass --region, set AWS_REGION, or give your profile a region",
    ),
    (
        InvalidRegionError,
        lambda e: (
            f"{e.kwargs.get('region_name')!r} is not an AWS region: pass --region "
            "(or set AWS_REGION) with one such as us-east-1"
        ),
    ),
    (
        EndpointUnreachable,
        lambda e: (
            f"{e}. Is the endpoint right (--endpoint-url, --region) and reachable? "
            "For the local cloud, start `ecsdrop local up` first"
        ),
    ),
)


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors already; keep its message short and ours."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def package_version() -> str:
    """The installed package's version (pyproject.toml is its one home)."""
    try:
        return metadata.version("ecsdrop")
    except metadata.PackageNotFoundError:
        return "(not installed: run `make venv`)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ecsdrop",
        description="Deploy ECS Fargate services from a spec dropped into S3.",
    )
    parser.add_argument("--version", action="version", version=f"ecsdrop {package_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    spec_commands.register(commands)
    deploy_commands.register(commands)
    lifecycle_commands.register(commands)
    run_commands.register(commands)
    rollout_commands.register(commands)
    redrive_commands.register(commands)
    local_commands.register(commands)
    return parser


def failure(error: Exception) -> tuple[int, str] | None:
    """``aws_failure``, for botocore's errors and for those the layer's adapters raise from
    them (which name the call that failed)."""
    if not isinstance(error, AwsError):
        return aws_failure(error)
    cause = error.__cause__
    if isinstance(cause, BotoCoreError) and not isinstance(cause, HTTPClientError):
        return aws_failure(cause)
    return EXIT_INVALID, str(error)


def aws_failure(error: Exception) -> tuple[int, str] | None:
    """The exit code and message for an AWS error the user can act on; None for anything else."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code, text = details.get("Code", "Unknown"), details.get("Message", "")
        return EXIT_INVALID, f"{error.operation_name}: {code}" + (f": {text}" if text else "")
    if not isinstance(error, BotoCoreError):
        return None
    for kinds, explain in _SETUP_ERRORS:
        if isinstance(error, kinds):
            return EXIT_USAGE, explain(error)
    if isinstance(error, HTTPClientError):
        return EXIT_INVALID, f"{error}; try again"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 -- a bug of ours must not end in a traceback
        reported = failure(e)
        if reported is None:
            print(f"ecsdrop: internal error: {type(e).__name__}: {e}", file=sys.stderr)
            return EXIT_INTERNAL
        command = " ".join(part for part in (args.command, getattr(args, "action", None)) if part)
        print(f"ecsdrop {command}: {reported[1]}", file=sys.stderr)
        return reported[0]
    return code


if __name__ == "__main__":
    sys.exit(main())
