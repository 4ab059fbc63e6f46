"""The chat destinations: read from the secret's JSON, validated, and chosen per event.

Who hears what:

- a destination without ``channels`` is a feed of the platform team: it hears every
  service, narrowed only by its own ``states`` and ``services`` (glob patterns); an event
  that names no service reaches only the feeds without ``services``;
- a destination with ``channels`` hears a service only when the service's spec names one of
  those channels in ``notifications.channels``, and then only the states that the spec lists
  in ``notifications.states`` (all by default) — and its own filters still apply.

Webhook URLs are credentials: they never appear in a message, a log line or a repr.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

from ecsdrop.errors import DestinationsConfigError
from ecsdrop.notify.formats import DESTINATION_TYPES
from ecsdrop.notify.message import Announcement
from ecsdrop.notify.states import ANNOUNCED_STATES

FIELDS = ("name", "type", "url", "states", "services", "channels")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
NAME_LIMIT = 64
# the spec schema's pattern for notifications.channels: a name that cannot match is a typo
CHANNEL_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Destination:
    name: str
    type: str
    url: str = field(repr=False)
    states: frozenset[str] | None = None
    services: tuple[str, ...] = ()
    channels: frozenset[str] = frozenset()

    def wants(self, announcement: Announcement) -> bool:
        if self.states is not None and announcement.state not in self.states:
            return False
        if self.services and not self._hears_service(announcement.service):
            return False
        if not self.channels:
            return True
        return bool(self.channels & announcement.channels) and (
            announcement.state in announcement.spec_states
        )

    def _hears_service(self, service: str | None) -> bool:
        """An event that names no service (a spec at a key ecsdrop does not accept) is not
        one of "these services": only destinations without ``services`` hear it."""
        return service is not None and any(
            fnmatchcase(service, pattern) for pattern in self.services
        )


def parse_destinations(text: str, source: str) -> tuple[Destination, ...]:
    """The destinations in ``text`` (the secret's JSON), or DestinationsConfigError naming
    ``source`` and every problem found."""
    try:
        document = json.loads(text)
    except ValueError as e:
        raise DestinationsConfigError(f"{source}: not JSON: {e}") from e
    problems: list[str] = []
    entries = _entries(document, problems)
    destinations = [_destination(entry, f"destinations[{i}]", problems) for i, entry in entries]
    _check_unique_names(destinations, problems)
    if problems:
        listed = "\n".join(f"  {p}" for p in problems)
        raise DestinationsConfigError(f"{source} is not a valid destinations secret:\n{listed}")
    return tuple(d for d in destinations if d is not None)


def _entries(document: Any, problems: list[str]) -> list[tuple[int, Mapping[str, Any]]]:
    if not isinstance(document, Mapping) or not isinstance(document.get("destinations"), list):
        problems.append('must be an object {"destinations": [...]}')
        return []
    unknown = sorted(set(document) - {"destinations"})
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}")
    entries = []
    for index, entry in enumerate(document["destinations"]):
        if isinstance(entry, Mapping):
            entries.append((index, entry))
        else:
            problems.append(f"destinations[{index}]: must be an object")
    return entries


def _destination(entry: Mapping[str, Any], place: str, problems: list[str]) -> Destination | None:
    found = len(problems)
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        problems.append(f"{place}: unknown key(s) {', '.join(unknown)}")
    name = _name(entry.get("name"), place, problems)
    kind = _type(entry.get("type"), place, problems)
    url = _url(entry.get("url"), place, problems)
    states = _states(entry.get("states"), place, problems)
    services = _strings(entry.get("services"), f"{place}.services", problems)
    channels = _channels(entry.get("channels"), f"{place}.channels", problems)
    if len(problems) > found:
        return None
    return Destination(
        name=name,
        type=kind,
        url=url,
        states=states,
        services=tuple(services or ()),
        channels=frozenset(c.casefold() for c in channels or ()),
    )


def _name(value: Any, place: str, problems: list[str]) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > NAME_LIMIT:
        problems.append(f"{place}.name: must be a non-empty string of at most {NAME_LIMIT}")
        return ""
    return value


def _type(value: Any, place: str, problems: list[str]) -> str:
    if value not in DESTINATION_TYPES:
        problems.append(f"{place}.type: must be one of {', '.join(DESTINATION_TYPES)}")
        return ""
    return str(value)


def _url(value: Any, place: str, problems: list[str]) -> str:
    """https only (the URL is a credential), except http to this machine for local tests."""
    if not isinstance(value, str):
        problems.append(f"{place}.url: must be a string")
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = urlsplit("")
    secure = parts.scheme == "https" and bool(parts.hostname)
    local = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    if not (secure or local):
        # never echo the value: it is a webhook URL, a credential
        problems.append(f"{place}.url: must be an https:// URL (http:// only to localhost)")
    return value


def _states(value: Any, place: str, problems: list[str]) -> frozenset[str] | None:
    if value is None:
        return None
    states = _strings(value, f"{place}.states", problems)
    if states is None:
        return None
    unknown = sorted(set(states) - ANNOUNCED_STATES)
    if unknown or not states:
        allowed = ", ".join(sorted(ANNOUNCED_STATES))
        problems.append(f"{place}.states: must be a non-empty list of {allowed}")
    return frozenset(states)


def _channels(value: Any, place: str, problems: list[str]) -> list[str] | None:
    channels = _strings(value, place, problems)
    if channels and not all(CHANNEL_NAME.match(c) for c in channels):
        problems.append(f"{place}: channel names are letters, digits, _ . - (at most 64)")
    return channels


def _strings(value: Any, place: str, problems: list[str]) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.append(f"{place}: must be a list of non-empty strings")
        return None
    return list(value)


def _check_unique_names(destinations: Sequence[Destination | None], problems: list[str]) -> None:
    seen: set[str] = set()
    for destination in destinations:
        if destination is None:
            continue
        if destination.name in seen:
            problems.append(f"destination name {destination.name!r} is used twice")
        seen.add(destination.name)


@dataclass
class CachedDestinations:
    """The destinations, read again from the secret once ``max_age_seconds`` have passed:
    an edited secret takes effect within that time without a redeploy."""

    read_secret: Callable[[], str]
    source: str
    max_age_seconds: float
    clock: Callable[[], float] = time.monotonic
    _destinations: tuple[Destination, ...] | None = field(default=None, init=False)
    _read_at: float = field(default=0.0, init=False)

    def __call__(self) -> tuple[Destination, ...]:
        now = self.clock()
        if self._destinations is None or now - self._read_at >= self.max_age_seconds:
            self._destinations = parse_destinations(self.read_secret(), self.source)
            self._read_at = now
        return self._destinations
