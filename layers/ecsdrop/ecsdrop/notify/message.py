"""A "Deployment State Change" detail read once into what every chat message shows.

The detail comes from another function, maybe from an older or newer ecsdrop: every field is
read defensively, and a missing one leaves its line out instead of failing the message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecsdrop.notify.states import (
    ANNOUNCED_STATES,
    FAILURE_STATES,
    ROLLBACK_FAILED,
    STARTED,
    STYLES,
    SUCCEEDED,
    StateStyle,
)
from ecsdrop.notify.text import first_line, fit, human_duration

# the summary is one line: a preview, not the whole cause
REASON_LIMIT = 300


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Announcement:
    """One state change of one deployment, as the chat formats present it."""

    state: str
    style: StateStyle
    service: str
    title: str
    summary: str
    facts: tuple[Fact, ...]
    footer: str
    console_url: str | None
    error: str | None = None
    cause: str | None = None
    rolled_back: tuple[str, ...] = ()
    left_behind: tuple[str, ...] = ()
    timestamp: str | None = None
    # what the service's spec asks for (notifications.channels / .states); see destinations
    channels: frozenset[str] = frozenset()
    spec_states: frozenset[str] = ANNOUNCED_STATES
    detail: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_failure(self) -> bool:
        return self.state in FAILURE_STATES


def announcement_of(detail: Mapping[str, Any]) -> Announcement | None:
    """None for a state that is never announced (a no-op, an unknown state)."""
    state = _text(detail.get("state"))
    if state not in ANNOUNCED_STATES:
        return None
    style = STYLES[state]
    service = _text(detail.get("service")) or "(unknown service)"
    channels, spec_states = _preferences(detail.get("notifications"))
    return Announcement(
        state=state,
        style=style,
        service=service,
        title=f"{style.emoji} {service}: {style.headline}",
        summary=_summary(state, style, service, detail),
        facts=_facts(state, detail),
        footer=_footer(detail),
        console_url=_text(detail.get("consoleUrl")) or None,
        error=_text(detail.get("error")) or None,
        cause=_text(detail.get("cause")) or None,
        rolled_back=_texts(detail.get("rolledBack")),
        left_behind=_texts(detail.get("leftBehind")),
        timestamp=_text(detail.get("finishedAt")) or None,
        channels=channels,
        spec_states=spec_states,
        detail=detail,
    )


# --------------------------------------------------------------------------- summary line


def _summary(state: str, style: StateStyle, service: str, detail: Mapping[str, Any]) -> str:
    """One line for notification previews and plain-text fallbacks."""
    head = f"{style.emoji} {service}: {style.headline}"
    if state == STARTED:
        return f"{head} ({describe_trigger(_mapping(detail.get('trigger')))})"
    if state == SUCCEEDED:
        return head + _success_tail(detail)
    left = len(_texts(detail.get("leftBehind")))
    if state == ROLLBACK_FAILED and left:
        return f"{head} — {left} to clean up by hand"
    # a rollback that crashed reports no list: its cause is the better summary
    reason = first_line(_text(detail.get("cause"))) or _text(detail.get("error"))
    return f"{head} — {fit(reason, REASON_LIMIT)}" if reason else head


def _success_tail(detail: Mapping[str, Any]) -> str:
    """`` scorekeep:5 (was scorekeep:4) in 2m 14s``, after "deployed"."""
    revision = task_definition_change(_mapping(detail.get("taskDefinition")))
    duration = human_duration(_number(detail.get("durationSeconds")))
    return (f" {revision}" if revision else "") + (f" in {duration}" if duration else "")


# --------------------------------------------------------------------------- facts


def _facts(state: str, detail: Mapping[str, Any]) -> tuple[Fact, ...]:
    trigger = _mapping(detail.get("trigger"))
    candidates = [
        ("Cluster", _text(detail.get("cluster"))),
        ("Trigger", describe_trigger(trigger) if trigger else ""),
        ("Task definition", task_definition_change(_mapping(detail.get("taskDefinition")))),
        ("Spec", _spec_line(_mapping(detail.get("spec")))),
        ("Load balancer", _text(detail.get("loadBalancerDnsName"))),
        ("Duration", "" if state == STARTED else _duration(detail)),
        ("Error", _text(detail.get("error"))),
    ]
    return tuple(Fact(label, value) for label, value in candidates if value)


def _duration(detail: Mapping[str, Any]) -> str:
    return human_duration(_number(detail.get("durationSeconds"))) or ""


def describe_trigger(trigger: Mapping[str, Any]) -> str:
    kind = _text(trigger.get("type"))
    if kind == "spec-upload":
        who = _principal(_text(trigger.get("uploader")) or _text(trigger.get("requester")))
        return f"spec upload by {who}" if who else "spec upload"
    if kind == "ecr-push":
        image = f"{_text(trigger.get('repository'))}:{_text(trigger.get('tag'))}"
        digest = _text(trigger.get("digest"))
        pushed = f"image push {image}" + (f" ({_short_digest(digest)})" if digest else "")
        containers = _texts(trigger.get("containers"))
        return pushed + (f" for {', '.join(containers)}" if containers else "")
    return kind or "unknown"


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


def _footer(detail: Mapping[str, Any]) -> str:
    parts = [f"deployment {_text(detail.get('deploymentId')) or '?'}"]
    digest = _text(_mapping(detail.get("spec")).get("digest"))
    if digest:
        parts.append(f"spec {_short_digest(digest)}")
    finished = _text(detail.get("finishedAt"))
    if finished:
        parts.append(finished)
    return " · ".join(parts)


def _short_digest(digest: str) -> str:
    algorithm, _, value = digest.rpartition(":")
    return f"{algorithm}:{value[:12]}" if algorithm else value[:12]


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
