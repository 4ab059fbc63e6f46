"""Text that fits: every chat platform caps its fields, and a message over a cap is refused
whole. Lengths are counted in characters (code points), as the platforms document them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

ELLIPSIS = "…"
# room kept at the end of a list for its "… and N more" line
_MORE_RESERVE = 24


def unchanged(text: str) -> str:
    return text


def fit(text: str, limit: int, escape: Callable[[str], str] = unchanged) -> str:
    """``text`` escaped for its platform, cut so the escaped result has at most ``limit``
    characters. The cut ends with an ellipsis and never splits an escape sequence (``&amp;``),
    because ``escape`` is applied one character at a time."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    budget = limit - len(ELLIPSIS)
    pieces: list[str] = []
    used = 0
    for char in text:
        piece = escape(char)
        if used + len(piece) > budget:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces) + ELLIPSIS


def bulleted(
    items: Sequence[str],
    limit: int,
    *,
    escape: Callable[[str], str] = unchanged,
    bullet: str = "• ",
    newline: str = "\n",
    item_limit: int = 300,
) -> str:
    """One line per item within ``limit`` characters in all; items that do not fit are
    counted on a last "… and N more" line rather than cut off silently."""
    item_limit = min(item_limit, limit - _MORE_RESERVE - len(bullet))
    lines: list[str] = []
    used = 0
    for index, item in enumerate(items):
        line = bullet + fit(item, item_limit, escape)
        cost = len(line) + (len(newline) if lines else 0)
        more_follow = index < len(items) - 1
        if used + cost > limit - (_MORE_RESERVE if more_follow else 0):
            lines.append(f"{ELLIPSIS} and {len(items) - index} more")
            break
        lines.append(line)
        used += cost
    return newline.join(lines)


def first_line(text: str) -> str:
    """The first non-blank line: a one-line summary of a multi-line cause."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def human_duration(seconds: float | None) -> str | None:
    """``2m 14s``; None for an unknown (or nonsensical, negative) duration."""
    if seconds is None or seconds < 0:
        return None
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m"
