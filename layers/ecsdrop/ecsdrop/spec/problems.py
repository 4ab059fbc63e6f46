"""A problem found in a spec, with its place: the field path and, when known, line and column."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

PathPart = str | int
Path = tuple[PathPart, ...]
Severity = Literal["error", "warning"]


def format_path(path: Path) -> str:
    """``("a", "b", 0, "c")`` → ``a.b[0].c``; keys that are not identifiers are quoted."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.replace("_", "").replace("-", "").isalnum() and "." not in part:
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text or "(document)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec. ``path`` is empty for problems of the document as a whole."""

    path: Path
    message: str
    line: int | None = None
    column: int | None = None
    severity: Severity = "error"

    @property
    def field(self) -> str:
        return format_path(self.path)

    def describe(self) -> str:
        return f"{self.field}: {self.message}"

    def format(self, filename: str) -> str:
        """``FILE:LINE:COL: path: message`` (line and column only where known)."""
        place = filename
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{place}: {prefix}{self.field}: {self.message}"

    def to_dict(self, filename: str | None = None) -> dict[str, Any]:
        return {
            "file": filename,
            "line": self.line,
            "column": self.column,
            "path": self.field,
            "message": self.message,
            "severity": self.severity,
        }

    def located(self, positions: Mapping[Path, tuple[int, int]]) -> Problem:
        """This problem with the line and column of the deepest known part of its path."""
        if self.line is not None:
            return self
        for end in range(len(self.path), -1, -1):
            where = positions.get(self.path[:end])
            if where is not None:
                return replace(self, line=where[0], column=where[1])
        return self


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Document order: by line and column, problems without a place last, then by path."""
    return sorted(
        problems,
        key=lambda p: (
            p.line is None,
            p.line or 0,
            p.column or 0,
            p.field,
            p.message,
        ),
    )
