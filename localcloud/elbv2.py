"""ELBv2 where moto differs from AWS: load balancers that take their time, and the quotas.

Everything the local cloud does with moto's ELBv2 internals is here.

- CreateLoadBalancer answers `provisioning`; `profile.load_balancer_active` simulated seconds
  later the load balancer is `active` (moto made it active at the first describe).
- Quotas (localcloud/quotas.py): a create beyond one is refused with AWS's error code, and
  DescribeAccountLimits reports them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import ELBv2Backend, FakeLoadBalancer, elbv2_backends
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
