"""Text that fits: every chat platform caps its fields, and a message over a cap is refused
whole. Lengths are counted in characters (code points), as the platforms document them,
unless a ``size`` says otherwise (the bytes a string takes in the JSON body)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence

ELLIPSIS = "…"
# room kept at the end of a list for its "… and N more" line
_MORE_RESERVE = 24
NO_BREAK_SPACE = "\u00a0"
ZERO_WIDTH_SPACE = "\u200b"
_ZERO_WIDTH_JOINER = "\u200d"
# runs of spaces that HTML-like renderers would collapse: a leading one, or two and more
_COLLAPSIBLE_SPACES = re.compile(r"(?m)^ | {2,}")

Size = Callable[[str], int]


def unchanged(text: str) -> str:
    return text


def json_bytes(text: str) -> int:
    """The bytes ``text`` takes inside a JSON string of a UTF-8 body (quotes not counted)."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


def fit(text: str, limit: int, escape: Callable[[str], str] = unchanged, size: Size = len) -> str:
    """``text`` escaped for its platform, cut so the escaped result measures at most ``limit``.
    The cut ends with an ellipsis, never splits an escape sequence (``&amp;``), because
    ``escape`` is applied one character at a time, and never splits a character a reader
    sees as one (an accent from its letter, the parts of an emoji or a flag)."""
    escaped = escape(text)
    if size(escaped) <= limit:
        return escaped
    budget = limit - size(ELLIPSIS)
    pieces: list[str] = []
    used = 0
    for char in text:
        piece = escape(char)
        if used + size(piece) > budget:
            break
        pieces.append(piece)
        used += size(piece)
    return "".join(pieces[: _whole_characters(text, len(pieces))]) + ELLIPSIS


def _whole_characters(text: str, cut: int) -> int:
    """``cut`` moved back until ``text[:cut]`` ends between two user-perceived characters."""
    while 0 < cut < len(text) and _joins_previous(text, cut):
        cut -= 1
    return cut


def _joins_previous(text: str, at: int) -> bool:
    char, before = text[at], text[at - 1]
    if _ZERO_WIDTH_JOINER in (before, char):
        return True
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me"):
        return True  # accents, variation selectors, keycaps
    if 0x1F3FB <= ord(char) <= 0x1F3FF:
        return True  # skin tones
    # a flag is a pair of regional indicators: cut only after an even number of them
    run = 0
    while at - run - 1 >= 0 and _is_regional_indicator(text[at - run - 1]):
        run += 1
    return _is_regional_indicator(char) and run % 2 == 1


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def more_lines(count: int) -> str:
    return f"{ELLIPSIS} {count} more line{'' if count == 1 else 's'}"


def fit_lines(
    text: str,
    limit: int,
    *,
    escape: Callable[[str], str] = unchanged,
    size: Size = len,
    newline: str = "\n",
    line_limit: int = 1000,
) -> str:
    """Whole lines of ``text``, escaped, within ``limit`` in all: the lines that do not fit
    are counted on a last "… N more lines" line instead of being cut off mid-line, so a
    reader knows the text goes on. Only a line longer than ``line_limit`` (at most half the
    limit) is cut, with an ellipsis, rather than dropped."""
    lines = text.replace("\r\n", "\n").removesuffix("\n").split("\n")
    line_limit = min(line_limit, limit // 2)
    separator = size(newline)
    shown: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        piece = fit(line, line_limit, escape, size)
        cost = size(piece) + (separator if shown else 0)
        rest = len(lines) - index - 1
        # room for the marker that would follow if the next line did not fit
        reserve = separator + size(escape(more_lines(rest))) if rest else 0
        if used + cost + reserve > limit:
            shown.append(escape(more_lines(len(lines) - index)))
            break
        shown.append(piece)
        used += cost
    return newline.join(shown)


def fence_safe(text: str) -> str:
    """Text for the inside of a Markdown code block: a zero-width space after each backtick,
    so that nothing inside (a cause, a diff) can close the block early. It works one
    character at a time, so even a line cut short cannot bring three backticks together."""
    return text.replace("`", "`" + ZERO_WIDTH_SPACE)


def preserve_spaces(text: str) -> str:
    """Indentation kept where a renderer collapses spaces as HTML does (Google Chat cards,
    Teams text runs): a leading space and runs of two or more become no-break spaces."""
    return _COLLAPSIBLE_SPACES.sub(lambda m: NO_BREAK_SPACE * len(m.group()), text)


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
