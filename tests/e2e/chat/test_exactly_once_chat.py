"""Exactly-once chat on the local cloud: a deployment event EventBridge delivers three
times reaches each chat destination once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ecsdrop.notify.states import STYLES
from tests.e2e.chat.conftest import ChatPipeline
from tests.e2e.chat.test_triggers_and_chat import header, slack_messages
from tests.e2e.pipeline.conftest import scorekeep, wait_until


@pytest.fixture
def every_event_three_times(chat: ChatPipeline) -> Iterator[None]:
    chat.cloud.add_fault(
        {
            "event": "duplicate",
            "source": "ecsdrop",
            "detail-type": "Deployment State Change",
            "copies": 3,
        }
    )
    yield
    chat.cloud.clear_faults()


def notifier_runs(chat: ChatPipeline) -> int:
    return sum(1 for line in chat.cloud.lambda_logs("NotifierFunction") if "START" in line)


def test_an_event_delivered_three_times_is_posted_once(
    chat: ChatPipeline, every_event_three_times: None
) -> None:
    before = notifier_runs(chat)
    result = chat.submit(scorekeep("chat-thrice"), "chat-thrice")
    assert result["status"] == "SUCCEEDED", result

    deployed = f"{STYLES['SUCCEEDED'].emoji} chat-thrice: deployed"
    assert wait_until(lambda: deployed in [header(m) for m in slack_messages(chat, "chat-thrice")])
    ours = [
        e
        for e in chat.cloud.events()
        if e["event"].get("source") == "ecsdrop" and "chat-thrice" in str(e["event"])
    ]
    assert [e["copies"] for e in ours] == [3, 3]  # STARTED and SUCCEEDED, three times each
    assert wait_until(lambda: notifier_runs(chat) - before >= 6)  # every copy was handled
    time.sleep(0.5)
    headers = [header(m) for m in slack_messages(chat, "chat-thrice")]
    assert headers == [f"{STYLES['STARTED'].emoji} chat-thrice: deployment started", deployed]
