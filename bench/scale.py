"""Scale: N services submitted at once while ECS throttles its API as it does in AWS.

Each service is scorekeep in one shared, existing VPC without a load balancer, so every
deployment is ECS work (task definition, service) plus a security group: the part ECS
throttles. (N complete architectures would be N VPCs, NAT gateways and ALBs, far beyond an
account's default quotas of 5 VPCs and 50 ALBs per region.)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bench import calls as api
from bench.history import cost_usd, state_transitions, task_retries
from bench.machine import cpu_busy_seconds, process_cpu_seconds
from bench.pipeline import BenchError, Pipeline, Upload
from bench.settings import DRIVER_KEY, ECS_RATE_LIMITS, PEER_KEY, SCALE_DEADLINE_SECONDS
from bench.specs import scorekeep_in_shared_vpc
from bench.stats import median
from ecsdrop.aws.admission import ECS_WRITE_LIMITS
from tests.support.networks import team_network

_NOT_THE_PIPELINE = frozenset({DRIVER_KEY, PEER_KEY})
_UPLOAD_THREADS = 32
_POLL_SECONDS = 1.0
_FIRST_WRITE = "ecs:RegisterTaskDefinition"
_ADMITTED_STATE = "RegisterTaskDefinition"  # the workflow's state that makes that call


@dataclass(frozen=True)
class SharedVpc:
    vpc_id: str
    subnet_ids: list[str]


@dataclass(frozen=True)
class Execution:
    arn: str
    spec_key: str
    status: str
    started_at: float
    stopped_at: float
    history: list[dict[str, Any]]


def shared_vpc(pipeline: Pipeline) -> SharedVpc:
    """The team's VPC with two private subnets in two zones behind a NAT gateway (tasks pull
    their images through it), made before the runs."""
    network = team_network(pipeline.client("ec2"), "10.40.0.0/16")
    vpc_id, subnet_ids = network["vpcId"], network["private"]
    return SharedVpc(vpc_id, subnet_ids)


def submit_all(pipeline: Pipeline, vpc: SharedVpc, services: Sequence[str]) -> list[Upload]:
    def submit(service: str) -> Upload:
        return pipeline.upload(
            service, scorekeep_in_shared_vpc(service, vpc.vpc_id, vpc.subnet_ids)
        )

    with ThreadPoolExecutor(min(len(services), _UPLOAD_THREADS)) as pool:
        return list(pool.map(submit, services))


def executions_of(pipeline: Pipeline, uploads: Sequence[Upload], deadline: float) -> dict[str, str]:
    """Execution ARN → spec key, for the executions the uploads started (inputs read once)."""
    wanted = {(upload.key, upload.version) for upload in uploads}
    found: dict[tuple[str, str | None], str] = {}
    seen: set[str] = set()
    while len(found) < len(wanted) and time.monotonic() < deadline:
        for arn in _all_executions(pipeline, status=None):
            if arn in seen:
                continue
            seen.add(arn)
            detail = pipeline.execution_input(arn).get("detail") or {}
            obj = detail.get("object") or {}
            key = (str(obj.get("key")), obj.get("version-id"))
            if key in wanted:
                found[key] = arn
        time.sleep(_POLL_SECONDS)
    if len(found) < len(wanted):
        raise BenchError(f"only {len(found)} of {len(wanted)} uploads started an execution")
    return {arn: key for (key, _), arn in found.items()}


def _all_executions(pipeline: Pipeline, status: str | None) -> list[str]:
    paginator = pipeline.sfn.get_paginator("list_executions")
    options: dict[str, Any] = {"stateMachineArn": pipeline.stack.state_machine_arn}
    if status:
        options["statusFilter"] = status
    return [
        item["executionArn"]
        for page in paginator.paginate(**options)
        for item in page["executions"]
    ]


def wait_for_all(pipeline: Pipeline, spec_keys: dict[str, str], deadline: float) -> list[Execution]:
    ours = set(spec_keys)
    while time.monotonic() < deadline:
        if not ours & set(_all_executions(pipeline, status="RUNNING")):
            break
        time.sleep(_POLL_SECONDS)
    results = []
    for arn, spec_key in spec_keys.items():
        described = pipeline.sfn.describe_execution(executionArn=arn)
        stopped = described.get("stopDate")
        results.append(
            Execution(
                arn=arn,
                spec_key=spec_key,
                status=str(described["status"]),
                started_at=described["startDate"].timestamp(),
                stopped_at=stopped.timestamp() if stopped else time.time(),
                history=pipeline.history(arn),
            )
        )
    return results


def run_size(pipeline: Pipeline, vpc: SharedVpc, size: int) -> dict[str, Any]:
    pipeline.cloud.set_rate_limits(ECS_RATE_LIMITS)  # an account at rest: full buckets
    services = [f"scale{size}-{index:03d}" for index in range(1, size + 1)]
    deadline = time.monotonic() + SCALE_DEADLINE_SECONDS
    busy_before, own_before = cpu_busy_seconds(), process_cpu_seconds()
    cold_before = pipeline.cloud.lambda_cold_starts()
    uploads = submit_all(pipeline, vpc, services)
    executions = wait_for_all(pipeline, executions_of(pipeline, uploads, deadline), deadline)
    busy_after, own_after = cpu_busy_seconds(), process_cpu_seconds()
    cold_starts = pipeline.cloud.lambda_cold_starts() - cold_before
    settled_at = pipeline.settle()
    began = min(upload.put_at for upload in uploads)
    ended = max(execution.stopped_at for execution in executions)
    calls = api.made_except_by(pipeline.cloud.call_log(), _NOT_THE_PIPELINE, began, settled_at)
    transitions = sum(state_transitions(execution.history) for execution in executions)
    put_at = {upload.key: upload.put_at for upload in uploads}
    durations = [e.stopped_at - put_at[e.spec_key] for e in executions]
    return {
        "services": size,
        "succeeded": sum(1 for execution in executions if execution.status == "SUCCEEDED"),
        "seconds": round(ended - began, 3),
        "throttles": sum(pipeline.cloud.throttled().values()),
        "throttles_by_action": pipeline.cloud.throttled(),
        "statuses": _statuses(executions),
        "failures": _failures(executions),
        "state_transitions": transitions,
        "cost_usd": cost_usd(transitions),
        "cost_usd_per_service": cost_usd(transitions) / size,
        "task_retries": sum(task_retries(execution.history) for execution in executions),
        "deploy_api_calls": api.deploy_api_calls(api.by_action(calls)),
        "api_calls": len(calls),
        "median_service_seconds": round(median(durations), 3),
        "max_service_seconds": round(max(durations), 3),
        "cpu_busy_seconds": (
            round(busy_after - busy_before, 1)
            if busy_before is not None and busy_after is not None
            else None
        ),
        "local_cloud_cpu_seconds": round(own_after - own_before, 1),
        "lambda_cold_starts": cold_starts,
        "first_ecs_write_seconds": _first_write(calls, began),
        **_arrivals(executions, began),
    }


def _arrivals(executions: Sequence[Execution], began: float) -> dict[str, Any]:
    """When the executions first reached RegisterTaskDefinition (seconds after the first PUT),
    and when AWS's bucket, full at the start, would have let the last of them register."""
    arrivals = sorted(
        at - began for at in (_entered(e.history, _ADMITTED_STATE) for e in executions) if at
    )
    if not arrivals:
        return {"last_arrival_seconds": None, "earliest_last_turn_seconds": None}
    limit = ECS_WRITE_LIMITS[_FIRST_WRITE]
    last_turn = earliest_last_turn(arrivals, limit.rate, limit.burst)
    return {
        "last_arrival_seconds": round(arrivals[-1], 3),
        "earliest_last_turn_seconds": round(last_turn, 3),
    }


def _entered(history: Sequence[dict[str, Any]], state: str) -> float | None:
    return next(
        (
            event["timestamp"].timestamp()
            for event in history
            if event.get("type") == "TaskStateEntered"
            and event["stateEnteredEventDetails"]["name"] == state
        ),
        None,
    )


def earliest_last_turn(arrivals: Sequence[float], rate: float, burst: int) -> float:
    """The earliest time a token bucket (``rate`` per second, ``burst`` deep, full at 0) lets
    the last of these calls through, each made as soon as it arrives: AWS's own limit, with no
    caller's margin."""
    tokens, clock = float(burst), 0.0
    for arrival in sorted(arrivals):
        at = max(arrival, clock)
        tokens = min(float(burst), tokens + (at - clock) * rate)
        if tokens < 1.0:
            at += (1.0 - tokens) / rate
            tokens = 1.0
        tokens -= 1.0
        clock = at
    return clock


def _first_write(calls: Sequence[api.Call], began: float) -> float | None:
    """From the first PUT to the first admitted ECS write: how long the pipeline's front (S3
    event, LoadSpec, Lock, Plan, the network) took to bring a deployment to the throttled
    part."""
    writes = [call.at for call in calls if call.name == _FIRST_WRITE and not call.throttled]
    return round(min(writes) - began, 3) if writes else None


def _failures(executions: Sequence[Execution]) -> dict[str, int]:
    """Why the executions that did not succeed failed: "error: cause", counted."""
    causes: dict[str, int] = {}
    for execution in executions:
        if execution.status == "SUCCEEDED":
            continue
        failed = next((e for e in execution.history if e.get("type") == "ExecutionFailed"), {}).get(
            "executionFailedEventDetails", {}
        )
        cause = f"{failed.get('error', execution.status)}: {str(failed.get('cause', ''))[:160]}"
        causes[cause] = causes.get(cause, 0) + 1
    return causes


def _statuses(executions: Sequence[Execution]) -> dict[str, int]:
    statuses: dict[str, int] = {}
    for execution in executions:
        statuses[execution.status] = statuses.get(execution.status, 0) + 1
    return statuses


def admission_rows(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The measured scale runs against the throttling floor: (N - burst) / rate of
    RegisterTaskDefinition (the tightest bucket) plus one deployment alone (the 1-service run).

    `arrival_floor_seconds` is the same floor from when the executions actually reached
    RegisterTaskDefinition on this machine: the bucket's earliest turn for the last of them,
    plus what one deployment alone took after its own turn."""
    alone = next((run for run in runs if run["services"] == 1), None)
    alone_seconds = alone["seconds"] if alone else 0.0
    alone_turn = alone.get("earliest_last_turn_seconds") if alone else None
    limit = ECS_WRITE_LIMITS[_FIRST_WRITE]
    rows = []
    for run in runs:
        floor = max(0.0, (run["services"] - limit.burst) / limit.rate) + alone_seconds
        last_turn = run.get("earliest_last_turn_seconds")
        arrival_floor = (
            None
            if last_turn is None or alone_turn is None
            else last_turn + (alone_seconds - alone_turn)
        )
        rows.append(
            {
                "services": run["services"],
                "succeeded": run["succeeded"],
                "makespan_seconds": run["seconds"],
                "floor_seconds": round(floor, 1),
                "ratio": _ratio(run["seconds"], floor),
                "throttled_calls": run["throttles"],
                "mode": "measured",
                "last_arrival_seconds": run.get("last_arrival_seconds"),
                "arrival_floor_seconds": None if arrival_floor is None else round(arrival_floor, 1),
                "ratio_to_arrival_floor": (
                    None if arrival_floor is None else _ratio(run["seconds"], arrival_floor)
                ),
            }
        )
    return rows


def _ratio(seconds: float, floor: float) -> float | None:
    return round(seconds / floor, 3) if floor else None
