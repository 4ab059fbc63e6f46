"""The local cloud's exceptions: one base class, named subclasses for what went wrong."""

from __future__ import annotations

from collections.abc import Sequence


class LocalCloudError(Exception):
    """Base class of every error the local cloud raises on purpose."""


class TemplateError(LocalCloudError):
    """The template cannot be deployed as written (unknown type, bad intrinsic, missing code…)."""


class DeployError(LocalCloudError):
    """Creating one resource of the template failed; the message names its logical id and type."""


FaultPath = tuple[str | int, ...]


class FaultSpecError(LocalCloudError):
    """A fault description (file, dict or HTTP body) is malformed.

    ``problems`` holds every problem with the path of the key at fault (``("faults", 0,
    "times")``), so a caller that knows where each key stands in the file can place it.
    """

    def __init__(self, problems: str | Sequence[tuple[FaultPath, str]]) -> None:
        self.problems = (((), problems),) if isinstance(problems, str) else tuple(problems)
        super().__init__("\n".join(_described(path, message) for path, message in self.problems))


def _described(path: FaultPath, message: str) -> str:
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    return f"{where.lstrip('.')}: {message}" if where else message


class PortError(LocalCloudError):
    """The server cannot listen where it was asked to: no such port, or the port is taken."""
