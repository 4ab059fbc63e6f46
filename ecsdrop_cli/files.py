"""Reading the files a command names. A file that cannot be read is the command line's
problem (exit 2), reported as ``NAME: cannot read: <reason>``."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from ecsdrop.errors import SpecError
from ecsdrop.spec.parse import Document, parse_document
from ecsdrop.spec.problems import Problem, sort_problems


class UsageError(Exception):
    """A problem with the command line or the files it names, not with a spec."""


class Unreadable(UsageError):
    """A named file that cannot be read: missing, a directory, not permitted..."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: cannot read: {reason}")


def display_name(name: str) -> str:
    return "<stdin>" if name == "-" else name


def read_bytes(name: str) -> bytes:
    """The file's bytes (``-`` is stdin), or Unreadable saying why not."""
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as e:
        raise Unreadable(name, e.strerror or str(e)) from None


class FileProblems(UsageError):
    """What is wrong with a settings file, one ``FILE:LINE:COL: key: message`` line each."""

    def __init__(self, name: str, problems: Iterable[Problem], document: Document) -> None:
        placed = sort_problems(problem.located(document.positions) for problem in problems)
        super().__init__("\n".join(problem.format(name) for problem in placed))


def read_settings(name: str) -> Document:
    """A settings file (YAML or JSON: a policy, a list of faults) read as a spec is, so that
    each of its keys has a place. Empty, or only comments: data None."""
    try:
        return parse_document(read_bytes(name), name, empty_ok=True)
    except SpecError as e:
        raise FileProblems(name, e.problems, Document(data=None)) from None


def print_usage_error(command: str, error: UsageError) -> None:
    """Each line of the error on stderr, after the command's name."""
    for line in str(error).splitlines():
        print(f"ecsdrop {command}: {line}", file=sys.stderr)
