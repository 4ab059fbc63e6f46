"""Fitting text into the platforms' caps without breaking what is left."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecsdrop.notify.slack import escape
from ecsdrop.notify.text import (
    bulleted,
    fence_safe,
    first_line,
    fit,
    fit_lines,
    human_duration,
    json_bytes,
    more_lines,
    preserve_spaces,
)

ENTITY_OR_PLAIN = re.compile(r"^(?:&amp;|&lt;|&gt;|[^&<>])*…?$")


def test_text_within_the_limit_is_only_escaped() -> None:
    assert fit("a < b & c", 100, escape) == "a &lt; b &amp; c"


def test_a_cut_counts_the_escaped_length_and_ends_with_an_ellipsis() -> None:
    cut = fit("<<<<<<<<<<", 10, escape)
    assert cut == "&lt;&lt;…"  # a third &lt; would make 13 characters
    assert len(cut) <= 10


@given(text=st.text(alphabet="ab<>&\n`é🙂", max_size=200), limit=st.integers(2, 120))
def test_a_cut_never_passes_the_limit_nor_splits_an_entity(text: str, limit: int) -> None:
    cut = fit(text, limit, escape)
    assert len(cut) <= limit
    assert ENTITY_OR_PLAIN.match(cut), cut


def test_a_list_that_does_not_fit_counts_what_it_leaves_out() -> None:
    items = [f"deleted subnet subnet-{i:04d}" for i in range(100)]
    text = bulleted(items, 300)
    lines = text.split("\n")
    assert len(text) <= 300
    assert lines[0] == "• deleted subnet subnet-0000"
    shown = len(lines) - 1
    assert lines[-1] == f"… and {100 - shown} more"


def test_a_list_that_fits_is_whole() -> None:
    assert bulleted(["a", "b"], 100, bullet="- ", newline="<br>") == "- a<br>- b"


def test_a_long_item_is_cut_rather_than_dropped() -> None:
    text = bulleted(["x" * 5000], 1000, item_limit=100)
    assert text.startswith("• xxx") and text.endswith("…")
    assert len(text) <= 102


def test_first_line_skips_blank_lines() -> None:
    assert first_line("\n\n  first  \nsecond") == "first"
    assert first_line("") == ""


def test_durations_read_like_a_person_would_say_them() -> None:
    assert human_duration(42.4) == "42s"
    assert human_duration(134) == "2m 14s"
    assert human_duration(3 * 3600 + 125) == "3h 2m"
    assert human_duration(None) is None
    assert human_duration(-5) is None  # clocks disagreed: say nothing rather than nonsense


# --------------------------------------------------------------------------- code, line by line


def test_text_that_fits_keeps_every_line() -> None:
    assert fit_lines("a\nb\nc\n", 100) == "a\nb\nc"


def test_lines_that_do_not_fit_are_counted_not_cut() -> None:
    lines = [f"+  line {i:04d}" for i in range(100)]
    text = fit_lines("\n".join(lines), 200)
    shown = text.split("\n")
    assert len(text) <= 200
    assert shown[:-1] == lines[: len(shown) - 1]  # whole lines, in order
    assert shown[-1] == f"… {100 - (len(shown) - 1)} more lines"


def test_one_line_left_out_is_one_more_line() -> None:
    assert more_lines(1) == "… 1 more line"
    text = fit_lines("\n".join(["a" * 10, "b" * 10, "c" * 16]), 36)
    assert text.split("\n") == ["a" * 10, "b" * 10, "… 1 more line"]


def test_a_line_longer_than_half_the_room_is_cut_rather_than_dropped() -> None:
    text = fit_lines("x" * 5000 + "\nnext", 1000)
    first, second = text.split("\n")
    assert first == "x" * 499 + "…"
    assert second == "next"


def test_lines_are_measured_escaped_and_in_the_size_asked_for() -> None:
    lines = ["<é🙂>"] * 50
    text = fit_lines("\n".join(lines), 300, escape=escape, size=json_bytes, newline="<br>")
    assert json_bytes(text) <= 300
    shown = text.split("<br>")
    assert shown[:-1] == ["&lt;é🙂&gt;"] * (len(shown) - 1)
    assert shown[-1] == f"… {50 - (len(shown) - 1)} more lines"


@given(
    lines=st.lists(st.text(alphabet="ab<&`é🙂\u0301 ", max_size=80), max_size=60),
    limit=st.integers(60, 600),
)
def test_a_code_block_never_passes_its_limit_and_shows_only_whole_or_marked_lines(
    lines: list[str], limit: int
) -> None:
    text = fit_lines("\n".join(lines), limit, escape=escape, size=json_bytes)
    assert json_bytes(text) <= limit
    escaped = [escape(line) for line in lines]
    for index, line in enumerate(text.split("\n") if lines else []):
        whole = index < len(escaped) and line == escaped[index]
        cut = line.endswith("…") and escaped[index].startswith(line[:-1])
        counted = re.fullmatch(r"… \d+ more lines?", line) is not None
        assert whole or cut or counted, line


@pytest.mark.parametrize(
    ("text", "boundaries"),
    [
        ("e\u0301" * 20, {2 * i for i in range(21)}),  # an accent stays on its letter
        ("🇩🇪🇫🇷" * 10, {2 * i for i in range(41)}),  # a flag is two regional indicators
        ("👨\u200d👩\u200d👧" * 10, {5 * i for i in range(11)}),  # one family, five code points
        ("👍🏽" * 20, {2 * i for i in range(21)}),  # a thumb and its skin tone
    ],
)
def test_a_cut_never_splits_what_a_reader_sees_as_one_character(
    text: str, boundaries: set[int]
) -> None:
    for limit in range(1, len(text)):
        cut = fit(text, limit)
        kept = cut.removesuffix("…")
        assert text.startswith(kept) and len(kept) in boundaries, (limit, cut)


def test_backticks_inside_a_code_block_cannot_close_it() -> None:
    safe = fence_safe("before ``` after `x`")
    assert "```" not in safe
    assert safe.replace("\u200b", "") == "before ``` after `x`"  # only invisible marks added


def test_indentation_survives_renderers_that_collapse_spaces() -> None:
    kept = preserve_spaces(" service:\n-  desiredCount: 2\n+ a b")
    assert kept == "\u00a0service:\n-\u00a0\u00a0desiredCount: 2\n+ a b"
