"""functions/notifier/app.py fed the events of a service's end and of its plans (events/),
posting to a real webhook on 127.0.0.1 in every destination type."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.notify.support import Webhook
from tests.integration.notify.test_notifier_handler import SHAPES, every_type
from tests.support.moto_stack import real_event
from tests.unit.notify.samples import problems
from tests.unit.notify.test_code_blocks import DIFF_LINES, hostile_diff

SAMPLES = ("deleted", "retained", "delete-failed", "planned", "rejected-key")
# what each platform accepts in one message, in bytes of its body
BODY_BYTES = {"slack": 40_000, "teams": 28 * 1024, "googlechat": 32_000, "discord": 40_000}


def sample_event(name: str) -> dict[str, Any]:
    return real_event(f"deployment-state-change-{name}.json")


@pytest.mark.parametrize("sample", SAMPLES)
def test_each_new_event_reaches_every_destination_type_in_its_documented_shape(
    sample: str,
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    notifier_env: Callable[[str], None],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    notifier_env(destinations_secret(*every_type(webhook)))
    event = sample_event(sample)

    report = invoke_notifier(event)

    assert report["state"] == event["detail"]["state"]
    assert report["service"] == event["detail"]["service"]  # None for a key without one
    assert report["delivered"] == ["slack", "teams", "googlechat", "discord", "json"]
    assert report["failed"] == []
    for kind, validator in SHAPES.items():
        (received,) = webhook.at(f"/{kind}")
        assert problems(validator, received.body) == [], kind
    (generic,) = webhook.at("/json")
    assert generic.body["detail"] == event["detail"]


def test_a_plan_of_2000_changed_lines_is_posted_within_every_platforms_limits(
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    notifier_env: Callable[[str], None],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    notifier_env(destinations_secret(*every_type(webhook)))
    event = sample_event("planned")
    event["detail"]["diff"] = hostile_diff()

    report = invoke_notifier(event)

    assert report["failed"] == []
    for kind, validator in SHAPES.items():
        (received,) = webhook.at(f"/{kind}")
        assert problems(validator, received.body) == [], kind
        assert int(received.headers["Content-Length"]) < BODY_BYTES[kind], kind
        text = json.dumps(received.body, ensure_ascii=False)
        assert "--- running specs/svc.yaml" in text, kind  # the diff starts as it does
        (left_out,) = re.findall(r"… (\d+) more lines", text)
        assert 0 < int(left_out) < DIFF_LINES - 20, kind  # a screenful shown, the rest counted
    (generic,) = webhook.at("/json")
    assert generic.body["detail"]["diff"] == event["detail"]["diff"]  # the raw feed gets it all


def test_a_spec_at_a_key_ecsdrop_does_not_accept_reaches_only_the_unlimited_feeds(
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    notifier_env: Callable[[str], None],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    notifier_env(
        destinations_secret(
            {"name": "platform", "type": "slack", "url": webhook.url("/platform")},
            {"name": "score", "type": "slack", "url": webhook.url("/score"), "services": ["*"]},
            {"name": "games", "type": "slack", "url": webhook.url("/games"), "channels": ["games"]},
        )
    )

    report = invoke_notifier(sample_event("rejected-key"))

    assert report["service"] is None
    assert report["delivered"] == ["platform"]
    assert report["notForThem"] == ["score", "games"]
    (received,) = webhook.at("/platform")
    assert received.body["blocks"][0]["text"]["text"] == "⛔ specs/team/x.yaml: spec rejected"
    assert "a spec must be at specs/&lt;service&gt;.yaml" in received.body["text"]


def test_a_channel_hears_its_services_end_in_the_states_its_spec_asks_for(
    webhook: Webhook,
    destinations_secret: Callable[..., str],
    notifier_env: Callable[[str], None],
    invoke_notifier: Callable[..., dict[str, Any]],
) -> None:
    notifier_env(
        destinations_secret(
            {
                "name": "games",
                "type": "discord",
                "url": webhook.url("/games"),
                "channels": ["games"],
            }
        )
    )
    failures_only = {"channels": ["games"], "states": ["DELETE_FAILED", "RETAINED"]}
    events = [sample_event(name) for name in ("deleted", "retained", "delete-failed")]
    for event in events:
        event["detail"]["notifications"] = failures_only

    reports = [invoke_notifier(event) for event in events]

    assert [r["delivered"] for r in reports] == [[], ["games"], ["games"]]
    titles = [r.body["embeds"][0]["title"] for r in webhook.at("/games")]
    assert titles == [
        "📌 scorekeep: spec deleted, service still running",
        "🧨 scorekeep: deletion failed, resources left behind",
    ]
