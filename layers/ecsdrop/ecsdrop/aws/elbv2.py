"""Elastic Load Balancing v2: load balancers, target groups, listeners, rules."""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.errors import aws_call
from ecsdrop.errors import NotFoundError


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


class Elbv2:
    def __init__(self, client: Any) -> None:
        self._elb = client

    def _one(
        self, action: str, operation: str, key: str, **arguments: Any
    ) -> dict[str, Any] | None:
        """The resource a describe call names (by name or ARN), or None: ELB answers "not
        found" for a name or ARN it does not know."""
        try:
            with aws_call(action):
                found = getattr(self._elb, operation)(**arguments)[key]
        except NotFoundError:
            return None
        return dict(found[0]) if found else None

    # ------------------------------------------------------------------ load balancers

    def find_load_balancer(self, name: str) -> dict[str, Any] | None:
        return self._one(
            "elasticloadbalancing:DescribeLoadBalancers",
            "describe_load_balancers",
            "LoadBalancers",
            Names=[name],
        )

    def create_load_balancer(
        self,
        plan: dict[str, Any],
        subnet_ids: list[str],
        security_group_ids: list[str],
        tags: dict[str, str],
    ) -> dict[str, Any]:
        with aws_call("elasticloadbalancing:CreateLoadBalancer"):
            created = self._elb.create_load_balancer(
                **plan,
                Subnets=subnet_ids,
                SecurityGroups=security_group_ids,
                Tags=_tags(tags),
            )["LoadBalancers"][0]
        return dict(created)

    def delete_load_balancer(self, arn: str) -> None:
        with aws_call("elasticloadbalancing:DeleteLoadBalancer"):
            self._elb.delete_load_balancer(LoadBalancerArn=arn)

    def wait_load_balancer_deleted(self, arn: str, max_seconds: int = 300) -> None:
        with aws_call("elasticloadbalancing:DescribeLoadBalancers"):
            self._elb.get_waiter("load_balancers_deleted").wait(
                LoadBalancerArns=[arn],
                WaiterConfig={"Delay": 10, "MaxAttempts": max(1, max_seconds // 10)},
            )

    def tags(self, arn: str) -> dict[str, str]:
        """A load balancer's, target group's, listener's or rule's tags."""
        with aws_call("elasticloadbalancing:DescribeTags"):
            described = self._elb.describe_tags(ResourceArns=[arn])["TagDescriptions"]
        return {t["Key"]: t.get("Value", "") for d in described for t in d.get("Tags", [])}

    # ------------------------------------------------------------------ target groups

    def find_target_group(self, name: str) -> dict[str, Any] | None:
        return self._one(
            "elasticloadbalancing:DescribeTargetGroups",
            "describe_target_groups",
            "TargetGroups",
            Names=[name],
        )

    def target_group(self, arn: str) -> dict[str, Any] | None:
        return self._one(
            "elasticloadbalancing:DescribeTargetGroups",
            "describe_target_groups",
            "TargetGroups",
            TargetGroupArns=[arn],
        )

    def create_target_group(self, plan: dict[str, Any], vpc_id: str, tags: dict[str, str]) -> str:
        with aws_call("elasticloadbalancing:CreateTargetGroup"):
            arn: str = self._elb.create_target_group(**plan, VpcId=vpc_id, Tags=_tags(tags))[
                "TargetGroups"
            ][0]["TargetGroupArn"]
        return arn

    def target_group_attributes(self, arn: str) -> dict[str, str]:
        with aws_call("elasticloadbalancing:DescribeTargetGroupAttributes"):
            attributes = self._elb.describe_target_group_attributes(TargetGroupArn=arn)
        return {a["Key"]: a["Value"] for a in attributes.get("Attributes", [])}

    def set_target_group_attributes(self, arn: str, attributes: dict[str, str]) -> None:
        with aws_call("elasticloadbalancing:ModifyTargetGroupAttributes"):
            self._elb.modify_target_group_attributes(
                TargetGroupArn=arn,
                Attributes=[{"Key": k, "Value": v} for k, v in attributes.items()],
            )

    def modify_target_group(self, arn: str, settings: dict[str, Any]) -> None:
        with aws_call("elasticloadbalancing:ModifyTargetGroup"):
            self._elb.modify_target_group(TargetGroupArn=arn, **settings)

    def delete_target_group(self, arn: str) -> None:
        with aws_call("elasticloadbalancing:DeleteTargetGroup"):
            self._elb.delete_target_group(TargetGroupArn=arn)

    # ------------------------------------------------------------------ listeners & rules

    def listeners(self, load_balancer_arn: str) -> list[dict[str, Any]]:
        with aws_call("elasticloadbalancing:DescribeListeners"):
            found: list[dict[str, Any]] = self._elb.describe_listeners(
                LoadBalancerArn=load_balancer_arn
            )["Listeners"]
        return found

    def listener(self, arn: str) -> dict[str, Any] | None:
        return self._one(
            "elasticloadbalancing:DescribeListeners",
            "describe_listeners",
            "Listeners",
            ListenerArns=[arn],
        )

    def create_listener(
        self, load_balancer_arn: str, listener: dict[str, Any], tags: dict[str, str]
    ) -> str:
        with aws_call("elasticloadbalancing:CreateListener"):
            arn: str = self._elb.create_listener(
                LoadBalancerArn=load_balancer_arn, **listener, Tags=_tags(tags)
            )["Listeners"][0]["ListenerArn"]
        return arn

    def modify_listener(self, listener_arn: str, listener: dict[str, Any]) -> None:
        with aws_call("elasticloadbalancing:ModifyListener"):
            self._elb.modify_listener(ListenerArn=listener_arn, **listener)

    def delete_listener(self, arn: str) -> None:
        with aws_call("elasticloadbalancing:DeleteListener"):
            self._elb.delete_listener(ListenerArn=arn)

    def rules(self, listener_arn: str) -> list[dict[str, Any]]:
        with aws_call("elasticloadbalancing:DescribeRules"):
            found: list[dict[str, Any]] = self._elb.describe_rules(ListenerArn=listener_arn)[
                "Rules"
            ]
        return found

    def create_rule(
        self,
        listener_arn: str,
        priority: int,
        conditions: list[dict[str, Any]],
        action: dict[str, Any],
        tags: dict[str, str],
    ) -> str:
        with aws_call("elasticloadbalancing:CreateRule"):
            arn: str = self._elb.create_rule(
                ListenerArn=listener_arn,
                Priority=priority,
                Conditions=conditions,
                Actions=[action],
                Tags=_tags(tags),
            )["Rules"][0]["RuleArn"]
        return arn

    def delete_rule(self, arn: str) -> None:
        with aws_call("elasticloadbalancing:DeleteRule"):
            self._elb.delete_rule(RuleArn=arn)
