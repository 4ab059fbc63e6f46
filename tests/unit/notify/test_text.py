"""Fitting text into the platforms' caps without breaking what is left."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ecsdrop.notify.slack import escape
from ecsdrop.notify.text import bulleted, first_line, fit, human_duration

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
