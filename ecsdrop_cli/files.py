"""Reading the files a command names. A file that cannot be read is the command line's
problem (exit 2), reported as ``NAME: cannot read: <reason>``."""

from __future__ import annotations

import sys
from pathlib import Path


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
