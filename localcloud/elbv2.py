"""ELBv2 where moto differs from AWS: load balancers that take their time, and the quotas.

Everything the local cloud does with moto's ELBv2 internals is here.

- CreateLoadBalancer answers `provisioning`; `profile.load_balancer_active` simulated seconds
  later the load balancer is `active` (moto made it active at the first describe).
- Quotas (localcloud/quotas.py): a create beyond one is refused with AWS's error code, and
  DescribeAccountLimits reports them.
- Target health on the clock (TargetHealth, below), and what the ECS emulation needs of ELB:
  registering a task's address, draining it, a target group's type and whether it is in use.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.core.exceptions import ServiceException
from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import (
    ELBv2Backend,
    FakeAction,
    FakeHealthStatus,
    FakeListener,
    FakeLoadBalancer,
    FakeTargetGroup,
    elbv2_backends,
)
from moto.elbv2.responses import ELBV2Response

from localcloud import quotas
from localcloud.clock import Clock
from localcloud.patching import Patcher, guarded
from localcloud.quotas import Quotas

_LOAD_BALANCER_QUOTA = {
    "application": quotas.APPLICATION_LOAD_BALANCERS,
    "network": quotas.NETWORK_LOAD_BALANCERS,
}
_LISTENER_QUOTA = {
    "application": quotas.LISTENERS_PER_APPLICATION_LOAD_BALANCER,
    "network": quotas.LISTENERS_PER_NETWORK_LOAD_BALANCER,
}


LOG = logging.getLogger("localcloud.elbv2")


def load_balancer_active(account_id: str, region: str, load_balancer_arn: str) -> bool:
    """Whether the load balancer exists and has finished provisioning."""
    balancer = elbv2_backends[account_id][region].load_balancers.get(load_balancer_arn)
    return balancer is not None and balancer.state == "active"


# -- each quota: the one a request would exceed, from AWS's parameter names --------------------


def _load_balancer_over(response: Any, limit: Callable[[str], int]) -> ELBClientError | None:
    backend = response.elbv2_backend
    kind = response._get_param("Type") or "application"
    quota = _LOAD_BALANCER_QUOTA.get(kind)
    name = response._get_param("Name")
    balancers = list(backend.load_balancers.values())
    if quota is None or any(balancer.name == name for balancer in balancers):
        return None  # gateway load balancers are not counted; a same-named one is no new one
    if sum(1 for balancer in balancers if balancer.type == kind) < limit(quota):
        return None
    return ELBClientError("TooManyLoadBalancers", f"Exceeded quota of account {backend.account_id}")


def _target_group_over(response: Any, limit: Callable[[str], int]) -> ELBClientError | None:
    groups = response.elbv2_backend.target_groups.values()
    name = response._get_param("Name")
    if any(group.name == name for group in groups) or len(groups) < limit(quotas.TARGET_GROUPS):
        return None
    return ELBClientError(
        "TooManyTargetGroups",
        "You've reached the limit on the number of target groups for your AWS account.",
    )


def _listener_over(response: Any, limit: Callable[[str], int]) -> ELBClientError | None:
    balancer = response.elbv2_backend.load_balancers.get(response._get_param("LoadBalancerArn"))
    quota = _LISTENER_QUOTA.get(balancer.type) if balancer is not None else None
    if quota is None or len(balancer.listeners) < limit(quota):
        return None  # an unknown load balancer gets moto's own error
    return ELBClientError(
        "TooManyListeners",
        "You've reached the limit on the number of listeners per load balancer.",
    )


def _rule_over(response: Any, limit: Callable[[str], int]) -> ELBClientError | None:
    listener_arn = response._get_param("ListenerArn")
    for balancer in response.elbv2_backend.load_balancers.values():
        if listener_arn not in balancer.listeners:
            continue
        rules = sum(
            1
            for listener in balancer.listeners.values()
            for rule in listener.rules.values()
            if not rule.is_default  # "excluding default rules"
        )
        if rules < limit(quotas.RULES_PER_APPLICATION_LOAD_BALANCER):
            return None
        return ELBClientError(
            "TooManyRules",
            "You've reached the limit on the number of rules per load balancer.",
        )
    return None


# what a request would exceed, given the quotas' limits
Excess = Callable[[Any, Callable[[str], int]], ELBClientError | None]
# ELBV2Response action -> what its request would exceed
_QUOTAS: dict[str, Excess] = {
    "create_load_balancer": _load_balancer_over,
    "create_target_group": _target_group_over,
    "create_listener": _listener_over,
    "create_rule": _rule_over,
}


class Elbv2Emulation:
    def __init__(self, clock: Clock, account_quotas: Quotas) -> None:
        self._clock = clock
        self._quotas = account_quotas
        self._lock = threading.Lock()  # a quota check and the creation it allows are one step

    def _provision(self, balancer: Any) -> None:
        def activate() -> None:
            if balancer.state == "provisioning":
                balancer.state = "active"

        self._clock.after(self._clock.profile.load_balancer_active, activate)

    def install(self, patcher: Patcher) -> None:
        emulation = self
        original_create = ELBv2Backend.create_load_balancer
        original_limits = ELBV2Response.describe_account_limits

        def create_load_balancer(backend: Any, *args: Any, **kwargs: Any) -> Any:
            balancer = original_create(backend, *args, **kwargs)
            emulation._provision(balancer)
            return balancer

        def describe_account_limits(response: Any) -> Any:
            result = original_limits(response)
            limits: list[dict[str, Any]] = result.result["Limits"]  # type: ignore[index]
            configured = emulation._quotas.as_dict()
            for entry in limits:
                name = f"elbv2:{entry['Name']}"
                if name in configured:
                    entry["Max"] = str(configured[name])
            return result

        patcher.replace(FakeLoadBalancer, "activate", lambda balancer: None)
        patcher.replace(ELBv2Backend, "create_load_balancer", create_load_balancer)
        patcher.replace(ELBV2Response, "describe_account_limits", describe_account_limits)
        for action, over in _QUOTAS.items():
            within = guarded(getattr(ELBV2Response, action), self._refusal(over), self._lock)
            patcher.replace(ELBV2Response, action, within)

    def _refusal(self, over: Excess) -> Callable[[Any], ELBClientError | None]:
        return lambda response: over(response, self._quotas.limit)


# -- what the ECS emulation needs of ELB --------------------------------------------------------


def register_target(account_id: str, region: str, group_arn: str, address: str, port: int) -> bool:
    """Register a task's address in the group (False: the group is gone)."""
    try:
        elbv2_backends[account_id][region].register_targets(
            group_arn, [{"Id": address, "Port": port}]
        )
    except ServiceException as error:
        LOG.warning("cannot register %s in %s: %s", address, group_arn, error)
        return False
    return True


def deregister_target(
    account_id: str, region: str, group_arn: str, address: str, port: int
) -> float:
    """Start draining a task's address; the group's deregistration delay (0: nothing to drain)."""
    backend = elbv2_backends[account_id][region]
    group = backend.target_groups.get(group_arn)
    if group is None:
        return 0.0
    try:
        backend.deregister_targets(group_arn, [{"Id": address, "Port": port}])
    except ServiceException:
        return 0.0
    return deregistration_delay(group)


def target_group_type(account_id: str, region: str, group_arn: str) -> str | None:
    """The group's target type (`ip`, `instance`…), or None when there is no such group."""
    group = elbv2_backends[account_id][region].target_groups.get(group_arn)
    return None if group is None else str(group.target_type)


# -- target health ------------------------------------------------------------------------------
# Load balancer target health on the clock: initial, healthy or unhealthy, draining.
#
# moto registers targets and reports every one `healthy` at once; no target ever drains. Here a
# registered target is `initial` (Elb.RegistrationInProgress) until its load balancer is active and
# its health checks have run: `healthy` after HealthyThresholdCount * HealthCheckIntervalSeconds
# when the check passes, `unhealthy` after UnhealthyThresholdCount * interval when it cannot
# (nothing listens on the health-check port, or a fault says so). A target group that no load
# balancer forwards to leaves its targets `unused` (Target.NotInUse). Deregistering a target makes
# it `draining` for the group's `deregistration_delay.timeout_seconds`, then it is gone.
#
# Whether a check passes is asked of a prober (the ECS emulation knows which task owns an IP and
# which ports its containers listen on); listeners hear every change of state.


@dataclass(frozen=True)
class Probe:
    """What a health check of a target finds."""

    passes: bool
    reason: str = "Target.Timeout"
    description: str = "Request timed out"


PASSING = Probe(True, "", "")
# (target group ARN, target id, port) -> what its health check finds
Prober = Callable[[str, str, int], Probe | None]
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


class TargetHealth:
    def __init__(self, clock: Clock, lb_active: LoadBalancerActive | None = None) -> None:
        self._clock = clock
        self._lb_active = lb_active or load_balancer_active
        self._targets: dict[tuple[str, str], _Target] = {}
        # Shared with the ECS emulation (`lock`): health checks ask ECS which task owns an
        # address, and ECS registers and drains targets, so one lock orders both, never two.
        self.lock = self._lock = threading.RLock()
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
            if self._clock.profile.fast:  # no checks to wait for
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
            delay = self._clock.delay(deregistration_delay(group))
            generation = target.generation
        self._clock.after_wall(delay, lambda: self._drained(group, target, generation))

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
            found = prober(group.arn, target.target_id, port)
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


# -- listener rules ECS shifts traffic on (blue/green, linear, canary) ---------------------------


def _rule_or_listener(account: str, region: str, arn: str) -> Any | None:
    """The listener rule with this ARN, or the listener (a Network Load Balancer's production
    "rule" is its listener), or None."""
    for balancer in elbv2_backends[account][region].load_balancers.values():
        for listener in balancer.listeners.values():
            if listener.arn == arn:
                return listener
            for rule in listener.rules.values():
                if rule.arn == arn:
                    return rule
    return None


def _actions_of(owner: Any) -> list[Any]:
    if isinstance(owner, FakeListener):
        return list(owner.default_actions or [])
    return list(owner.actions or [])


def forward_weights(account: str, region: str, arn: str) -> dict[str, int] | None:
    """Target group ARN -> weight of the forward action of the rule (or listener) `arn`; None
    when there is no such rule. A plain `TargetGroupArn` forward weighs 1."""
    owner = _rule_or_listener(account, region, arn)
    if owner is None:
        return None
    weights: dict[str, int] = {}
    for action in _actions_of(owner):
        data = getattr(action, "data", action) or {}
        if data.get("Type") != "forward":
            continue
        groups = (data.get("ForwardConfig") or {}).get("TargetGroups") or []
        for item in groups:
            weights[item["TargetGroupArn"]] = int(item.get("Weight", 1))
        if not groups and data.get("TargetGroupArn"):
            weights[data["TargetGroupArn"]] = 1
    return weights


def set_forward_weights(account: str, region: str, arn: str, weights: dict[str, int]) -> bool:
    """Make the rule's (or listener's) forward action a weighted ForwardConfig, as ECS's
    ModifyRule/ModifyListener calls do; its other actions stay. False: no such rule."""
    owner = _rule_or_listener(account, region, arn)
    if owner is None:
        return False
    forward: dict[str, Any] = {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [
                {"TargetGroupArn": group, "Weight": weight} for group, weight in weights.items()
            ],
            "TargetGroupStickinessConfig": {"Enabled": False},
        },
    }
    kept = [a for a in _actions_of(owner) if (getattr(a, "data", a) or {}).get("Type") != "forward"]
    order = 1 + max((int((getattr(a, "data", a) or {}).get("Order") or 0) for a in kept), default=0)
    if kept:
        forward["Order"] = order
    actions = [*kept, FakeAction(forward)]
    if isinstance(owner, FakeListener):
        owner.default_actions = actions
        for rule in owner.rules.values():
            if rule.is_default:
                rule.actions = actions
    else:
        owner.actions = actions
    return True
