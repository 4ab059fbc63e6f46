"""The validated, complete spec as one immutable value."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ecsdrop.spec.problems import Problem


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest_of(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Spec:
    """A spec with every default applied. ``data`` is plain JSON-ready data; treat it as frozen."""

    data: dict[str, Any]
    warnings: tuple[Problem, ...] = field(default=(), compare=False)

    @property
    def digest(self) -> str:
        """sha256 of the complete spec: equal digests deploy the same thing."""
        return digest_of(self.data)

    @property
    def name(self) -> str:
        name: str = self.data["service"]["name"]
        return name

    @property
    def cluster(self) -> str:
        cluster: str = self.data["service"]["cluster"]
        return cluster

    @property
    def service(self) -> dict[str, Any]:
        return dict(self.data["service"])

    @property
    def task_definition(self) -> dict[str, Any]:
        return dict(self.data["taskDefinition"])

    @property
    def network(self) -> dict[str, Any]:
        return dict(self.data["network"])

    @property
    def load_balancer(self) -> dict[str, Any]:
        return dict(self.data["loadBalancer"])

    @property
    def has_load_balancer(self) -> bool:
        return bool(self.data["loadBalancer"]["type"] != "none")

    @property
    def schedule(self) -> dict[str, Any] | None:
        """A scheduled job's schedule (``expression``, ``timezone``...); None for a service."""
        schedule = self.data.get("schedule")
        return dict(schedule) if schedule is not None else None

    @property
    def triggers(self) -> list[dict[str, Any]]:
        return list(self.data["triggers"])

    @property
    def notifications(self) -> dict[str, Any]:
        return dict(self.data["notifications"])

    @property
    def stability_timeout_seconds(self) -> int:
        seconds: int = self.data["service"]["deployment"]["stabilityTimeoutSeconds"]
        return seconds

    @property
    def adopt(self) -> bool:
        """Whether the spec takes over a service of its name that ecsdrop did not create."""
        return bool(self.data["service"].get("adopt", False))

    @property
    def deletion_policy(self) -> str:
        """``retain`` or ``delete``: what deleting the spec does to what runs."""
        policy: str = self.data["service"].get("deletionPolicy", "retain")
        return policy

    def to_json(self) -> dict[str, Any]:
        return json.loads(canonical_json(self.data))  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Spec:
        """A Spec passed between workflow steps (already validated and complete)."""
        return cls(data=data)
