"""One "Deployment State Change" event → one message to each destination that wants it.

A destination that is down, slow or refuses the message is reported and skipped; the others
still get theirs. Only a destinations secret that cannot be read or is invalid raises: that
is a configuration mistake to fix, not an outage to ride out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ecsdrop.notify.delivery import Courier, DeliveryResult
from ecsdrop.notify.destinations import Destination
from ecsdrop.notify.formats import render
from ecsdrop.notify.message import Announcement, announcement_of
from ecsdrop.notify.once import OncePerDestination

# time kept back from the function's own timeout to report instead of being killed
SAFETY_MARGIN_SECONDS = 3.0


@dataclass(frozen=True)
class NotifyReport:
    state: str | None
    service: str | None
    deployment_id: str | None
    results: tuple[DeliveryResult, ...] = ()
    not_for_them: tuple[str, ...] = ()
    skipped: str | None = None

    @property
    def delivered(self) -> tuple[DeliveryResult, ...]:
        return tuple(r for r in self.results if r.delivered)

    @property
    def failed(self) -> tuple[DeliveryResult, ...]:
        return tuple(r for r in self.results if not r.delivered)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "service": self.service,
            "deploymentId": self.deployment_id,
            "delivered": [r.destination for r in self.delivered],
            "failed": [r.to_json() for r in self.failed],
            "notForThem": list(self.not_for_them),
            "skipped": self.skipped,
        }


@dataclass(frozen=True)
class Notifier:
    """``once`` (when given) makes each post once per event identity and destination."""

    destinations: Callable[[], Sequence[Destination]]
    courier: Courier
    once: OncePerDestination | None = None

    def announce(
        self,
        detail: Mapping[str, Any],
        time_left_seconds: float,
        identity: Mapping[str, str] | None = None,
    ) -> NotifyReport:
        """Post the event to its destinations within ``time_left_seconds``; with ``once``,
        ``identity`` (once.event_identity) says which earlier posts this event repeats."""
        deployment_id = _optional_text(detail.get("deploymentId"))
        announcement = announcement_of(detail)
        if announcement is None:
            return NotifyReport(
                state=_optional_text(detail.get("state")),
                service=_optional_text(detail.get("service")),
                deployment_id=deployment_id,
                skipped="not a state that is announced",
            )
        destinations = self.destinations()
        chosen = [d for d in destinations if d.wants(announcement)]
        deadline = self.courier.clock() + max(0.0, time_left_seconds - SAFETY_MARGIN_SECONDS)
        return NotifyReport(
            state=announcement.state,
            service=announcement.service,
            deployment_id=deployment_id,
            results=tuple(self._send_once(d, announcement, deadline, identity) for d in chosen),
            not_for_them=tuple(d.name for d in destinations if d not in chosen),
        )

    def _send_once(
        self,
        destination: Destination,
        announcement: Announcement,
        deadline: float,
        identity: Mapping[str, str] | None,
    ) -> DeliveryResult:
        if self.once is None or identity is None:
            return self._send(destination, announcement, deadline)
        return self.once.post(
            identity, destination.name, lambda: self._send(destination, announcement, deadline)
        )

    def _send(
        self, destination: Destination, announcement: Announcement, deadline: float
    ) -> DeliveryResult:
        try:
            body = render(destination.type, announcement)
        except Exception as e:  # noqa: BLE001 -- a formatting bug must not silence the others
            return DeliveryResult(
                destination.name,
                destination.type,
                delivered=False,
                attempts=0,
                error=f"could not write the message: {type(e).__name__}: {e}",
            )
        return self.courier.deliver(
            destination.name, destination.type, destination.url, body, deadline
        )


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)
