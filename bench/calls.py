"""What a deployment called, from the local cloud's timestamped call log."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Protocol

# The APIs that build and change what runs: the deployment's real work.
DEPLOY_SERVICES = frozenset({"ecs", "ec2", "elasticloadbalancing"})
# Recording and announcing: state table, spec and status objects, events.
BOOKKEEPING_SERVICES = frozenset({"dynamodb", "s3", "events"})
# Step Functions driving Lambda, and the task-token callbacks.
ORCHESTRATION_SERVICES = frozenset({"lambda", "states"})
CATEGORIES = ("deploy", "bookkeeping", "orchestration", "other")
_READ_PREFIXES = ("Describe", "List", "Get")
_ROLLOUT_STARTERS = frozenset({"ecs:CreateService", "ecs:UpdateService"})
# the rollout-events function resuming the parked workflow on ECS's deployment event
_ROLLOUT_ENDERS = frozenset({"states:SendTaskSuccess", "states:SendTaskFailure"})


class Call(Protocol):
    """One logged API call (localcloud.metering.LoggedCall has this shape)."""

    @property
    def at(self) -> float: ...
    @property
    def name(self) -> str: ...
    @property
    def caller(self) -> str: ...
    @property
    def throttled(self) -> bool: ...


def service_of(name: str) -> str:
    return name.split(":", 1)[0]


def category_of(name: str) -> str:
    service = service_of(name)
    if service in DEPLOY_SERVICES:
        return "deploy"
    if service in BOOKKEEPING_SERVICES:
        return "bookkeeping"
    if service in ORCHESTRATION_SERVICES:
        return "orchestration"
    return "other"


def is_polling_call(name: str) -> bool:
    """A read of ECS, EC2 or ELBv2: what a deployer polls to learn how a rollout goes."""
    service, _, action = name.partition(":")
    return service in DEPLOY_SERVICES and action.startswith(_READ_PREFIXES)


def made_by(
    calls: Iterable[Call], callers: frozenset[str], since: float, until: float
) -> list[Call]:
    """The calls of these callers (access key ids) in [since, until]."""
    return [call for call in calls if call.caller in callers and since <= call.at <= until]


def made_except_by(
    calls: Iterable[Call], excluded: frozenset[str], since: float, until: float
) -> list[Call]:
    """The calls of everyone but these callers in [since, until]."""
    return [call for call in calls if call.caller not in excluded and since <= call.at <= until]


def by_action(calls: Iterable[Call]) -> dict[str, int]:
    """How many calls of each `service:Action` (throttled attempts included: each is a call)."""
    return dict(sorted(Counter(call.name for call in calls).items()))


def deploy_api_calls(counts: Mapping[str, int]) -> int:
    """ECS + EC2 + ELBv2 calls."""
    return sum(n for name, n in counts.items() if service_of(name) in DEPLOY_SERVICES)


def by_category(counts: Mapping[str, int]) -> dict[str, int]:
    totals = dict.fromkeys(CATEGORIES, 0)
    for name, n in counts.items():
        totals[category_of(name)] += n
    return totals


def throttled_calls(calls: Iterable[Call]) -> int:
    return sum(1 for call in calls if call.throttled)


def rollout_started_at(calls: Iterable[Call]) -> float | None:
    """When the deployer started the rollout: its first CreateService/UpdateService."""
    starts = [call.at for call in calls if call.name in _ROLLOUT_STARTERS and not call.throttled]
    return min(starts) if starts else None


def rollout_ended_at(calls: Iterable[Call], started: float) -> float | None:
    """When ECS's deployment event resumed the workflow: its first task-token callback
    after the rollout started (None: no callback, the run ended without one)."""
    ends = [call.at for call in calls if call.name in _ROLLOUT_ENDERS and call.at > started]
    return min(ends) if ends else None


def polling_calls(calls: Iterable[Call], until: float) -> int:
    """Reads of ECS/EC2/ELBv2 made while ECS rolled out: after the rollout started and before
    ECS's event resumed the workflow (or, without one, before the deployer ended). The reads
    a rollback makes after that event are its work, not a wait.

    Zero for a deployer that waits on ECS's own event; a poller's count grows with the
    rollout's length.
    """
    listed = list(calls)
    started = rollout_started_at(listed)
    if started is None:
        return 0
    ended = rollout_ended_at(listed, started)
    until = min(until, ended) if ended is not None else until
    return sum(1 for call in listed if is_polling_call(call.name) and started < call.at <= until)
