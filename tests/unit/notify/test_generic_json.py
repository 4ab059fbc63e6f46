"""The generic JSON webhook: the detail untouched, with a one-line summary."""

from __future__ import annotations

import json

from ecsdrop.notify.formats import DESTINATION_TYPES, render
from ecsdrop.notify.generic import json_message
from tests.unit.notify.samples import announced, real_detail


def test_the_detail_goes_out_as_it_came_with_a_summary() -> None:
    detail = real_detail("rolled-back")
    message = json_message(announced(detail))
    assert message["detail"] == detail
    assert message["source"] == "ecsdrop"
    assert message["detailType"] == "Deployment State Change"
    assert message["state"] == "ROLLED_BACK"
    assert message["service"] == "scorekeep"
    assert "\n" not in message["summary"]
    assert message["summary"].startswith("↩️ scorekeep: deployment failed, rolled back — ")


def test_every_type_renders_to_utf8_json() -> None:
    announcement = announced(real_detail("succeeded"))
    for kind in DESTINATION_TYPES:
        body = render(kind, announcement)
        assert isinstance(json.loads(body.decode("utf-8")), dict)
        assert "✅".encode() in body  # emoji as UTF-8, not \\u escapes
