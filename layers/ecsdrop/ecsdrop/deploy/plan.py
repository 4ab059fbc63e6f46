"""Plans: what a spec would change, told without changing anything.

Two ways in: a spec uploaded to ``plans/<service>.yaml`` (the diff is announced as a
PLANNED event, so chat shows it), and ``ecsdrop diff``, which sends the spec's text and
reads the comparison back. Both validate as a deployment would and compare with
``diff.compare``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ecsdrop.aws.bucket import SpecBucket
from ecsdrop.aws.events import EventPublisher
from ecsdrop.deploy.diff import Running, compare
from ecsdrop.errors import SpecError
from ecsdrop.spec import Guardrails, Installation, Spec, validate
from ecsdrop.spec.problems import Problem

PLANNED = "PLANNED"
REJECTED = "REJECTED"
_PLAN_KEY = re.compile(r"^plans/(?P<name>[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)\.(ya?ml|json)\Z")
# An event carries at most 256 KB; a longer diff is cut (the CLI shows it whole).
EVENT_DIFF_LIMIT = 60_000


@dataclass(frozen=True)
class Planner:
    bucket: SpecBucket
    guardrails: Guardrails
    installation: Installation
    running: Running
    publisher: EventPublisher


def plan_step(event: dict[str, Any], planner: Planner) -> dict[str, Any]:
    """The Plan function: a ``{"spec": text}`` request is answered, an upload announced."""
    if "spec" in event:
        return plan_request(event, planner)
    return plan_upload(event, planner)


def plan_request(request: dict[str, Any], planner: Planner) -> dict[str, Any]:
    """``ecsdrop diff``: the comparison for the spec's text, or its problems."""
    filename = str(request.get("filename") or "spec.yaml")
    checked = validate(request["spec"], filename, planner.guardrails, planner.installation)
    if checked.spec is None:
        return {"valid": False, "problems": [p.format(filename) for p in checked.errors]}
    plan = compare(checked.spec, planner.installation, planner.running)
    return {"valid": True, **plan.to_json()}


def plan_upload(event: dict[str, Any], planner: Planner) -> dict[str, Any]:
    """A spec uploaded to ``plans/``: announce what deploying it would change."""
    detail = event.get("detail") or {}
    obj = detail.get("object") or {}
    key, version = str(obj.get("key", "")), obj.get("version-id")
    trigger = {
        "type": "plan",
        "key": key,
        "versionId": version,
        "requester": detail.get("requester"),
    }
    started = _now()
    try:
        spec, uploader = _planned_spec(key, version, planner)
        if uploader:
            trigger["uploader"] = uploader
    except SpecError as e:
        match = _PLAN_KEY.match(key)
        announced = {
            **_base(planner, match.group("name") if match else None, None, trigger, started),
            "state": REJECTED,
            "error": SpecError.__name__,
            "cause": str(e),
        }
        planner.publisher.publish(announced, [])
        return announced
    plan = compare(spec, planner.installation, planner.running)
    diff = plan.text
    if len(diff) > EVENT_DIFF_LIMIT:
        cut = diff[:EVENT_DIFF_LIMIT].rsplit("\n", 1)[0]
        diff = f"{cut}\n… {diff.count(chr(10)) - cut.count(chr(10))} more lines (ecsdrop diff)"
    announced = {
        **_base(planner, spec.name, spec, trigger, started),
        "state": PLANNED,
        "changes": plan.changes,
        "changed": [s.name for s in plan.sections if s.changed],
        "diff": diff,
    }
    planner.publisher.publish(announced, [])
    return announced


def _planned_spec(key: str, version: str | None, planner: Planner) -> tuple[Spec, str | None]:
    match = _PLAN_KEY.match(key)
    if match is None:
        raise SpecError([Problem((), "a plan lives at plans/<service>.yaml (or .yml, .json)")], key)
    obj = planner.bucket.read(key, version, planner.guardrails.max_spec_bytes)
    checked = validate(obj.body, key, planner.guardrails, planner.installation)
    if checked.spec is None:
        raise SpecError(checked.errors, key)
    if checked.spec.name != match.group("name"):
        problem = Problem(("service", "name"), f"must be {match.group('name')!r}, as in {key}")
        raise SpecError([problem], key)
    return checked.spec, obj.uploader


def _base(
    planner: Planner,
    service: str | None,
    spec: Spec | None,
    trigger: dict[str, Any],
    started: str,
) -> dict[str, Any]:
    """What every event of a plan carries: like a deployment's, with the plan's own id and
    a link to the uploaded file (there is no execution to open)."""
    key, region = str(trigger["key"]), planner.installation.region
    return {
        "service": service,
        "cluster": spec.cluster if spec else None,
        "deploymentId": trigger["versionId"] or f"plan-{started}",
        "consoleUrl": (
            f"https://{region}.console.aws.amazon.com/s3/object/{planner.bucket.name}"
            f"?region={region}&prefix={key}"
        ),
        "trigger": trigger,
        "spec": {
            "key": trigger["key"],
            "versionId": trigger["versionId"],
            "digest": spec.digest if spec else None,
        },
        "startedAt": started,
        "finishedAt": _now(),
        "notifications": spec.notifications if spec else {},
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
