"""A "Deployment State Change" detail read once into what every chat message shows.

The detail comes from another function, maybe from an older or newer ecsdrop: every field is
read defensively, and a missing one leaves its line out instead of failing the message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecsdrop.notify.states import ANNOUNCED_STATES, FAILURE_STATES, STYLES, StateStyle
from ecsdrop.notify.text import first_line, fit, human_duration
from ecsdrop.states import (
    DELETE_FAILED,
    DELETED,
    PLANNED,
    REJECTED,
    RETAINED,
    ROLLBACK_FAILED,
    ROLLING_OUT,
    RUN_FAILED,
    STARTED,
    SUCCEEDED,
)

# the summary is one line: a preview, not the whole cause
REASON_LIMIT = 300
# the triggers of a run that deletes a service (docs/events.md)
DELETE_TRIGGERS = frozenset({"spec-delete", "delete-request"})
DELETION_STATES = frozenset({DELETED, RETAINED, DELETE_FAILED})
UNKNOWN_SERVICE = "(unknown service)"


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class ItemList:
    """A list under a heading: what was rolled back, deleted, left behind, still running."""

    heading: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class CodeBlock:
    """Preformatted text, shown in a code block and cut by whole lines: a failure's cause, a
    plan's diff. ``language`` is a hint for the platforms that highlight it (Discord)."""

    heading: str
    text: str
    language: str = ""


@dataclass(frozen=True)
class Announcement:
    """One state change of one run (a deployment, a deletion, a plan), as the chat formats
    present it."""

    state: str
    style: StateStyle
    # None when the event names no service (a spec at a key ecsdrop does not accept)
    service: str | None
    # what the message is about: the service, else the spec's key
    subject: str
    title: str
    summary: str
    facts: tuple[Fact, ...]
    footer: str
    console_url: str | None
    error: str | None = None
    cause: str | None = None
    code: CodeBlock | None = None
    lists: tuple[ItemList, ...] = ()
    # what the reader has to do next, when the state leaves something to them
    advice: str | None = None
    timestamp: str | None = None
    # what the service's spec asks for (notifications.channels / .states); see destinations
    channels: frozenset[str] = frozenset()
    spec_states: frozenset[str] = ANNOUNCED_STATES
    detail: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_failure(self) -> bool:
        return self.state in FAILURE_STATES

    def items(self, heading: str) -> tuple[str, ...]:
        """The items listed under ``heading``; () when there is no such list."""
        return next((found.items for found in self.lists if found.heading == heading), ())


def announcement_of(detail: Mapping[str, Any]) -> Announcement | None:
    """None for a state that is never announced (a no-op, an unknown state)."""
    state = _text(detail.get("state"))
    if state not in ANNOUNCED_STATES:
        return None
    style = STYLES[state]
    service = _text(detail.get("service")) or None
    subject = service or _text(_mapping(detail.get("spec")).get("key")) or UNKNOWN_SERVICE
    title = f"{style.emoji} {subject}: {headline(state, detail)}"
    channels, spec_states = _preferences(detail.get("notifications"))
    return Announcement(
        state=state,
        style=style,
        service=service,
        subject=subject,
        title=title,
        summary=title + _summary_tail(state, detail),
        facts=_facts(state, detail),
        footer=_footer(state, detail),
        console_url=_text(detail.get("consoleUrl")) or None,
        error=_text(detail.get("error")) or None,
        cause=_text(detail.get("cause")) or None,
        code=_code_block(state, detail),
        lists=_lists(state, detail),
        advice=_advice(state, subject),
        timestamp=_text(detail.get("finishedAt")) or None,
        channels=channels,
        spec_states=spec_states,
        detail=detail,
    )


# --------------------------------------------------------------------------- headline

# what a state means for the run that a trigger started, where it is not the state's own
_HEADLINES_BY_TRIGGER: dict[tuple[str, str], str] = {
    (STARTED, "spec-delete"): "deletion started",
    (STARTED, "delete-request"): "deletion started",
    (STARTED, "rollback"): "rollback started",
    (STARTED, "plan"): "plan started",
    (SUCCEEDED, "rollback"): "rollback deployed",
    (REJECTED, "plan"): "plan rejected",
}


def headline(state: str, detail: Mapping[str, Any]) -> str:
    """``deployment started``, ``deletion started``, ``plan rejected``…"""
    if state == PLANNED:
        return "plan, changes to apply" if plan_has_changes(detail) else "plan, no changes"
    if state == STARTED and _text(detail.get("action")) == "delete":
        return "deletion started"
    return _HEADLINES_BY_TRIGGER.get((state, _trigger_type(detail)), STYLES[state].headline)


def _trigger_type(detail: Mapping[str, Any]) -> str:
    return _text(_mapping(detail.get("trigger")).get("type"))


# --------------------------------------------------------------------------- summary line

# states whose summary counts a list of the detail: the field, and how to say the count
_COUNTED: dict[str, tuple[str, Callable[[int], str]]] = {
    ROLLBACK_FAILED: ("leftBehind", lambda n: f"{n} to clean up by hand"),
    DELETE_FAILED: ("leftBehind", lambda n: f"{n} left behind"),
    DELETED: ("deleted", lambda n: f"{_things(n)} removed"),
    RETAINED: ("retained", lambda n: f"{_things(n)} still billed"),
}


def _summary_tail(state: str, detail: Mapping[str, Any]) -> str:
    """What follows the title on the one line of notification previews and fallbacks."""
    if state == STARTED:
        return f" ({describe_trigger(_mapping(detail.get('trigger')))})"
    if state == ROLLING_OUT:
        progress = _text(detail.get("progress"))
        return f" — {progress}" if progress else ""
    if state == SUCCEEDED:
        return _success_tail(detail)
    if state == PLANNED:
        counted = change_count(_text(detail.get("diff")))
        return f" ({counted})" if plan_has_changes(detail) and counted else ""
    field_name, say = _COUNTED.get(state, ("", str))
    count = len(_texts(detail.get(field_name))) if field_name else 0
    if count:
        return f" — {say(count)}"
    # a rollback that crashed reports no list: its cause is the better summary
    reason = first_line(_text(detail.get("cause"))) or _text(detail.get("error"))
    return f" — {fit(reason, REASON_LIMIT)}" if reason else ""


def _things(count: int) -> str:
    return f"{count} resource{'' if count == 1 else 's'}"


def _success_tail(detail: Mapping[str, Any]) -> str:
    """`` scorekeep:5 (was scorekeep:4) in 2m 14s``, after "deployed"."""
    revision = task_definition_change(_mapping(detail.get("taskDefinition")))
    duration = human_duration(_number(detail.get("durationSeconds")))
    return (f" {revision}" if revision else "") + (f" in {duration}" if duration else "")


# --------------------------------------------------------------------------- a plan


def plan_has_changes(detail: Mapping[str, Any]) -> bool:
    """``changes`` as the plan says it; from the diff when an event does not say."""
    changes = detail.get("changes")
    if isinstance(changes, bool):
        return changes
    return bool(_text(detail.get("diff")).strip())


def change_count(diff: str) -> str:
    """``+12 -3 lines`` of a unified diff (its ``+++``/``---`` file headers not counted)."""
    lines = diff.splitlines()
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    return f"+{added} -{removed} lines" if added or removed else ""


# --------------------------------------------------------------------------- facts


def _facts(state: str, detail: Mapping[str, Any]) -> tuple[Fact, ...]:
    trigger = _mapping(detail.get("trigger"))
    candidates = [
        ("Cluster", _text(detail.get("cluster"))),
        ("Trigger", describe_trigger(trigger) if trigger else ""),
        ("Task definition", _task_definition_fact(state, _mapping(detail.get("taskDefinition")))),
        ("Spec", _spec_line(_mapping(detail.get("spec")))),
        ("Changes", _plan_changes_fact(detail) if state == PLANNED else ""),
        ("Load balancer", _text(detail.get("loadBalancerDnsName"))),
        ("Duration", "" if state == STARTED else _duration(detail)),
        ("Error", _text(detail.get("error"))),
    ]
    return tuple(Fact(label, value) for label, value in candidates if value)


def _task_definition_fact(state: str, task: Mapping[str, Any]) -> str:
    """After a teardown the last revision no longer runs: it is what was deployed last."""
    previous = _family_revision(_text(task.get("previous")))
    if state in (DELETED, DELETE_FAILED) and previous and not task.get("current"):
        return f"{previous} (the last deployed)"
    return task_definition_change(task)


def _plan_changes_fact(detail: Mapping[str, Any]) -> str:
    if not plan_has_changes(detail):
        return "none: what runs matches the spec"
    return change_count(_text(detail.get("diff"))) or "yes"


def _duration(detail: Mapping[str, Any]) -> str:
    return human_duration(_number(detail.get("durationSeconds"))) or ""


def describe_trigger(trigger: Mapping[str, Any]) -> str:
    kind = _text(trigger.get("type"))
    describe = _TRIGGERS.get(kind)
    return describe(trigger) if describe else kind or "unknown"


def _image_push(trigger: Mapping[str, Any]) -> str:
    image = f"{_text(trigger.get('repository'))}:{_text(trigger.get('tag'))}"
    digest = _text(trigger.get("digest"))
    pushed = f"image push {image}" + (f" ({_short_digest(digest)})" if digest else "")
    containers = _texts(trigger.get("containers"))
    return pushed + (f" for {', '.join(containers)}" if containers else "")


def _rollback(trigger: Mapping[str, Any]) -> str:
    revision = trigger.get("toRevision")
    known = isinstance(revision, (int, str)) and not isinstance(revision, bool) and revision != ""
    return _by(f"rollback to revision {revision}" if known else "rollback", trigger)


def _by(what: str, trigger: Mapping[str, Any]) -> str:
    """``spec upload by Deployer/alice``: who is the uploader (``ecsdrop submit`` sets it),
    else the requester of the S3 event or of the request."""
    who = _principal(_text(trigger.get("uploader")) or _text(trigger.get("requester")))
    return f"{what} by {who}" if who else what


_TRIGGERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "spec-upload": lambda trigger: _by("spec upload", trigger),
    "plan": lambda trigger: _by("plan upload", trigger),
    "spec-delete": lambda trigger: _by("spec deleted", trigger),
    "delete-request": lambda trigger: _by("delete request", trigger),
    "rollback": _rollback,
    "ecr-push": _image_push,
    "schedule": lambda trigger: f"schedule {_text(trigger.get('expression'))}".strip(),
}


def _principal(who: str) -> str:
    """``arn:aws:sts::1:assumed-role/Deployer/alice`` reads better as ``Deployer/alice``."""
    if not who.startswith("arn:"):
        return who
    resource = who.split(":", 5)[-1]
    kind_and_name = resource.split("/", 1)
    return kind_and_name[1] if len(kind_and_name) == 2 else resource


def task_definition_change(task: Mapping[str, Any]) -> str:
    current = _family_revision(_text(task.get("current")))
    previous = _family_revision(_text(task.get("previous")))
    if current and previous:
        return f"{current} (unchanged)" if current == previous else f"{current} (was {previous})"
    if current:
        return current
    return f"{previous} running" if previous else ""


def _family_revision(arn: str) -> str:
    """``arn:...:task-definition/scorekeep:5`` → ``scorekeep:5``."""
    return arn.rsplit("/", 1)[-1] if arn else ""


def _spec_line(spec: Mapping[str, Any]) -> str:
    key = _text(spec.get("key"))
    version = _text(spec.get("versionId"))
    if not key:
        return ""
    return f"{key} (version {version[:12]})" if version else key


def _footer(state: str, detail: Mapping[str, Any]) -> str:
    parts = [f"{_run_kind(state, detail)} {_text(detail.get('deploymentId')) or '?'}"]
    digest = _text(_mapping(detail.get("spec")).get("digest"))
    if digest:
        parts.append(f"spec {_short_digest(digest)}")
    finished = _text(detail.get("finishedAt"))
    if finished:
        parts.append(finished)
    return " · ".join(parts)


def _run_kind(state: str, detail: Mapping[str, Any]) -> str:
    """What the run is: a deployment, a deletion, a plan or a scheduled job's run."""
    if state == RUN_FAILED:
        return "task"
    trigger = _trigger_type(detail)
    if state in DELETION_STATES or trigger in DELETE_TRIGGERS or detail.get("action") == "delete":
        return "deletion"
    return "plan" if state == PLANNED or trigger == "plan" else "deployment"


def _short_digest(digest: str) -> str:
    algorithm, _, value = digest.rpartition(":")
    return f"{algorithm}:{value[:12]}" if algorithm else value[:12]


# --------------------------------------------------------------------------- code, lists, advice


def _code_block(state: str, detail: Mapping[str, Any]) -> CodeBlock | None:
    """A plan's diff, else a failure's cause: an event carries one or the other."""
    diff = _text(detail.get("diff"))
    if state == PLANNED and plan_has_changes(detail) and diff.strip():
        return CodeBlock("Diff", diff, language="diff")
    cause = _text(detail.get("cause"))
    return CodeBlock("Cause", cause) if cause else None


# the lists each state shows: the detail's field and its heading
_ROLLBACK_LISTS = (("rolledBack", "Rolled back"), ("leftBehind", "Left behind: clean up by hand"))
_LISTS: dict[str, tuple[tuple[str, str], ...]] = {
    DELETED: (("deleted", "Deleted"),),
    RETAINED: (("retained", "Still running, and billed"),),
    DELETE_FAILED: (("deleted", "Deleted"), ("leftBehind", "Left behind")),
}


def _lists(state: str, detail: Mapping[str, Any]) -> tuple[ItemList, ...]:
    found = (
        (heading, _texts(detail.get(name))) for name, heading in _LISTS.get(state, _ROLLBACK_LISTS)
    )
    return tuple(ItemList(heading, items) for heading, items in found if items)


def _advice(state: str, subject: str) -> str | None:
    if state == RETAINED:
        return (
            f"ecsdrop no longer manages or redeploys {subject}, but it keeps running and costs "
            "money. To remove it, set `service.deletionPolicy: delete`, upload the spec again "
            "and delete it; or delete what is listed here by hand."
        )
    if state == DELETE_FAILED:
        return (
            f"Retry with `ecsdrop delete {subject}` to finish: the teardown skips what is "
            "already gone and removes what is left."
        )
    return None


# --------------------------------------------------------------------------- spec preferences


def _preferences(notifications: Any) -> tuple[frozenset[str], frozenset[str]]:
    """The spec's ``notifications``: channels (case-insensitive) and the states to announce
    there (all when the spec names none, or when the event carries no spec at all)."""
    prefs = _mapping(notifications)
    channels = frozenset(c.casefold() for c in _texts(prefs.get("channels")))
    states = frozenset(_texts(prefs.get("states"))) if prefs.get("states") else ANNOUNCED_STATES
    return channels, states


# --------------------------------------------------------------------------- defensive reads


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value)


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return ()
    return tuple(_text(item) for item in value if _text(item))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
