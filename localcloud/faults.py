"""Fault injection: failing API calls, failing ECS rollouts, dropped or duplicated events, and
what the containers of ECS tasks do (how long they run, what they log, how they exit).

A fault is written as a small mapping (YAML/JSON file, Python dict or HTTP body):

    - api: ecs:UpdateService        # service:Action, shell-style wildcards allowed (ecs:*)
      error: ThrottlingException    # the error code clients see
      status: 400                   # optional; a sensible default per error code
      message: Rate exceeded        # optional
      times: 2                      # optional; omitted = every matching call
      after: 1                      # optional; the first N matching calls pass untouched
      user-agent: ecsdrop           # optional; only calls whose User-Agent has a matching
                                    # part (glob on each space-separated part)
      body: "*ROLLOUT#*TOKEN*"      # optional; only calls whose request body matches (glob)
      delay: 5                      # optional; hold the answer this many seconds. Without
                                    # `error` the call is made and only its answer is late
                                    # (a caller with a shorter timeout never sees it)
    - rollout: web                  # ECS service name: its next deployment's tasks fail to
      cluster: default              # start (optional)
      reason: "CannotPullContainerError: ..."   # optional
      health: unhealthy             # optional: the tasks start, but fail their load balancer
                                    # health checks instead
      times: 1                      # deployments
    - event: drop                   # or: duplicate
      source: aws.ecs               # optional filters
      detail-type: ECS Deployment State Change
      copies: 3                     # optional, duplicate only: deliveries in all (default 2)
      times: 1
    - task: scorekeep               # what a task's containers do: its task definition family
                                    # (glob). Tasks RunTask started only, unless `service` says
      service: web                  # optional (glob): instead the tasks of this ECS service
      cluster: default              # optional (glob)
      container: scorekeep-api      # optional (glob): these containers; default every one
      command: "./migrate*"         # optional (glob on the command after overrides, its words
                                    # joined with spaces, `sh -c` included)
      exit: 3                       # the exit code (default 0)
      seconds: 20                   # simulated seconds from RUNNING to the exit (default 5)
      logs: [migrating, done]       # optional: lines the container writes to its awslogs
                                    # stream while it runs, spread over its run
      reason: "CannotPullContainerError: ..."   # optional: instead the task fails to start
                                    # (TaskFailedToStart) with this stoppedReason
      times: 1                      # tasks

A task rule is consulted when a task is launched: the first one matching any of its containers
applies to the containers it matches (the others behave as they would without it, see
localcloud/ecs_tasks.py) and uses up one of its times. A service's tasks match only a rule that
names the service, so a rule for a family never changes a rollout by accident.

A key the kind of fault does not take, or a value of the wrong type, is a FaultSpecError
naming the key's path (``faults[1].tims``): a misspelt filter must not widen a fault.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from localcloud.errors import FaultPath, FaultSpecError

_STATUS_BY_ERROR = {
    "TooManyRequestsException": 429,
    "RequestLimitExceeded": 503,
    "SlowDown": 503,
    "ServiceUnavailable": 503,
    "ServiceUnavailableException": 503,
    "InternalFailure": 500,
    "InternalError": 500,
    "InternalServerError": 500,
    "ServiceException": 500,
    "AccessDenied": 403,
    "AccessDeniedException": 403,
}
DEFAULT_ROLLOUT_REASON = "CannotPullContainerError: injected by a localcloud rollout fault"
DEFAULT_TASK_SECONDS = 5.0  # a task rule's run, and a standalone task's command's, simulated


@dataclass
class ApiFault:
    call: str
    error: str | None = "ThrottlingException"  # None: a delay only, the call itself is made
    status: int | None = None
    message: str | None = None
    times: int | None = None
    after: int = 0
    delay: float | None = None
    user_agent: str | None = None
    body: str | None = None

    def matches(self, call: str, user_agent: str = "", body: str = "") -> bool:
        if self.user_agent is not None and not any(
            fnmatch.fnmatchcase(part, self.user_agent) for part in user_agent.split()
        ):
            return False
        if self.body is not None and not fnmatch.fnmatchcase(body, self.body):
            return False
        return fnmatch.fnmatchcase(call.lower(), self.call.lower())

    @property
    def http_status(self) -> int:
        return self.status or _STATUS_BY_ERROR.get(self.error or "", 400)

    @property
    def error_message(self) -> str:
        return self.message or f"{self.error} injected by localcloud for {self.call}"


@dataclass
class RolloutFault:
    service: str
    cluster: str | None = None
    reason: str = DEFAULT_ROLLOUT_REASON
    times: int | None = None
    health: str | None = None  # "unhealthy": tasks start, their targets fail health checks

    def matches(self, cluster: str, service: str) -> bool:
        return self.service == service and self.cluster in (None, cluster)


@dataclass
class EventFault:
    action: str
    source: str | None = None
    detail_type: str | None = None
    times: int | None = None
    copies: int | None = None  # deliveries of a duplicated event (default 2)

    def matches(self, event: Mapping[str, Any]) -> bool:
        return self.source in (None, event.get("source")) and self.detail_type in (
            None,
            event.get("detail-type"),
        )


@dataclass(frozen=True)
class TaskContainerFacts:
    """What a task rule looks at in one container: its name and its command after overrides."""

    name: str
    command: str


@dataclass
class TaskFault:
    """What the containers of matching tasks do: run `seconds`, writing `logs` on the way, and
    exit with `exit_code`; or, with `reason`, the task fails to start."""

    family: str
    service: str | None = None  # None: tasks RunTask started (group not `service:...`)
    cluster: str | None = None
    container: str | None = None
    command: str | None = None
    exit_code: int = 0
    seconds: float = DEFAULT_TASK_SECONDS
    logs: list[str] | None = None
    reason: str | None = None
    times: int | None = None

    def containers_matched(
        self, cluster: str, family: str, group: str, containers: Sequence[TaskContainerFacts]
    ) -> list[str]:
        """The names of the containers this rule applies to in such a task (none: no match)."""
        if not fnmatch.fnmatchcase(family, self.family) or not _glob(cluster, self.cluster):
            return []
        if self.service is None:
            if group.startswith("service:"):
                return []
        elif not fnmatch.fnmatchcase(group, f"service:{self.service}"):
            return []
        return [
            item.name
            for item in containers
            if _glob(item.name, self.container) and _glob(item.command, self.command)
        ]


def _glob(value: str, pattern: str | None) -> bool:
    return pattern is None or fnmatch.fnmatchcase(value, pattern)


Fault = ApiFault | RolloutFault | EventFault | TaskFault


# The keys each kind of fault takes (its kind's key first); any other key is a mistake.
_KEYS = {
    "api": (
        "api",
        "error",
        "status",
        "message",
        "times",
        "after",
        "delay",
        "user-agent",
        "user_agent",
        "body",
    ),
    "rollout": ("rollout", "cluster", "reason", "times", "health"),
    "event": ("event", "source", "detail-type", "detail_type", "times", "copies"),
    "task": (
        "task",
        "service",
        "cluster",
        "container",
        "command",
        "exit",
        "seconds",
        "logs",
        "reason",
        "times",
    ),
}


class _Fields:
    """One fault's mapping, read key by key: each value is checked, and every problem is
    kept with its key's path (unknown keys included), to be raised together."""

    def __init__(self, spec: Mapping[str, Any], path: FaultPath, kind: str) -> None:
        self._spec = spec
        self._path = path
        self.problems: list[tuple[FaultPath, str]] = []
        known = _KEYS[kind]
        for key in spec:
            if key not in known:
                self.problem(
                    str(key), f"unknown key {key!r}; {kind} faults take {', '.join(known)}"
                )

    def problem(self, key: str, message: str) -> None:
        self.problems.append(((*self._path, key), message))

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self._spec.get(key, default)
        if value is None or isinstance(value, str):
            return value
        self.problem(key, f"must be a string, got {value!r}")
        return None

    def either(self, *keys: str) -> str | None:
        """The first of ``keys`` given (``user-agent`` or ``user_agent``)."""
        given = next((key for key in keys if key in self._spec), keys[0])
        return self.text(given)

    def count(self, key: str, minimum: int, maximum: int | None = None) -> int | None:
        value = self._spec.get(key)
        if value is None:
            return None
        too_big = maximum is not None and isinstance(value, int) and value > maximum
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum or too_big:
            within = f"from {minimum} to {maximum}" if maximum else f"of at least {minimum}"
            self.problem(key, f"must be an integer {within}, got {value!r}")
            return None
        return value

    def seconds(self, key: str) -> float | None:
        value = self._spec.get(key)
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            self.problem(key, f"must be a positive number of seconds, got {value!r}")
            return None
        return float(value)

    def lines(self, key: str) -> list[str] | None:
        value = self._spec.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
            self.problem(key, f"must be a list of strings, got {value!r}")
            return None
        return list(value)

    def done(self, fault: Fault) -> Fault:
        if self.problems:
            raise FaultSpecError(self.problems)
        return fault


def _api_fault(fields: _Fields) -> Fault:
    call = fields.text("api") or ""
    if call and ":" not in call:
        fields.problem("api", f"{call!r}: write it as service:Action, e.g. ecs:UpdateService")
    delay = fields.seconds("delay")
    # A delay alone holds a call that is made; an error (by default throttling) replaces it.
    return fields.done(
        ApiFault(
            call=call,
            error=fields.text("error", None if delay is not None else "ThrottlingException"),
            status=fields.count("status", 100, 599),
            message=fields.text("message"),
            times=fields.count("times", 1),
            after=fields.count("after", 0) or 0,
            delay=delay,
            user_agent=fields.either("user-agent", "user_agent"),
            body=fields.text("body"),
        )
    )


def _rollout_fault(fields: _Fields) -> Fault:
    health = fields.text("health")
    if health not in (None, "unhealthy"):
        fields.problem("health", f"must be unhealthy, got {health!r}")
    return fields.done(
        RolloutFault(
            service=fields.text("rollout") or "",
            cluster=fields.text("cluster"),
            reason=fields.text("reason") or DEFAULT_ROLLOUT_REASON,
            times=fields.count("times", 1),
            health=health,
        )
    )


def _event_fault(fields: _Fields, action: Any) -> Fault:
    if action not in ("drop", "duplicate"):
        fields.problem("event", f"must be drop or duplicate, got {action!r}")
    return fields.done(
        EventFault(
            action=str(action),
            source=fields.text("source"),
            detail_type=fields.either("detail-type", "detail_type"),
            times=fields.count("times", 1),
            copies=fields.count("copies", 2),
        )
    )


def _task_fault(fields: _Fields, spec: Mapping[str, Any]) -> Fault:
    reason = fields.text("reason")
    if reason is not None:
        for key in ("exit", "seconds", "logs"):
            if key in spec:
                fields.problem(key, "a task that fails to start (reason) runs nothing")
    return fields.done(
        TaskFault(
            family=fields.text("task") or "",
            service=fields.text("service"),
            cluster=fields.text("cluster"),
            container=fields.text("container"),
            command=fields.text("command"),
            exit_code=fields.count("exit", 0, 255) or 0,
            seconds=fields.seconds("seconds") or DEFAULT_TASK_SECONDS,
            logs=fields.lines("logs"),
            reason=reason,
            times=fields.count("times", 1),
        )
    )


def fault_from_dict(spec: Mapping[str, Any], path: FaultPath = ()) -> Fault:
    """Build a fault from its mapping form (see the module docstring), or FaultSpecError with
    every problem of it, each at ``path`` plus its key."""
    kind = next((key for key in _KEYS if key in spec), None)
    if kind is None:
        raise FaultSpecError([(path, "a fault needs one of the keys api, rollout, event or task")])
    fields = _Fields(spec, path, kind)
    if kind == "api":
        return _api_fault(fields)
    if kind == "rollout":
        return _rollout_fault(fields)
    if kind == "task":
        return _task_fault(fields, spec)
    return _event_fault(fields, spec["event"])


# Optional fields left out of a fault's dict form while they hold their defaults.
_QUIET_DEFAULTS = {
    "after": 0,
    "delay": None,
    "user-agent": None,
    "body": None,
    "copies": None,
    "health": None,
    "service": None,
    "container": None,
    "command": None,
    "exit": 0,
    "seconds": DEFAULT_TASK_SECONDS,
    "logs": None,
}


# Fields whose key in a fault's mapping form is not their attribute's name.
_KEY_OF_FIELD = {"user_agent": "user-agent", "exit_code": "exit"}


def fault_to_dict(fault: Fault) -> dict[str, Any]:
    named = {_KEY_OF_FIELD.get(key, key): value for key, value in asdict(fault).items()}
    fields = {
        key: value
        for key, value in named.items()
        if key not in _QUIET_DEFAULTS or value != _QUIET_DEFAULTS[key]
    }
    if isinstance(fault, ApiFault):
        return {"api": fields.pop("call"), **fields}
    if isinstance(fault, RolloutFault):
        return {"rollout": fields.pop("service"), **fields}
    if isinstance(fault, TaskFault):
        return {"task": fields.pop("family"), **fields}
    return {"event": fields.pop("action"), "detail-type": fields.pop("detail_type"), **fields}


def load_faults(source: str | Path | Iterable[Any] | Mapping[str, Any] | None) -> list[Fault]:
    """Faults from a YAML/JSON file path, a mapping (`{"faults": [...]}`) or a list of specs."""
    if source is None:
        return []
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise FaultSpecError(f"fault file {path} does not exist")
        try:
            source = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise FaultSpecError(f"fault file {path} is not YAML: {error}") from None
    return faults_from_data(source)


def faults_from_data(document: Any) -> list[Fault]:
    """Faults from a parsed document: a list of faults, ``{"faults": [...]}``, or one fault
    (None: no faults). FaultSpecError lists every problem, each with its path."""
    if document is None:
        return []
    if isinstance(document, Mapping) and "faults" in document:
        extra: list[tuple[FaultPath, str]] = [
            ((str(key),), f"unknown key {key!r} beside faults")
            for key in document
            if key != "faults"
        ]
        return _faults(document["faults"], ("faults",), extra)
    if isinstance(document, Mapping):
        return _faults([document], None, [])
    if isinstance(document, Iterable) and not isinstance(document, str | bytes):
        return _faults(document, (), [])
    raise FaultSpecError("faults are a list of faults, or a mapping with the key faults")


def _faults(
    items: Any, base: FaultPath | None, problems: list[tuple[FaultPath, str]]
) -> list[Fault]:
    """``base`` None: one fault, whose keys are at the top."""
    if not isinstance(items, Iterable) or isinstance(items, str | bytes | Mapping):
        raise FaultSpecError([*problems, (base or (), "must be a list of faults")])
    faults: list[Fault] = []
    for index, spec in enumerate(items):
        path = () if base is None else (*base, index)
        if isinstance(spec, (ApiFault, RolloutFault, EventFault, TaskFault)):
            faults.append(spec)
        elif not isinstance(spec, Mapping):
            problems.append((path, f"not a fault: {spec!r}"))
        else:
            try:
                faults.append(fault_from_dict(spec, path))
            except FaultSpecError as error:
                problems.extend(error.problems)
    if problems:
        raise FaultSpecError(problems)
    return faults


def parse_faults_json(body: bytes) -> list[Fault]:
    try:
        document = json.loads(body or b"[]")
    except ValueError as error:
        raise FaultSpecError(f"fault body is not JSON: {error}") from error
    return faults_from_data(document)


class FaultBook:
    """The active faults; each matching use consumes one of its `times`."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault_to_dict(fault) for fault in self._faults]

    def _consume(self, fault: Fault) -> None:
        if fault.times is None:
            return
        fault.times -= 1
        if fault.times <= 0:
            self._faults.remove(fault)

    def wants_bodies(self) -> bool:
        """Whether a fault looks at request bodies (else they are not read for it)."""
        with self._lock:
            return any(isinstance(f, ApiFault) and f.body is not None for f in self._faults)

    def take_api_fault(self, call: str, user_agent: str = "", body: str = "") -> ApiFault | None:
        with self._lock:
            for fault in self._faults:
                if not isinstance(fault, ApiFault) or not fault.matches(call, user_agent, body):
                    continue
                if fault.after > 0:  # not yet: this matching call passes
                    fault.after -= 1
                    continue
                self._consume(fault)
                return fault
        return None

    def take_rollout_fault(self, cluster: str, service: str) -> RolloutFault | None:
        """How the next deployment of this service must fail, if it must."""
        with self._lock:
            for fault in self._faults:
                if isinstance(fault, RolloutFault) and fault.matches(cluster, service):
                    self._consume(fault)
                    return fault
        return None

    def take_task_fault(
        self, cluster: str, family: str, group: str, containers: Sequence[TaskContainerFacts]
    ) -> tuple[TaskFault, list[str]] | None:
        """The first task rule that matches a task being launched, with the names of the
        containers it applies to (consuming one of its times), if one does."""
        with self._lock:
            for fault in self._faults:
                if not isinstance(fault, TaskFault):
                    continue
                names = fault.containers_matched(cluster, family, group, containers)
                if names:
                    self._consume(fault)
                    return fault, names
        return None

    def event_copies(self, event: Mapping[str, Any]) -> int:
        """How many times to deliver this event: 0 (dropped), 1, or 2 or more (duplicated)."""
        with self._lock:
            for fault in self._faults:
                if isinstance(fault, EventFault) and fault.matches(event):
                    self._consume(fault)
                    return 0 if fault.action == "drop" else (fault.copies or 2)
        return 1
