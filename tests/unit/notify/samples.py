"""Event details to format, and the documented shapes to check the messages against."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema

from ecsdrop.notify.message import Announcement, announcement_of

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "tests" / "fixtures" / "chat"
ALL_STATES = (
    "STARTED",
    "ROLLING_OUT",
    "SUCCEEDED",
    "REJECTED",
    "FAILED",
    "ROLLED_BACK",
    "ROLLBACK_FAILED",
    "DELETED",
    "RETAINED",
    "DELETE_FAILED",
    "PLANNED",
    "RUN_FAILED",
)


def real_detail(name: str) -> dict[str, Any]:
    """The detail of a sample event in events/, as EventBridge delivers it."""
    event = json.loads((ROOT / "events" / f"deployment-state-change-{name}.json").read_text())
    detail: dict[str, Any] = event["detail"]
    return detail


# the sample event of events/ that each state's details start from (rolled-back for the rest)
SAMPLE_OF_STATE = {
    "SUCCEEDED": "succeeded",
    "DELETED": "deleted",
    "RETAINED": "retained",
    "DELETE_FAILED": "delete-failed",
    "PLANNED": "planned",
    "RUN_FAILED": "run-failed",
}


def detail_in_state(state: str, **changes: Any) -> dict[str, Any]:
    """A plausible detail for ``state``: failures carry error, cause and the rollback lists;
    deletions what went and what stays; a plan its diff."""
    base = copy.deepcopy(real_detail(SAMPLE_OF_STATE.get(state, "rolled-back")))
    base["state"] = state
    if state in ("STARTED", "SUCCEEDED"):
        for key in ("error", "cause", "rolledBack", "leftBehind"):
            base.pop(key, None)
    if state == "ROLLBACK_FAILED":
        base["leftBehind"] = ["deleted vpc vpc-0abc: DependencyViolation: has dependencies"]
    base.update(changes)
    return base


def announced(detail: dict[str, Any]) -> Announcement:
    announcement = announcement_of(detail)
    assert announcement is not None
    return announcement


def huge_detail(state: str = "ROLLBACK_FAILED") -> dict[str, Any]:
    """Every free-text part far over every platform's caps, with characters that need escaping."""
    nasty = "<b>&amp; `code` ```fence``` @everyone <!channel> " * 400
    return detail_in_state(
        state,
        service="s" * 63,
        cluster="c" * 255,
        cause=nasty,
        error="E" * 500,
        rolledBack=[f"deleted thing-{i} {nasty[:400]}" for i in range(400)],
        leftBehind=[f"left thing-{i} {nasty[:400]}" for i in range(400)],
        loadBalancerDnsName="d" * 300 + ".elb.amazonaws.com",
    )


def shape(name: str) -> jsonschema.Draft7Validator:
    """A validator for one of tests/fixtures/chat/*.schema.json."""
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def problems(validator: jsonschema.Draft7Validator, message: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(message)
    ]
