"""1,000 and 5,000 services at once: ecsdrop's real admission and retry code on a simulated clock.

The local cloud cannot run thousands of executions on two cores, so this drives the parts
that decide who calls ECS when, as the workflow runs them, on a discrete-event clock:

- `ecsdrop.aws.admission.Admission` takes each turn in a DynamoDB table (moto's, in process);
  a turn further off than it may sleep is handed back and waited for, as the
  TaskDefinitionAdmitted / RolloutSettled choices and their Wait states do;
- ECS's token buckets are the local cloud's (`localcloud.metering.Throttle`, at AWS's
  published limits), on the simulated clock;
- a refused call is retried by botocore's own backoff (`botocore.retries.standard`, with the
  attempts of `ecsdrop.aws.clients.CLIENT_CONFIG`), then by the step's Retry for
  TransientAwsError read from statemachines/deploy.asl.json (each retry takes a new turn).

Each step costs `STEP_SECONDS` (an invocation and its calls); a deployment's rollout
`ROLLOUT_SECONDS`. Not modelled: Lambda's own concurrency limit, DynamoDB latency.
"""

from __future__ import annotations

import heapq
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.retries.standard import (
    ExponentialBackoff,
    RetryContext,
    RetryEventAdapter,
    ThrottlingErrorDetector,
)
from moto import mock_aws

from bench.settings import ECS_RATE_LIMITS, ROOT
from ecsdrop.aws.admission import ECS_WRITE_LIMITS, Admission, Turn
from ecsdrop.aws.clients import CLIENT_CONFIG
from ecsdrop.errors import AdmissionDeferred
from localcloud.metering import Throttle

ASL = ROOT / "statemachines" / "deploy.asl.json"
TABLE = "ecsdrop-admission-sim"
REGISTER, CREATE = "ecs:RegisterTaskDefinition", "ecs:CreateService"
STEP_SECONDS = 0.5
ROLLOUT_SECONDS = 60.0
_BEFORE_REGISTER = 2  # LoadSpec, AcquireLock
_BETWEEN = 2  # BuildNetwork, BuildLoadBalancer (unchanged: a shared VPC, no load balancer)


@dataclass(frozen=True)
class RetryPolicy:
    interval: float
    attempts: int
    backoff: float
    max_delay: float | None
    full_jitter: bool

    def delay(self, retry: int, rng: random.Random) -> float:
        delay = self.interval * self.backoff ** (retry - 1)
        if self.max_delay is not None:
            delay = min(delay, self.max_delay)
        return rng.uniform(0, delay) if self.full_jitter else delay


def transient_retry(state: str) -> RetryPolicy:
    """The state's Retry for TransientAwsError, as the deployed state machine has it."""
    retriers = json.loads(ASL.read_text())["States"][state]["Retry"]
    rule = next(r for r in retriers if "TransientAwsError" in r["ErrorEquals"])
    return RetryPolicy(
        float(rule.get("IntervalSeconds", 1)),
        int(rule.get("MaxAttempts", 3)),
        float(rule.get("BackoffRate", 2.0)),
        rule.get("MaxDelaySeconds"),
        rule.get("JitterStrategy") == "FULL",
    )


_THROTTLED = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}


@dataclass
class Clock:
    now: float = 0.0
    queue: list[tuple[float, int, Callable[[], None]]] = field(default_factory=list)
    _seq: int = 0

    def __call__(self) -> float:
        return self.now

    def at(self, when: float, then: Callable[[], None]) -> None:
        self._seq += 1
        heapq.heappush(self.queue, (when, self._seq, then))

    def run(self) -> None:
        while self.queue:
            self.now, _, then = heapq.heappop(self.queue)
            then()


class Deployment:
    """One execution, from its S3 event to its rollout's end."""

    def __init__(self, sim: Simulation, started: float) -> None:
        self.sim = sim
        self.ended: float | None = None
        self.failed = False
        clock = sim.clock
        clock.at(started + _BEFORE_REGISTER * STEP_SECONDS, lambda: self.step(REGISTER, 1, None))

    def step(self, action: str, attempt: int, held: Turn | None) -> None:
        """The step starts (its invocation); its ECS write takes its turn first."""
        sim, clock = self.sim, self.sim.clock
        if not sim.admit:  # the baseline: call, and retry when throttled
            clock.at(clock.now, lambda: self.call(action, attempt, 1))
            return
        admission = sim.admission(held)
        try:
            wait = admission.wait_for(admission.take_turn(action))
        except AdmissionDeferred as deferred:  # the step returns its turn; a Wait, then again
            turn = deferred.turn
            wait_seconds = turn.to_json(clock.now)["waitSeconds"]
            clock.at(
                clock.now + STEP_SECONDS + wait_seconds, lambda: self.step(action, attempt, turn)
            )
            return
        clock.at(clock.now + wait, lambda: self.call(action, attempt, 1))

    def call(self, action: str, attempt: int, try_number: int) -> None:
        sim, clock = self.sim, self.sim.clock
        if sim.ecs.admit(action) is None:
            clock.at(clock.now + STEP_SECONDS, lambda: self.after(action))
            return
        if try_number < sim.client_attempts:  # botocore retries inside the call
            context = RetryContext(try_number, parsed_response=_THROTTLED)
            delay = sim.backoff.delay_amount(context)
            clock.at(clock.now + delay, lambda: self.call(action, attempt, try_number + 1))
            return
        policy = sim.retry[action]
        if attempt > policy.attempts:  # the step fails: the run rolls back
            self.failed, self.ended = True, clock.now
            return
        delay = policy.delay(attempt, sim.rng)
        clock.at(clock.now + delay, lambda: self.step(action, attempt + 1, None))

    def after(self, action: str) -> None:
        clock = self.sim.clock
        if action == REGISTER:
            clock.at(clock.now + _BETWEEN * STEP_SECONDS, lambda: self.step(CREATE, 1, None))
        else:
            self.ended = clock.now + ROLLOUT_SECONDS


class Simulation:
    def __init__(self, seed: int, admit: bool = True) -> None:
        self.admit = admit
        self.clock = Clock()
        self.rng = random.Random(seed)  # noqa: S311 -- jitter, not secrets
        self.ecs = Throttle(ECS_RATE_LIMITS, clock=self.clock)
        retries = getattr(CLIENT_CONFIG, "retries", None) or {}
        self.client_attempts = int(retries.get("max_attempts", 5))
        self.backoff = ExponentialBackoff(
            random=self.rng.random,
            throttling_detector=ThrottlingErrorDetector(RetryEventAdapter()),
        )
        self.retry = {
            REGISTER: transient_retry("RegisterTaskDefinition"),
            CREATE: transient_retry("DeployService"),
        }
        self._db = boto3.client("dynamodb", region_name="us-east-1")
        self._db.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )

    def admission(self, held: Turn | None) -> Admission:
        return Admission(self._db, TABLE, held=held, clock=self.clock)


def floor_seconds(services: int) -> float:
    """(N - burst) / rate of RegisterTaskDefinition, plus one deployment on its own."""
    limit = ECS_WRITE_LIMITS[REGISTER]
    alone = (_BEFORE_REGISTER + 1 + _BETWEEN + 1) * STEP_SECONDS + ROLLOUT_SECONDS
    return max(0.0, (services - limit.burst) / limit.rate) + alone


def simulate(services: int, seed: int = 1, admit: bool = True) -> dict[str, Any]:
    """N services whose S3 events arrive within the first second (``admit=False``: without
    admission, retries alone, as before it)."""
    with mock_aws():
        sim = Simulation(seed, admit)
        runs = [Deployment(sim, started=sim.rng.uniform(0, 1)) for _ in range(services)]
        sim.clock.run()
    ended = [run.ended for run in runs if run.ended is not None]
    makespan = max(ended) if ended else 0.0
    floor = floor_seconds(services)
    return {
        "services": services,
        "succeeded": sum(1 for run in runs if not run.failed and run.ended is not None),
        "makespan_seconds": round(makespan, 1),
        "floor_seconds": round(floor, 1),
        "ratio": round(makespan / floor, 3) if floor else None,
        "throttled_calls": sum(sim.ecs.refused().values()),
        "mode": "simulated" if admit else "simulated without admission",
    }
