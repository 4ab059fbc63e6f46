"""Fault injection: failing API calls, failing ECS rollouts, dropped or duplicated events.

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
    - rollout: web                  # ECS service name
      cluster: default              # optional
      reason: "CannotPullContainerError: ..."   # optional
      times: 1
    - event: drop                   # or: duplicate
      source: aws.ecs               # optional filters
      detail-type: ECS Deployment State Change
      copies: 3                     # optional, duplicate only: deliveries in all (default 2)
      times: 1
"""

from __future__ import annotations

import fnmatch
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from localcloud.errors import FaultSpecError

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


Fault = ApiFault | RolloutFault | EventFault


def _times(spec: Mapping[str, Any]) -> int | None:
    times = spec.get("times")
    if times is None:
        return None
    if not isinstance(times, int) or times < 1:
        raise FaultSpecError(f"times must be a positive integer, got {times!r}")
    return times


def _count(spec: Mapping[str, Any], key: str, minimum: int) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise FaultSpecError(f"{key} must be an integer of at least {minimum}, got {value!r}")
    return value


def _delay(spec: Mapping[str, Any]) -> float | None:
    delay = spec.get("delay")
    if delay is None:
        return None
    if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay <= 0:
        raise FaultSpecError(f"delay must be a positive number of seconds, got {delay!r}")
    return float(delay)


def _api_fault(spec: Mapping[str, Any]) -> ApiFault:
    call = str(spec["api"])
    if ":" not in call:
        raise FaultSpecError(
            f"api fault {call!r}: write it as service:Action, e.g. ecs:UpdateService"
        )
    status = spec.get("status")
    delay = _delay(spec)
    # A delay alone holds a call that is made; an error (by default throttling) replaces it.
    error = spec.get("error", None if delay is not None else "ThrottlingException")
    user_agent = spec.get("user-agent", spec.get("user_agent"))
    return ApiFault(
        call=call,
        error=str(error) if error is not None else None,
        status=int(status) if status is not None else None,
        message=spec.get("message"),
        times=_times(spec),
        after=_count(spec, "after", 0) or 0,
        delay=delay,
        user_agent=str(user_agent) if user_agent is not None else None,
        body=str(spec["body"]) if spec.get("body") is not None else None,
    )


def fault_from_dict(spec: Mapping[str, Any]) -> Fault:
    """Build a fault from its mapping form (see the module docstring)."""
    if "api" in spec:
        return _api_fault(spec)
    if "rollout" in spec:
        return RolloutFault(
            service=str(spec["rollout"]),
            cluster=spec.get("cluster"),
            reason=str(spec.get("reason", DEFAULT_ROLLOUT_REASON)),
            times=_times(spec),
        )
    if "event" in spec:
        action = spec["event"]
        if action not in ("drop", "duplicate"):
            raise FaultSpecError(f"event fault action must be drop or duplicate, got {action!r}")
        return EventFault(
            action=action,
            source=spec.get("source"),
            detail_type=spec.get("detail-type", spec.get("detail_type")),
            times=_times(spec),
            copies=_count(spec, "copies", 2),
        )
    raise FaultSpecError(f"a fault needs one of the keys api, rollout or event: {dict(spec)!r}")


# Optional fields left out of a fault's dict form while they hold their defaults.
_QUIET_DEFAULTS = {"after": 0, "delay": None, "user_agent": None, "body": None, "copies": None}


def fault_to_dict(fault: Fault) -> dict[str, Any]:
    fields = {
        key: value
        for key, value in asdict(fault).items()
        if key not in _QUIET_DEFAULTS or value != _QUIET_DEFAULTS[key]
    }
    if "user_agent" in fields:
        fields["user-agent"] = fields.pop("user_agent")
    if isinstance(fault, ApiFault):
        return {"api": fields.pop("call"), **fields}
    if isinstance(fault, RolloutFault):
        return {"rollout": fields.pop("service"), **fields}
    return {"event": fields.pop("action"), "detail-type": fields.pop("detail_type"), **fields}


def load_faults(source: str | Path | Iterable[Any] | Mapping[str, Any] | None) -> list[Fault]:
    """Faults from a YAML/JSON file path, a mapping (`{"faults": [...]}`) or a list of specs."""
    if source is None:
        return []
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise FaultSpecError(f"fault file {path} does not exist")
        source = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(source, Mapping):
        source = source.get("faults", [source]) if "faults" in source else [source]
    faults: list[Fault] = []
    for spec in source:
        if isinstance(spec, (ApiFault, RolloutFault, EventFault)):
            faults.append(spec)
        elif isinstance(spec, Mapping):
            faults.append(fault_from_dict(spec))
        else:
            raise FaultSpecError(f"not a fault: {spec!r}")
    return faults


def parse_faults_json(body: bytes) -> list[Fault]:
    try:
        document = json.loads(body or b"[]")
    except ValueError as error:
        raise FaultSpecError(f"fault body is not JSON: {error}") from error
    return load_faults(document)


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

    def take_rollout_fault(self, cluster: str, service: str) -> str | None:
        """The failure reason when the next rollout of this service must fail."""
        with self._lock:
            for fault in self._faults:
                if isinstance(fault, RolloutFault) and fault.matches(cluster, service):
                    self._consume(fault)
                    return fault.reason
        return None

    def event_copies(self, event: Mapping[str, Any]) -> int:
        """How many times to deliver this event: 0 (dropped), 1, or 2 or more (duplicated)."""
        with self._lock:
            for fault in self._faults:
                if isinstance(fault, EventFault) and fault.matches(event):
                    self._consume(fault)
                    return 0 if fault.action == "drop" else (fault.copies or 2)
        return 1
