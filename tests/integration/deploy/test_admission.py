"""Admission of ECS's rate-limited writes: turns taken in the state table (moto's DynamoDB),
spaced as ECS's token buckets refill; a turn too far off is handed back to the workflow,
which waits for it in a Wait state and runs the step again holding it."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from ecsdrop.aws.admission import (
    ECS_WRITE_LIMITS,
    INLINE_WAIT_SECONDS,
    ROLLBACK_WAIT_SECONDS,
    SHARE,
    Admission,
    RateLimit,
    Turn,
)
from ecsdrop.errors import AdmissionDeferred
from tests.support.handlers import invoke
from tests.support.moto_stack import TABLE, MotoStack, example

ASL = Path(__file__).resolve().parents[3] / "statemachines" / "deploy.asl.json"
REGISTER = "ecs:RegisterTaskDefinition"


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def _admission(aws: boto3.Session, clock: Clock, held: Turn | None = None) -> Admission:
    return Admission(aws.client("dynamodb"), TABLE, held=held, clock=clock, sleep=clock.sleep)


def test_a_full_bucket_admits_its_burst_at_once_then_one_call_per_refill(
    stack: MotoStack, aws: boto3.Session
) -> None:
    clock = Clock()
    admission = _admission(aws, clock)
    limit = ECS_WRITE_LIMITS[REGISTER].share(SHARE)
    turns = [admission.take_turn(REGISTER).at - clock.now for _ in range(limit.burst + 3)]
    assert turns[: limit.burst] == [0.0] * limit.burst
    interval = 1 / limit.rate
    assert turns[limit.burst :] == pytest.approx([interval, 2 * interval, 3 * interval], abs=0.01)


def test_ecsdrop_takes_only_its_share_of_each_bucket() -> None:
    published = ECS_WRITE_LIMITS[REGISTER]
    assert published == RateLimit(rate=1.0, burst=20)
    assert published.share(0.9) == RateLimit(rate=0.9, burst=18)


def test_the_bucket_refills_while_no_call_is_made(stack: MotoStack, aws: boto3.Session) -> None:
    clock = Clock()
    admission = _admission(aws, clock)
    for _ in range(40):
        admission.take_turn(REGISTER)
    clock.now += 3600
    assert admission.take_turn(REGISTER).at == clock.now


def test_a_near_turn_is_slept_out_and_a_far_one_is_handed_back(
    stack: MotoStack, aws: boto3.Session
) -> None:
    clock = Clock()
    admission = _admission(aws, clock)
    limit = ECS_WRITE_LIMITS[REGISTER].share(SHARE)
    for _ in range(limit.burst + 2):
        admission.admit(REGISTER)
    assert clock.slept[: limit.burst] == [0.0] * limit.burst
    assert 0 < clock.slept[-1] <= INLINE_WAIT_SECONDS
    with pytest.raises(AdmissionDeferred) as deferred:
        for _ in range(20):  # 10 s of turns at 0.9 a second
            admission.admit(REGISTER)
    assert max(clock.slept) <= INLINE_WAIT_SECONDS
    turn = deferred.value.turn
    assert turn.at - clock.now > INLINE_WAIT_SECONDS
    # the workflow waits a little less than the turn is away, never more
    wait = turn.to_json(clock.now)["waitSeconds"]
    assert 1 <= wait < turn.at - clock.now


def test_a_held_turn_is_used_once_and_takes_no_other(stack: MotoStack, aws: boto3.Session) -> None:
    clock = Clock()
    first = _admission(aws, clock)
    for _ in range(30):
        first.take_turn(REGISTER)
    held = first.take_turn(REGISTER)
    following = first.take_turn(REGISTER)
    clock.now = held.at - 1
    again = _admission(aws, clock, held=Turn.from_json(held.to_json(clock.now)))
    again.admit(REGISTER)
    assert clock.slept[-1] == pytest.approx(1.0, abs=0.01)
    # the held turn took no place in the queue: the next call queues right after `following`
    interval = 1 / ECS_WRITE_LIMITS[REGISTER].share(SHARE).rate
    assert again.take_turn(REGISTER).at == pytest.approx(following.at + interval, abs=0.01)


def test_calls_without_a_rate_limit_take_no_turn(stack: MotoStack, aws: boto3.Session) -> None:
    clock = Clock()
    _admission(aws, clock).admit("ecs:DescribeServices")
    assert clock.slept == []
    items = aws.client("dynamodb").scan(TableName=TABLE)["Items"]
    assert not [item for item in items if item["PK"]["S"].startswith("ADMISSION#")]


# ---------------------------------------------------------------- the step and the workflow


def _queue_ahead(aws: boto3.Session, action: str, seconds: float) -> None:
    """Other deployments hold the next `seconds` of turns of `action`."""
    aws.client("dynamodb").put_item(
        TableName=TABLE,
        Item={
            "PK": {"S": f"ADMISSION#{action}"},
            "SK": {"S": "TURNS"},
            "arrival": {"N": f"{time.time() + seconds:.3f}"},
        },
    )


def _families(aws: boto3.Session) -> list[str]:
    return list(aws.client("ecs").list_task_definition_families()["families"])


def test_a_step_whose_turn_is_far_off_registers_nothing_and_hands_its_turn_back(
    wired: MotoStack, aws: boto3.Session
) -> None:
    state = wired.start(example("scorekeep.yaml"))
    _queue_ahead(aws, REGISTER, 120)
    result = invoke("task_definition", state)
    assert set(result) == {"admission"}
    turn = result["admission"]
    assert turn["action"] == REGISTER
    # 120 s of turns ahead, less the share of the burst a full bucket would have admitted
    assert 90 < turn["waitSeconds"] < 120
    assert _families(aws) == []

    # the workflow waits, then runs the step again holding its turn: it registers at once
    _queue_ahead(aws, REGISTER, 1000)  # later arrivals must not move a turn already held
    held = dict(turn, at=time.time() + 0.5)  # the Wait state has passed
    again = invoke("task_definition", {**state, "steps": {"taskDefinition": {"admission": held}}})
    assert again["registered"] is True and "admission" not in again
    assert _families(aws) == ["scorekeep"]


def _states() -> dict[str, Any]:
    states: dict[str, Any] = json.loads(ASL.read_text())["States"]
    return states


@pytest.mark.parametrize(
    ("step", "path", "choice"),
    [
        ("RegisterTaskDefinition", "$.steps.taskDefinition", "TaskDefinitionAdmitted"),
        ("DeployService", "$.steps.service", "RolloutSettled"),
    ],
)
def test_the_workflow_waits_for_a_handed_back_turn_then_runs_the_step_again(
    step: str, path: str, choice: str
) -> None:
    states = _states()
    assert states[step]["ResultPath"] == path
    assert states[step]["Next"] == choice
    first_rule = states[choice]["Choices"][0]
    assert first_rule == {
        "Variable": f"{path}.admission",
        "IsPresent": True,
        "Next": first_rule["Next"],
    }
    wait = states[first_rule["Next"]]
    assert wait["Type"] == "Wait"
    assert wait["SecondsPath"] == f"{path}.admission.waitSeconds"
    assert wait["Next"] == step


def test_a_handed_back_turn_asks_for_whole_seconds_of_waiting() -> None:
    turn = Turn(REGISTER, at=1000.7)
    assert turn.to_json(now=900.0) == {"action": REGISTER, "at": 1000.7, "waitSeconds": 98}
    assert turn.to_json(now=1000.0)["waitSeconds"] == 1
    assert math.isclose(Turn.from_json(turn.to_json(900.0)).at, 1000.7)  # type: ignore[union-attr]
    assert Turn.from_json(None) is None


def test_a_held_turn_is_never_handed_back_twice(stack: MotoStack, aws: boto3.Session) -> None:
    clock = Clock()
    held = Turn(REGISTER, at=clock.now + 300)  # the Wait state ended early (a faster clock)
    _admission(aws, clock, held=held).admit(REGISTER)
    assert clock.slept == [INLINE_WAIT_SECONDS]


def test_a_rollback_sleeps_its_turn_out_rather_than_hand_it_back(
    stack: MotoStack, aws: boto3.Session
) -> None:
    clock = Clock()
    queued = _admission(aws, clock)
    for _ in range(120):
        queued.take_turn("ecs:UpdateService")
    rollback = Admission(
        aws.client("dynamodb"),
        TABLE,
        inline_seconds=ROLLBACK_WAIT_SECONDS,
        defers=False,
        clock=clock,
        sleep=clock.sleep,
    )
    rollback.admit("ecs:UpdateService")
    limit = ECS_WRITE_LIMITS["ecs:UpdateService"].share(SHARE)
    assert clock.slept == [pytest.approx((120 + 1 - limit.burst) / limit.rate, abs=0.01)]
