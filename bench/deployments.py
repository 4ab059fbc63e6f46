"""Greenfield, image-only redeploy and no-op re-run: what each calls, costs and takes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench import calls as api
from bench.history import cost_usd, state_transitions, task_retries
from bench.pipeline import BenchError, Pipeline, Run, Upload
from bench.settings import DRIVER_KEY, PEER_KEY
from bench.specs import scorekeep
from bench.stats import median, median_counts, varying_keys

SCENARIOS = ("greenfield", "redeploy", "noop", "duplicate_event")
_NOT_THE_PIPELINE = frozenset({DRIVER_KEY, PEER_KEY})


@dataclass(frozen=True)
class Measured:
    """One deployment as the pipeline did it."""

    status: str
    aws_calls: dict[str, int]
    deploy_api_calls: int
    polling_calls: int
    throttled_calls: int
    state_transitions: int
    retries: int
    seconds: float
    put_to_rollout_start: float | None
    rollout_seconds: float | None


def measure(pipeline: Pipeline, run: Run, service: str, rolled_out: bool) -> Measured:
    calls = api.made_except_by(
        pipeline.cloud.call_log(), _NOT_THE_PIPELINE, run.upload.put_at, run.settled_at
    )
    counts = api.by_action(calls)
    started = api.rollout_started_at(calls)
    return Measured(
        status=run.status,
        aws_calls=counts,
        deploy_api_calls=api.deploy_api_calls(counts),
        polling_calls=api.polling_calls(calls, until=run.stopped_at),
        throttled_calls=api.throttled_calls(calls),
        state_transitions=state_transitions(run.history),
        retries=task_retries(run.history),
        seconds=run.seconds,
        put_to_rollout_start=started - run.upload.put_at if started is not None else None,
        rollout_seconds=pipeline.last_rollout_seconds(service) if rolled_out else None,
    )


def _expect(measured: Measured, scenario: str, run: Run) -> Measured:
    if measured.status != "SUCCEEDED":
        raise BenchError(f"{scenario} of {run.upload.key} ended {measured.status}")
    return measured


def _entered(run: Run, state: str) -> bool:
    return any(
        event.get("stateEnteredEventDetails", {}).get("name") == state for event in run.history
    )


def replay(pipeline: Pipeline, run: Run) -> Run:
    """Start the workflow again with the exact input of ``run``: the same S3 event delivered
    twice, as EventBridge may (at-least-once delivery)."""
    started = time.time()
    arn = pipeline.sfn.start_execution(
        stateMachineArn=pipeline.stack.state_machine_arn,
        name=f"bench-replay-{uuid.uuid4().hex[:12]}",
        input=json.dumps(pipeline.execution_input(run.execution_arn)),
    )["executionArn"]
    return pipeline.finish(Upload(run.upload.key, run.upload.version, started), arn)


def one_round(pipeline: Pipeline, service: str, new_tag: str) -> dict[str, Measured]:
    """A new service, its image changed, the same spec again, the same event again."""
    greenfield = pipeline.deploy(service, scorekeep(service))
    results = {
        "greenfield": _expect(
            measure(pipeline, greenfield, service, True), "greenfield", greenfield
        )
    }
    redeploy = pipeline.deploy(service, scorekeep(service, new_tag))
    results["redeploy"] = _expect(measure(pipeline, redeploy, service, True), "redeploy", redeploy)
    noop = pipeline.deploy(service, scorekeep(service, new_tag))
    results["noop"] = _expect(measure(pipeline, noop, service, False), "noop", noop)
    duplicate = replay(pipeline, noop)
    if not _entered(duplicate, "NoOp"):
        raise BenchError(f"the replayed event of {service} did not end as a no-op")
    results["duplicate_event"] = _expect(
        measure(pipeline, duplicate, service, False), "duplicate event", duplicate
    )
    return results


def summarize(measured: Sequence[Measured]) -> dict[str, Any]:
    """The issue's shape: counts as per-action medians, timings as medians, plus the runs."""
    transitions = round(median(m.state_transitions for m in measured))
    runs = [m.aws_calls for m in measured]
    return {
        "aws_calls": median_counts(runs),
        "deploy_api_calls": round(median(m.deploy_api_calls for m in measured)),
        "polling_calls": max(m.polling_calls for m in measured),
        "state_transitions": transitions,
        "cost_usd": cost_usd(transitions),
        "seconds": round(median(m.seconds for m in measured), 3),
        "runs": len(measured),
        "seconds_per_run": [round(m.seconds, 3) for m in measured],
        "calls_by_category": api.by_category(median_counts(runs)),
        "calls_varying_between_runs": varying_keys(runs),
        "retries": max(m.retries for m in measured),
    }


def overhead(redeploys: Sequence[Measured]) -> dict[str, float]:
    """S3 PUT → UpdateService, and the whole workflow without the simulated rollout."""
    to_update = [m.put_to_rollout_start for m in redeploys if m.put_to_rollout_start is not None]
    excluding = [m.seconds - m.rollout_seconds for m in redeploys if m.rollout_seconds is not None]
    if not to_update or not excluding:
        raise BenchError("no redeploy reached UpdateService and completed its rollout")
    return {
        "put_to_update_service": round(median(to_update), 3),
        "workflow_excluding_rollout": round(median(excluding), 3),
        "rollout_seconds": round(median(m.rollout_seconds or 0.0 for m in redeploys), 3),
    }
