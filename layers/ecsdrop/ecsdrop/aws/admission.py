"""Admission for ECS's rate-limited writes: one schedule per action for the whole account.

ECS throttles each account per Region with token buckets: RegisterTaskDefinition refills at
1 a second with a burst of 20, CreateService and UpdateService at 5 a second with 50 (AWS's
"Request throttling for the Amazon ECS API"). When one pushed base-image tag starts hundreds
of deployments, retrying on ThrottlingException turns into a storm in which each execution
gives up after its attempts while admitting them all takes minutes.

So each of those calls takes a turn first. The turn is one conditional UpdateItem on
``ADMISSION#<action>`` in the state table, which moves the action's theoretical arrival time
(the GCRA, the virtual-scheduling form of a token bucket) on by one interval and so answers
when the call may be made. Turns are spaced as the bucket refills, so the calls arrive as
ECS admits them. A turn within ``INLINE_WAIT_SECONDS`` is slept out in the Lambda; a later one
is handed back to the workflow (``ecsdrop.errors.AdmissionDeferred``), which waits in a Step
Functions Wait state (no Lambda idles) and runs the step again holding its turn.

ecsdrop takes ``SHARE`` of each bucket, leaving the rest to people and other tools in the
account; what still gets throttled is retried as before (botocore, then the state machine).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ecsdrop.aws.errors import aws_call, error_code
from ecsdrop.errors import AdmissionDeferred, AwsError

SHARE = 0.9
INLINE_WAIT_SECONDS = 10.0
# A rollback cannot hand its turn back (it runs in one invocation, Timeout 900 s): it sleeps
# its turns out, up to this long each.
ROLLBACK_WAIT_SECONDS = 300.0
# A deferred step comes back this long before its turn: a Wait state and an invocation are
# late by up to a second or two, never early; the rest is slept out.
RETURN_EARLY_SECONDS = 2.0
_IDLE_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` held."""

    rate: float
    burst: int

    def share(self, fraction: float) -> RateLimit:
        return RateLimit(self.rate * fraction, max(1, math.floor(self.burst * fraction)))


# AWS's published buckets for the ECS writes a deployment makes.
ECS_WRITE_LIMITS: Mapping[str, RateLimit] = {
    "ecs:RegisterTaskDefinition": RateLimit(rate=1.0, burst=20),
    "ecs:CreateService": RateLimit(rate=5.0, burst=50),
    "ecs:UpdateService": RateLimit(rate=5.0, burst=50),
}


@dataclass(frozen=True)
class Turn:
    """When a call of ``action`` may be made (epoch seconds)."""

    action: str
    at: float
    waited: bool = False  # the workflow has waited for it (the step runs again holding it)

    def to_json(self, now: float) -> dict[str, Any]:
        wait = max(1, math.floor(self.at - now - RETURN_EARLY_SECONDS))
        return {"action": self.action, "at": round(self.at, 3), "waitSeconds": wait}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Turn | None:
        if not data or "action" not in data or "at" not in data:
            return None
        return cls(str(data["action"]), float(data["at"]))


class Admission:
    """Takes turns for rate-limited calls in the state table; ``held`` is a turn this step
    took before it was deferred (used once, for its action). ``defers=False``: every turn is
    slept out, up to ``inline_seconds``."""

    def __init__(
        self,
        dynamodb: Any,
        table_name: str,
        *,
        limits: Mapping[str, RateLimit] = ECS_WRITE_LIMITS,
        share: float = SHARE,
        held: Turn | None = None,
        inline_seconds: float = INLINE_WAIT_SECONDS,
        defers: bool = True,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._db = dynamodb
        self._table = table_name
        self._limits = {action: limit.share(share) for action, limit in limits.items()}
        self._held = held
        self._inline = inline_seconds
        self._defers = defers
        self._clock = clock
        self._sleep = sleep or time.sleep  # looked up now: a runtime may have replaced it

    def admit(self, action: str) -> None:
        """Return when ``action`` may be called; AdmissionDeferred when that is too far off."""
        if action not in self._limits:
            return
        self._sleep(self.wait_for(self.take_turn(action)))

    def take_turn(self, action: str) -> Turn:
        held, self._held = self._held, None
        if held is not None and held.action == action:
            return Turn(action, held.at, waited=True)
        limit = self._limits[action]
        interval, now = 1.0 / limit.rate, self._clock()
        arrival = self._fresh(action, now, interval) or self._queued(action, now, interval)
        # The GCRA: the bucket holds `burst` turns, so this one is `burst` intervals before the
        # arrival time it moved on.
        return Turn(action, max(now, arrival - limit.burst * interval))

    def wait_for(self, turn: Turn) -> float:
        """Seconds to sleep before the call; AdmissionDeferred when the turn is further off."""
        wait = turn.at - self._clock()
        if wait > self._inline:
            if self._defers and not turn.waited:
                raise AdmissionDeferred(turn)
            # A turn waited for once already is not handed back again (a clock that ran
            # ahead, as the local cloud's compressed Wait states do, must not send the step
            # round again), nor is a rollback's (it cannot be): at worst ECS throttles it.
            wait = self._inline
        return max(0.0, wait)

    def _fresh(self, action: str, now: float, interval: float) -> float | None:
        """The bucket is full (no arrival time ahead of now): this turn starts the schedule."""
        arrival = now + interval
        try:
            with aws_call("dynamodb:UpdateItem"):
                self._db.update_item(
                    TableName=self._table,
                    Key=_key(action),
                    UpdateExpression="SET arrival = :arrival, expiresAt = :expires",
                    ConditionExpression="attribute_not_exists(arrival) OR arrival < :now",
                    ExpressionAttributeValues={
                        ":arrival": _number(arrival),
                        ":now": _number(now),
                        ":expires": _number(int(now) + _IDLE_TTL_SECONDS),
                    },
                )
        except AwsError as e:
            if error_code(e) == "ConditionalCheckFailedException":
                return None
            raise
        return arrival

    def _queued(self, action: str, now: float, interval: float) -> float:
        """Calls are queued ahead: this turn goes one interval after the last."""
        with aws_call("dynamodb:UpdateItem"):
            response = self._db.update_item(
                TableName=self._table,
                Key=_key(action),
                UpdateExpression="ADD arrival :interval SET expiresAt = :expires",
                ExpressionAttributeValues={
                    ":interval": _number(interval),
                    ":expires": _number(int(now) + _IDLE_TTL_SECONDS),
                },
                ReturnValues="UPDATED_NEW",
            )
        return float(response["Attributes"]["arrival"]["N"])


def _key(action: str) -> dict[str, Any]:
    return {"PK": {"S": f"ADMISSION#{action}"}, "SK": {"S": "TURNS"}}


def _number(value: float) -> dict[str, str]:
    return {"N": f"{value:.6f}"}
