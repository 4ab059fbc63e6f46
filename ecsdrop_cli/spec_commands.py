"""`ecsdrop validate`, `ecsdrop render` and `ecsdrop schema`: the spec, offline."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from ecsdrop.errors import PolicyError
from ecsdrop.spec import Guardrails, Installation, Problem, validate
from ecsdrop.spec.render import render
from ecsdrop.spec.schema import load_schema
from ecsdrop_cli.arguments import account_id, region_name
from ecsdrop_cli.files import (
    FileProblems,
    Unreadable,
    UsageError,
    display_name,
    print_usage_error,
    read_bytes,
    read_settings,
)

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def register(commands: Any) -> None:
    check = commands.add_parser(
        "validate",
        help="check specs; every problem at once, each with its place",
        description="Validate deployment specs: every problem of every file at once. Exit 0 "
        "when all are valid, 1 when any is invalid, 2 when any cannot be read or on a usage "
        "error.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="spec files (- for stdin)")
    check.add_argument("--json", action="store_true", help="print the problems as JSON")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _add_installation_options(check)
    check.set_defaults(run=run_validate)

    show = commands.add_parser(
        "render",
        help="print the exact AWS API inputs a spec deploys with",
        description="Render a spec to the inputs of RegisterTaskDefinition, CreateService/"
        "UpdateService and the network and load-balancer plan, with every default shown.",
    )
    show.add_argument("file", metavar="FILE", help="spec file (- for stdin)")
    _add_installation_options(show)
    show.set_defaults(run=run_render)

    schema = commands.add_parser("schema", help="print the spec's JSON Schema")
    schema.set_defaults(run=run_schema)


def _add_installation_options(parser: argparse.ArgumentParser) -> None:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    parser.add_argument(
        "--policy",
        metavar="FILE",
        help="the installation's guardrails (YAML: allowedRoleArnPrefixes, allowedRegistries, "
        "allowPrivileged, plaintextCredentials, maxSpecBytes)",
    )
    parser.add_argument(
        "--account", type=account_id, default="123456789012", help="AWS account id to render for"
    )
    parser.add_argument(
        "--region", type=region_name, default=region, help="AWS region to render for"
    )
    parser.add_argument("--cluster", default="ecsdrop", help="the installation's default cluster")
    parser.add_argument(
        "--execution-role-arn", default="", help="the installation's default task execution role"
    )


def _installation(args: argparse.Namespace) -> Installation:
    return Installation(
        account_id=args.account,
        region=args.region,
        default_cluster=args.cluster,
        execution_role_arn=args.execution_role_arn,
    )


def _guardrails(args: argparse.Namespace) -> Guardrails:
    """The --policy file's guardrails, or FileProblems naming the place of each problem."""
    if not args.policy:
        return Guardrails()
    document = read_settings(args.policy)
    try:
        return Guardrails.from_mapping({} if document.data is None else document.data)
    except PolicyError as e:
        raise FileProblems(args.policy, e.problems, document) from None


@dataclass(frozen=True)
class FileCheck:
    """One file's outcome: its problems, or the one that it could not be read."""

    display: str
    problems: tuple[Problem, ...]
    readable: bool = True

    def failed(self, strict: bool) -> bool:
        return any(p.severity == "error" or strict for p in self.problems)

    def print_text(self, strict: bool) -> None:
        if not self.readable:
            print(f"{self.display}: {self.problems[0].message}")
            return
        for problem in self.problems:
            print(problem.format(self.display))
        if not self.failed(strict):
            print(f"{self.display}: valid", file=sys.stderr)


def check_file(name: str, guardrails: Guardrails, installation: Installation) -> FileCheck:
    display = display_name(name)
    try:
        raw = read_bytes(name)
    except Unreadable as e:
        return FileCheck(display, (Problem((), f"cannot read: {e.reason}"),), readable=False)
    return FileCheck(display, validate(raw, display, guardrails, installation).problems)


def run_validate(args: argparse.Namespace) -> int:
    """Every file is checked, readable or not, so one run reports everything."""
    try:
        guardrails = _guardrails(args)
    except UsageError as e:
        print_usage_error("validate", e)
        return EXIT_USAGE
    installation = _installation(args)
    checks = [check_file(name, guardrails, installation) for name in args.files]
    if args.json:
        print(json.dumps([p.to_dict(c.display) for c in checks for p in c.problems], indent=2))
    else:
        for check in checks:
            check.print_text(args.strict)
    if not all(check.readable for check in checks):
        return EXIT_USAGE
    return EXIT_INVALID if any(check.failed(args.strict) for check in checks) else EXIT_OK


def run_render(args: argparse.Namespace) -> int:
    display = display_name(args.file)
    try:
        guardrails = _guardrails(args)
        result = validate(read_bytes(args.file), display, guardrails, _installation(args))
    except UsageError as e:
        print_usage_error("render", e)
        return EXIT_USAGE
    for problem in result.problems:
        print(problem.format(display), file=sys.stderr)
    if result.spec is None:
        return EXIT_INVALID
    print(json.dumps(render(result.spec, _installation(args)), indent=2))
    return EXIT_OK


def run_schema(_: argparse.Namespace) -> int:
    print(json.dumps(load_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK
