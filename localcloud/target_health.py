"""Load balancer target health on the clock: initial, healthy or unhealthy, draining.

moto registers targets and reports every one `healthy` at once; no target ever drains. Here a
registered target is `initial` (Elb.RegistrationInProgress) until its load balancer is active and
its health checks have run: `healthy` after HealthyThresholdCount * HealthCheckIntervalSeconds
when the check passes, `unhealthy` after UnhealthyThresholdCount * interval when it cannot
(nothing listens on the health-check port, or a fault says so). A target group that no load
balancer forwards to leaves its targets `unused` (Target.NotInUse). Deregistering a target makes
it `draining` for the group's `deregistration_delay.timeout_seconds`, then it is gone.

Whether a check passes is asked of a prober (the ECS emulation knows which task owns an IP and
which ports its containers listen on); listeners hear every change of state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup, elbv2_backends

from localcloud.clock import Clock
from localcloud.patching import Patcher


@dataclass(frozen=True)
class Probe:
    """What a health check of a target finds."""

    passes: bool
    reason: str = "Target.Timeout"
    description: str = "Request timed out"


PASSING = Probe(True, "", "")
# (target group ARN, target id, port) -> what its health check finds
Prober = Callable[[FakeTargetGroup, str, int], Probe | None]
# (target group ARN, target id, state) -> None
Listener = Callable[[str, str, str], None]
# (account, region, load balancer ARN) -> whether it is active
LoadBalancerActive = Callable[[str, str, str], bool]

_REASONS = {
    "initial": ("Elb.RegistrationInProgress", "Target registration is in progress"),
    "draining": ("Target.DeregistrationInProgress", "Target deregistration is in progress"),
    "unused": (
        "Target.NotInUse",
        "Target group is not configured to receive traffic from the load balancer",
    ),
}


@dataclass
class _Target:
    target_id: str
    port: int
    state: str = "initial"
    reason: str | None = _REASONS["initial"][0]
    description: str | None = _REASONS["initial"][1]
    generation: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _lb_active_default(account: str, region: str, lb_arn: str) -> bool:
    backend = elbv2_backends[account][region]
    balancer = backend.load_balancers.get(lb_arn)
    return balancer is not None and getattr(balancer, "state", "active") in (
        "active",
        "provisioning",
    )  # TEMP


class TargetHealth:
    def __init__(self, clock: Clock, lb_active: LoadBalancerActive | None = None) -> None:
        self._clock = clock
        self._lb_active = lb_active or _lb_active_default
        self._targets: dict[tuple[str, str], _Target] = {}
        self._lock = threading.RLock()
        self._probers: list[Prober] = []
        self._listeners: list[Listener] = []

    def add_prober(self, prober: Prober) -> None:
        self._probers.append(prober)

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def state(self, target_group_arn: str, target_id: str) -> str | None:
        with self._lock:
            target = self._targets.get((target_group_arn, target_id))
            return target.state if target else None

    # -- life of a target ------------------------------------------------------------------------

    def _registered(self, group: FakeTargetGroup, target_id: str, port: int) -> None:
        with self._lock:
            key = (group.arn, target_id)
            old = self._targets.get(key)
            target = _Target(target_id, port, generation=(old.generation + 1 if old else 0))
            self._targets[key] = target
        self._clock.after(0, lambda: self._check(group, target, first=True))

    def _check(self, group: FakeTargetGroup, target: _Target, first: bool = False) -> None:
        """Health checks start once a load balancer that forwards to the group is active."""
        with self._lock:
            if self._targets.get((group.arn, target.target_id)) is not target:
                return  # deregistered (or registered again) meanwhile
            if target.state not in ("initial", "unused"):
                return
            interval = float(group.health_check_interval_seconds or 30)
            if not self._clock.profile.health_checks:  # the fast profile: no checks to wait for
                probe = self._probe(group, target)
                self._conclude(group, target, probe)
                return
            account, region = _account_region(group.arn)
            balancers = balancers_forwarding_to(account, region, group.arn)
            if not balancers:
                self._set(group, target, "unused")
                self._clock.after(interval, lambda: self._check(group, target))
                return
            if not any(self._lb_active(account, region, arn) for arn in balancers):
                self._set(group, target, "initial")
                self._clock.after(interval, lambda: self._check(group, target))
                return
            probe = self._probe(group, target)
            if probe.passes:
                rounds = int(group.healthy_threshold_count or 5)
            else:
                rounds = int(group.unhealthy_threshold_count or 2)
            self._set(group, target, "initial")
        self._clock.after(rounds * interval, lambda: self._conclude(group, target, probe))

    def _conclude(self, group: FakeTargetGroup, target: _Target, probe: Probe) -> None:
        with self._lock:
            if self._targets.get((group.arn, target.target_id)) is not target:
                return
            if target.state != "initial":
                return
            if probe.passes:
                self._set(group, target, "healthy")
            else:
                self._set(group, target, "unhealthy", probe.reason, probe.description)

    def _deregistered(self, group: FakeTargetGroup, target: _Target) -> None:
        with self._lock:
            self._set(group, target, "draining")
            delay = deregistration_delay(group)
            if not self._clock.profile.health_checks:
                delay = 0.0
            generation = target.generation
        self._clock.after(delay, lambda: self._drained(group, target, generation))

    def _drained(self, group: FakeTargetGroup, target: _Target, generation: int) -> None:
        with self._lock:
            key = (group.arn, target.target_id)
            if self._targets.get(key) is not target or target.generation != generation:
                return
            if target.state != "draining":
                return
            del self._targets[key]
            entry = group.targets.pop(target.target_id, None)
            if entry is not None:
                group.deregistered_targets[target.target_id] = entry
            self._notify(group.arn, target.target_id, "gone")

    def _probe(self, group: FakeTargetGroup, target: _Target) -> Probe:
        port = target.port
        if str(group.health_check_port or "traffic-port") != "traffic-port":
            port = int(str(group.health_check_port))
        for prober in self._probers:
            found = prober(group, target.target_id, port)
            if found is not None:
                return found
        if target.target_id.startswith("i-"):
            return PASSING  # an EC2 instance: moto's own model decides
        return Probe(False)  # an address nothing answers on

    def _set(
        self,
        group: FakeTargetGroup,
        target: _Target,
        state: str,
        reason: str | None = None,
        description: str | None = None,
    ) -> None:
        if state in _REASONS:
            reason, description = _REASONS[state]
        changed = target.state != state
        target.state, target.reason, target.description = state, reason, description
        if changed:
            self._notify(group.arn, target.target_id, state)

    def _notify(self, group_arn: str, target_id: str, state: str) -> None:
        for listener in self._listeners:
            listener(group_arn, target_id, state)

    # -- moto patches ----------------------------------------------------------------------------

    def install(self, patcher: Patcher) -> None:
        health = self
        original_register = FakeTargetGroup.register
        original_deregister = FakeTargetGroup.deregister
        original_health_for = FakeTargetGroup.health_for

        def register(group: FakeTargetGroup, targets: list[dict[str, Any]]) -> None:
            original_register(group, targets)
            for target in targets:
                entry = group.targets[target["Id"]]
                if entry["Id"].startswith("i-"):
                    continue  # EC2 instances keep moto's model
                health._registered(group, entry["Id"], int(entry["Port"] or group.port or 80))

        def deregister(group: FakeTargetGroup, targets: list[dict[str, Any]]) -> None:
            with health._lock:
                managed = [health._targets.get((group.arn, target["Id"])) for target in targets]
            plain = [
                target for target, record in zip(targets, managed, strict=True) if record is None
            ]
            if plain:
                original_deregister(group, plain)
            for record in managed:
                if record is not None and record.state != "draining":
                    health._deregistered(group, record)

        def health_for(group: FakeTargetGroup, target: dict[str, Any], ec2: Any) -> Any:
            with health._lock:
                record = health._targets.get((group.arn, target["Id"]))
                if record is None:
                    return original_health_for(group, target, ec2)
                reason = record.reason if record.state != "healthy" else None
                description = record.description if record.state != "healthy" else None
                return FakeHealthStatus(
                    record.target_id,
                    str(record.port),
                    group.health_check_port,
                    record.state,
                    reason,
                    description,
                )

        patcher.replace(FakeTargetGroup, "register", register)
        patcher.replace(FakeTargetGroup, "deregister", deregister)
        patcher.replace(FakeTargetGroup, "health_for", health_for)


def balancers_forwarding_to(account: str, region: str, group_arn: str) -> list[str]:
    """The load balancers whose listeners (default actions or rules) forward to the group, read
    from the listeners themselves: moto's own list misses groups a ModifyListener or ModifyRule
    switched to."""
    found = []
    for balancer in elbv2_backends[account][region].load_balancers.values():
        for listener in balancer.listeners.values():
            actions = list(listener.default_actions or [])
            for rule in listener.rules.values():
                actions.extend(rule.actions or [])
            if any(group_arn in _forwarded(action) for action in actions):
                found.append(balancer.arn)
                break
    return found


def _forwarded(action: Any) -> set[str]:
    data = getattr(action, "data", action) or {}
    if data.get("Type") != "forward":
        return set()
    arns = {data.get("TargetGroupArn")}
    for item in (data.get("ForwardConfig") or {}).get("TargetGroups") or []:
        arns.add(item.get("TargetGroupArn"))
    return {arn for arn in arns if arn}


def deregistration_delay(group: FakeTargetGroup) -> float:
    """The group's deregistration delay in seconds (ELB's default is 300)."""
    return float(str(group.attributes.get("deregistration_delay.timeout_seconds", 300)))


def _account_region(arn: str) -> tuple[str, str]:
    parts = arn.split(":")
    return parts[4], parts[3]
