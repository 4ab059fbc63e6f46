"""The `ecsdrop` command: one sub-command per module, dispatched from here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata

from ecsdrop_cli import deploy_commands, local_commands, spec_commands

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


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
    local_commands.register(commands)
    return parser


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
        print(f"ecsdrop: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_INTERNAL
    return code


if __name__ == "__main__":
    sys.exit(main())
