"""docs/events.md tells the truth: its examples are the sample events of events/ (which the
tests feed the notifier), and it describes every state the notifier announces."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ecsdrop.notify.states import ALL_STATES, STYLES

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
# a paragraph naming its sample file, then the example as a JSON code block
EXAMPLE = re.compile(r"\(`(events/[\w.-]+\.json)`[^\n]*\n(?:[^\n]+\n)*\n```json\n(.*?)\n```", re.S)


def test_every_example_is_its_sample_event_or_that_events_detail() -> None:
    examples = EXAMPLE.findall(DOC)
    assert len(examples) >= 7
    for name, text in examples:
        event = json.loads((ROOT / name).read_text(encoding="utf-8"))
        shown = json.loads(text)
        assert shown == (event if "detail-type" in shown else event["detail"]), name


def test_every_announced_state_is_described_and_shown() -> None:
    for state in ALL_STATES:
        assert f"| `{state}` |" in DOC, state  # when it is published
        assert f"| {STYLES[state].emoji} `{state}` |" in DOC, state  # how chat shows it


def test_every_sample_event_of_a_state_change_is_in_the_docs() -> None:
    samples = sorted(p.name for p in (ROOT / "events").glob("deployment-state-change-*.json"))
    documented = {Path(name).name for name, _ in EXAMPLE.findall(DOC)}
    assert [s for s in samples if s not in documented] == []
