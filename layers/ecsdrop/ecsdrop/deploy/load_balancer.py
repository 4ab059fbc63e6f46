"""Load balancer: ALB or NLB in the public subnets, an ip target group on the target port,
listeners (HTTP, HTTPS with the certificate, the redirect), or a rule on a shared ALB."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ecsdrop.aws.elbv2 import Elbv2
from ecsdrop.contract import recorded
from ecsdrop.deploy.ledger import Changed, Created, Ledger
from ecsdrop.deploy.results import LoadBalancerResult, NetworkResult
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.errors import LoadBalancerError
from ecsdrop.spec.model import Spec, digest_of
from ecsdrop.spec.render import forwarded_target_groups, load_balancer_plan, weighted_forward

_TARGET_GROUP_SETTINGS = (
    "HealthCheckProtocol",
    "HealthCheckPort",
    "HealthCheckPath",
    "HealthCheckIntervalSeconds",
    "HealthCheckTimeoutSeconds",
    "HealthyThresholdCount",
    "UnhealthyThresholdCount",
    "Matcher",
)


def unchanged_load_balancer(
    spec: Spec, deployed: dict[str, Any], network: NetworkResult
) -> LoadBalancerResult | None:
    """What the last successful deployment recorded, when the spec plans the same load
    balancing on the same network."""
    previous = recorded(LoadBalancerResult, deployed.get("loadBalancer"))
    if previous is not None and previous.plan_digest == _digest(spec, network):
        return previous
    return None


def _digest(spec: Spec, network: NetworkResult) -> str:
    return digest_of({"plan": load_balancer_plan(spec), "network": _network_inputs(network)})


def ensure_load_balancer(
    state: WorkflowState, elbv2: Callable[[], Elbv2], ledger: Ledger
) -> LoadBalancerResult:
    """The load balancing the service binds to, built or found. ``elbv2`` is called only
    when ELB is: no load balancer, or one unchanged since the last run, makes no client."""
    plan = load_balancer_plan(state.spec)
    if plan["type"] == "none":
        return LoadBalancerResult(type="none")
    network = state.steps.done(NetworkResult)
    unchanged = unchanged_load_balancer(state.spec, state.deployed, network)
    if unchanged is not None:
        return unchanged  # unchanged since the last successful deployment: no ELB call
    digest = _digest(state.spec, network)
    builder = LoadBalancerBuilder(state.spec, elbv2(), ledger)
    target_group_arn = builder.target_group(plan, network.vpc_id)
    alternate = None
    if "alternateTargetGroup" in plan:
        second = {**plan, "targetGroup": plan["alternateTargetGroup"]}
        alternate = builder.target_group(second, network.vpc_id)
    action = (
        weighted_forward(target_group_arn, alternate)
        if alternate
        else {"Type": "forward", "TargetGroupArn": target_group_arn}
    )
    if "rule" in plan:
        result = builder.shared_rule(plan["rule"], action)
        if alternate:
            result["productionRuleArn"] = result["ruleArn"]
    else:
        result = builder.load_balancer(plan, network, target_group_arn)
        if alternate:
            result.update(builder.progressive_rules(plan, result, action))
    if alternate:
        result["alternateTargetGroupArn"] = alternate
    return LoadBalancerResult.from_json(
        {"type": plan["type"], "targetGroupArn": target_group_arn, **result, "planDigest": digest}
    )


def _attributes(plan: dict[str, Any]) -> dict[str, str]:
    """The target group attributes ecsdrop sets (ELB's names, string values)."""
    return {"deregistration_delay.timeout_seconds": str(plan["deregistrationDelaySeconds"])}


def _network_inputs(network: NetworkResult) -> dict[str, Any]:
    return {
        "vpcId": network.vpc_id,
        "publicSubnetIds": list(network.public_subnet_ids),
        "taskSubnetIds": list(network.task_subnet_ids),
        "securityGroup": network.security_groups.load_balancer,
    }


class LoadBalancerBuilder:
    def __init__(self, spec: Spec, elbv2: Elbv2, ledger: Ledger) -> None:
        self._spec = spec
        self._elb = elbv2
        self._ledger = ledger

    def target_group(self, plan: dict[str, Any], vpc_id: str) -> str:
        wanted = plan["targetGroup"]
        found = self._elb.find_target_group(wanted["Name"])
        if found is None:
            arn = self._create_target_group(wanted, vpc_id)
        elif self._adopted(Created.TARGET_GROUP, wanted["Name"], found, "TargetGroupArn"):
            arn = str(found["TargetGroupArn"])
        else:
            arn = self._existing_target_group(found, wanted, vpc_id)
            self._reconcile_attributes(arn, _attributes(plan))
            return arn
        # set on every run that made the group, so a run that stopped before it still does
        self._elb.set_target_group_attributes(arn, _attributes(plan))
        return arn

    def _reconcile_attributes(self, arn: str, wanted: dict[str, str]) -> None:
        """An existing group's attributes as the spec says (the deregistration delay): read,
        and changed (in the ledger first, so a rollback sets them back) only when they differ."""
        current = self._elb.target_group_attributes(arn)
        changed = {k: v for k, v in wanted.items() if current.get(k) != v}
        if changed:
            previous = {k: current[k] for k in changed if k in current}
            self._ledger.changed(Changed.TARGET_GROUP_ATTRIBUTES, arn, previous=previous)
            self._elb.set_target_group_attributes(arn, changed)

    def _existing_target_group(
        self, found: dict[str, Any], wanted: dict[str, Any], vpc_id: str
    ) -> str:
        arn = str(found["TargetGroupArn"])
        if found.get("VpcId") != vpc_id or found.get("Port") != wanted["Port"]:
            raise LoadBalancerError(
                f"target group {wanted['Name']} exists in {found.get('VpcId')} on port "
                f"{found.get('Port')}; it cannot serve this service (delete it or rename)"
            )
        changed = {
            k: wanted[k]
            for k in _TARGET_GROUP_SETTINGS
            if k in wanted and found.get(k) != wanted[k]
        }
        if changed:
            previous = {k: found[k] for k in changed if k in found}
            self._ledger.changed(Changed.TARGET_GROUP_SETTINGS, arn, previous=previous)
            self._elb.modify_target_group(arn, changed)
        return arn

    def _create_target_group(self, wanted: dict[str, Any], vpc_id: str) -> str:
        self._ledger.intend(Created.TARGET_GROUP, wanted["Name"])
        arn = self._elb.create_target_group(
            wanted, vpc_id, self._ledger.tags(self._spec, "target-group")
        )
        self._ledger.created(Created.TARGET_GROUP, arn)
        return arn

    def _adopted(self, kind: Created, name: str, found: dict[str, Any], arn_key: str) -> bool:
        """A resource this run set out to create (``intend``) and created, then stopped
        before recording it: record it now. False for anyone else's."""
        if not self._ledger.intended(kind, name):
            return False
        self._ledger.created(kind, str(found[arn_key]))
        return True

    def load_balancer(
        self, plan: dict[str, Any], network: NetworkResult, target_group_arn: str
    ) -> dict[str, Any]:
        wanted = plan["loadBalancer"]
        found = self._elb.find_load_balancer(wanted["Name"])
        if found is None:
            subnets = list(
                network.public_subnet_ids
                if wanted["Scheme"] == "internet-facing"
                else network.task_subnet_ids
            )
            group = network.security_groups.load_balancer
            self._ledger.intend(Created.LOAD_BALANCER, wanted["Name"])
            found = self._elb.create_load_balancer(
                wanted,
                subnets,
                [group] if group else [],
                self._ledger.tags(self._spec, "load-balancer"),
            )
            self._ledger.created(Created.LOAD_BALANCER, found["LoadBalancerArn"])
        elif (
            not self._adopted(Created.LOAD_BALANCER, wanted["Name"], found, "LoadBalancerArn")
            and found.get("VpcId") != network.vpc_id
        ):
            raise LoadBalancerError(
                f"load balancer {wanted['Name']} exists in another VPC ({found.get('VpcId')})"
            )
        arn = str(found["LoadBalancerArn"])
        listener_arns = [
            self._listener(arn, listener, target_group_arn) for listener in plan["listeners"]
        ]
        return {
            "loadBalancerArn": arn,
            "dnsName": found.get("DNSName"),
            "listenerArns": listener_arns,
        }

    def _listener(self, lb_arn: str, listener: dict[str, Any], target_group_arn: str) -> str:
        wanted = _bind(listener, target_group_arn)
        existing = {item["Port"]: item for item in self._elb.listeners(lb_arn)}
        current = existing.get(wanted["Port"])
        intent = f"{lb_arn}:{wanted['Port']}"
        if current is None:
            self._ledger.intend(Created.LISTENER, intent)
            arn = self._elb.create_listener(
                lb_arn, wanted, self._ledger.tags(self._spec, "listener")
            )
            self._ledger.created(Created.LISTENER, arn)
            return arn
        arn = str(current["ListenerArn"])
        if self._adopted(Created.LISTENER, intent, current, "ListenerArn"):
            return arn
        if listener_essentials(current) != listener_essentials(wanted):
            previous = {k: current[k] for k in _LISTENER_SETTINGS if k in current}
            self._ledger.changed(Changed.LISTENER_SETTINGS, arn, previous=previous)
            self._elb.modify_listener(arn, wanted)
        return arn

    def shared_rule(self, rule: dict[str, Any], action: dict[str, Any]) -> dict[str, Any]:
        listener_arn = rule["listenerArn"]
        conditions = []
        if "hostHeaders" in rule:
            conditions.append({"Field": "host-header", "Values": rule["hostHeaders"]})
        if "pathPatterns" in rule:
            conditions.append({"Field": "path-pattern", "Values": rule["pathPatterns"]})
        rule_arn = self._rule(
            listener_arn, rule["priority"], conditions, action, "loadBalancer.rule"
        )
        return {"listenerArn": listener_arn, "ruleArn": rule_arn}

    def progressive_rules(
        self, plan: dict[str, Any], built: dict[str, Any], action: dict[str, Any]
    ) -> dict[str, Any]:
        """The rules ECS shifts a progressive strategy's traffic on: one ahead of the main
        listener's default action, and (with a test listener) one on the test listener."""
        rule = plan["productionRule"]
        main = built["listenerArns"][0]
        result = {
            "productionRuleArn": self._rule(
                main, rule["priority"], rule["conditions"], action, "the production rule"
            )
        }
        if "testListener" in plan:
            test = self._listener(built["loadBalancerArn"], plan["testListener"], "")
            result["testListenerArn"] = test
            result["testRuleArn"] = self._rule(
                test, rule["priority"], rule["conditions"], action, "the test rule"
            )
        return result

    def _rule(
        self,
        listener_arn: str,
        priority: int,
        conditions: list[dict[str, Any]],
        action: dict[str, Any],
        what: str,
    ) -> str:
        """The rule at ``priority`` forwarding to the action's target groups, made or found.
        A rule found is left as it is: ECS re-weights a progressive strategy's rules."""
        intent = f"{listener_arn}:{priority}"
        wanted = forwarded_target_groups([action])
        for existing in self._elb.rules(listener_arn):
            if str(existing.get("Priority")) == str(priority):
                if not wanted <= forwarded_target_groups(existing.get("Actions", [])):
                    raise LoadBalancerError(
                        f"{what}: priority {priority} is taken on listener {listener_arn} "
                        "by another target group"
                    )
                self._adopted(Created.LISTENER_RULE, intent, existing, "RuleArn")
                return str(existing["RuleArn"])
        self._ledger.intend(Created.LISTENER_RULE, intent)
        rule_arn = self._elb.create_rule(
            listener_arn,
            priority,
            conditions,
            action,
            self._ledger.tags(self._spec, "listener-rule"),
        )
        self._ledger.created(Created.LISTENER_RULE, rule_arn)
        return rule_arn


_LISTENER_SETTINGS = ("Protocol", "Port", "DefaultActions", "Certificates", "SslPolicy")


def listener_essentials(listener: dict[str, Any]) -> Any:
    """What decides a listener's behaviour (ELB adds ForwardConfig, Order... to what it returns)."""
    actions = [
        (
            action.get("Type"),
            action.get("TargetGroupArn"),
            tuple(sorted((action.get("RedirectConfig") or {}).items())),
        )
        for action in listener.get("DefaultActions", [])
    ]
    certificates = sorted(c.get("CertificateArn", "") for c in listener.get("Certificates", []))
    return (listener.get("Protocol"), listener.get("Port"), actions, certificates)


def _bind(listener: dict[str, Any], target_group_arn: str) -> dict[str, Any]:
    """The planned listener with its forward action pointing at the real target group."""
    bound = copy.deepcopy(listener)
    for action in bound["DefaultActions"]:
        if action["Type"] == "forward":
            action["TargetGroupArn"] = target_group_arn
    return bound
