"""`ecsdrop validate`, `ecsdrop render` and `ecsdrop schema`: the spec, offline."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from ecsdrop.spec import Guardrails, Installation, Validation, validate
from ecsdrop.spec.render import render
from ecsdrop.spec.schema import load_schema

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line or the files it names, not with a spec."""


def register(commands: Any) -> None:
    check = commands.add_parser(
        "validate",
        help="check specs; every problem at once, each with its place",
        description="Validate deployment specs. Exit 0 when all are valid, 1 when any is "
        "invalid, 2 on a usage error.",
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
    parser.add_argument("--account", default="123456789012", help="AWS account id to render for")
    parser.add_argument("--region", default=region, help="AWS region to render for")
    parser.add_argument("--cluster", default="ecsdrop", help="the installation's default cluster")
    parser.add_argument(
        "--execution-role-arn", default="", help="the installation's default task execution role"
    )


def _installation(args: argparse.Namespace) -> Installation:
    partition = "aws-cn" if args.region.startswith("cn-") else "aws"
    return Installation(
        account_id=args.account,
        region=args.region,
        partition=partition,
        default_cluster=args.cluster,
        execution_role_arn=args.execution_role_arn,
    )


def _guardrails(args: argparse.Namespace) -> Guardrails:
    if not args.policy:
        return Guardrails()
    try:
        settings = yaml.safe_load(Path(args.policy).read_text(encoding="utf-8")) or {}
        if not isinstance(settings, dict):
            raise UsageError(f"{args.policy}: a policy file is a mapping")
        return Guardrails.from_mapping(settings)
    except (OSError, yaml.YAMLError, ValueError) as e:
        raise UsageError(f"{args.policy}: {e}") from None


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as e:
        raise UsageError(f"{name}: {e.strerror or e}") from None


def _validate_file(name: str, args: argparse.Namespace) -> Validation:
    display = "<stdin>" if name == "-" else name
    return validate(_read(name), display, _guardrails(args), _installation(args))


def run_validate(args: argparse.Namespace) -> int:
    try:
        results = [(name, _validate_file(name, args)) for name in args.files]
    except UsageError as e:
        print(f"ecsdrop validate: {e}", file=sys.stderr)
        return EXIT_USAGE
    failed = False
    report: list[dict[str, Any]] = []
    for name, result in results:
        display = "<stdin>" if name == "-" else name
        bad = not result.ok or (args.strict and result.warnings)
        failed = failed or bool(bad)
        if args.json:
            report.extend(p.to_dict(display) for p in result.problems)
            continue
        for problem in result.problems:
            print(problem.format(display))
        if not bad:
            print(f"{display}: valid", file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=2))
    return EXIT_INVALID if failed else EXIT_OK


def run_render(args: argparse.Namespace) -> int:
    try:
        result = _validate_file(args.file, args)
    except UsageError as e:
        print(f"ecsdrop render: {e}", file=sys.stderr)
        return EXIT_USAGE
    display = "<stdin>" if args.file == "-" else args.file
    for problem in result.problems:
        print(problem.format(display), file=sys.stderr)
    if result.spec is None:
        return EXIT_INVALID
    print(json.dumps(render(result.spec, _installation(args)), indent=2))
    return EXIT_OK


def run_schema(_: argparse.Namespace) -> int:
    print(json.dumps(load_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK
