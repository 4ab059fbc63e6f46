"""ECS's native deployment strategies on the local cloud: blue/green, canary and linear traffic
shifts on real listener rules, lifecycle stages, bake times, alarms, stops and hooks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from localcloud import LocalCloud
from tests.support.iam import trust_policy
from tests.support.networks import public_subnet
from tests.support.quotas import MANY_SERVICES

PUBLIC_IMAGE = "public.ecr.aws/nginx/nginx:1.27"


@pytest.fixture(scope="module")
def cloud(new_cloud: Callable[..., LocalCloud]) -> Iterator[LocalCloud]:
    with new_cloud(quotas=MANY_SERVICES) as running:
        running.client("ecs").create_cluster(clusterName="shift")
        yield running


@pytest.fixture(scope="module")
def ecs_role(cloud: LocalCloud) -> str:
    iam = cloud.client("iam")
    role = iam.create_role(
        RoleName="ecs-infra", AssumeRolePolicyDocument=trust_policy("ecs.amazonaws.com")
    )
    iam.put_role_policy(
        RoleName="ecs-infra",
        PolicyName="elb-and-hooks",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "elasticloadbalancing:Describe*",
                            "elasticloadbalancing:ModifyRule",
                            "elasticloadbalancing:ModifyListener",
                            "elasticloadbalancing:RegisterTargets",
                            "elasticloadbalancing:DeregisterTargets",
                            "lambda:InvokeFunction",
                        ],
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    return str(role["Role"]["Arn"])


class Stack:
    """A service's network and load balancer: two ip target groups, a production listener rule
    and a test listener rule, as AWS documents them for blue/green deployments."""

    def __init__(self, cloud: LocalCloud, name: str, cidr: str, role: str) -> None:
        self.cloud, self.name, self.role = cloud, name, role
        ec2, elb = cloud.client("ec2"), cloud.client("elbv2")
        vpc, subnet = public_subnet(ec2, cidr, az="us-east-1a")
        second = ec2.create_subnet(
            VpcId=vpc, CidrBlock=cidr.replace(".0.0/16", ".2.0/24"), AvailabilityZone="us-east-1b"
        )["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        self.network = {
            "awsvpcConfiguration": {
                "subnets": [subnet],
                "securityGroups": [group],
                "assignPublicIp": "ENABLED",
            }
        }
        balancer = elb.create_load_balancer(Name=name, Subnets=[subnet, second])
        balancer_arn = balancer["LoadBalancers"][0]["LoadBalancerArn"]
        self.blue, self.green = (
            elb.create_target_group(
                Name=f"{name}-{color}",
                Protocol="HTTP",
                Port=80,
                VpcId=vpc,
                TargetType="ip",
                HealthCheckIntervalSeconds=5,
                HealthyThresholdCount=2,
            )["TargetGroups"][0]["TargetGroupArn"]
            for color in ("blue", "green")
        )
        for group_arn in (self.blue, self.green):
            elb.modify_target_group_attributes(
                TargetGroupArn=group_arn,
                Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "10"}],
            )
        fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]
        production = elb.create_listener(
            LoadBalancerArn=balancer_arn, Protocol="HTTP", Port=80, DefaultActions=fixed
        )["Listeners"][0]["ListenerArn"]
        test = elb.create_listener(
            LoadBalancerArn=balancer_arn, Protocol="HTTP", Port=8080, DefaultActions=fixed
        )["Listeners"][0]["ListenerArn"]
        everything = [{"Field": "path-pattern", "Values": ["/*"]}]
        self.production_rule = elb.create_rule(
            ListenerArn=production,
            Priority=1,
            Conditions=everything,
            Actions=[{"Type": "forward", "TargetGroupArn": self.blue}],
        )["Rules"][0]["RuleArn"]
        self.test_rule = elb.create_rule(
            ListenerArn=test,
            Priority=1,
            Conditions=everything,
            Actions=[{"Type": "forward", "TargetGroupArn": self.green}],
        )["Rules"][0]["RuleArn"]

    def register(self) -> str:
        return self.cloud.client("ecs").register_task_definition(
            family=self.name,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[
                {"name": "app", "image": PUBLIC_IMAGE, "portMappings": [{"containerPort": 80}]}
            ],
        )["taskDefinition"]["taskDefinitionArn"]

    def load_balancers(self, test_rule: bool = True) -> list[dict[str, Any]]:
        advanced = {
            "alternateTargetGroupArn": self.green,
            "productionListenerRule": self.production_rule,
            "roleArn": self.role,
        }
        if test_rule:
            advanced["testListenerRule"] = self.test_rule
        return [
            {
                "targetGroupArn": self.blue,
                "containerName": "app",
                "containerPort": 80,
                "advancedConfiguration": advanced,
            }
        ]

    def create_service(self, configuration: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return self.cloud.client("ecs").create_service(
            cluster="shift",
            serviceName=self.name,
            taskDefinition=self.register(),
            desiredCount=2,
            launchType="FARGATE",
            networkConfiguration=self.network,
            loadBalancers=self.load_balancers(),
            deploymentConfiguration=configuration,
            **extra,
        )["service"]

    def weights(self, rule: str | None = None) -> dict[str, int]:
        """The rule's forward weights by color, as DescribeRules shows them."""
        found = self.cloud.client("elbv2").describe_rules(RuleArns=[rule or self.production_rule])
        action = next(a for a in found["Rules"][0]["Actions"] if a["Type"] == "forward")
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
        if not groups:
            groups = [{"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}]
        colors = {self.blue: "blue", self.green: "green"}
        return {colors[item["TargetGroupArn"]]: item["Weight"] for item in groups}

    def deployment(self) -> dict[str, Any]:
        """The service's newest service deployment, described."""
        ecs = self.cloud.client("ecs")
        listed = ecs.list_service_deployments(cluster="shift", service=self.name)
        arn = listed["serviceDeployments"][0]["serviceDeploymentArn"]
        return ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][
            0
        ]

    def targets(self, group: str) -> list[str]:
        found = self.cloud.client("elbv2").describe_target_health(TargetGroupArn=group)
        return sorted(d["TargetHealth"]["State"] for d in found["TargetHealthDescriptions"])

    def running_tasks(self) -> list[dict[str, Any]]:
        ecs = self.cloud.client("ecs")
        arns = ecs.list_tasks(cluster="shift", serviceName=self.name)["taskArns"]
        return ecs.describe_tasks(cluster="shift", tasks=arns)["tasks"] if arns else []

    def describe(self) -> dict[str, Any]:
        return self.cloud.client("ecs").describe_services(cluster="shift", services=[self.name])[
            "services"
        ][0]


def at(stack: Stack, stage: str, eventually: Any, timeout: float = 30.0) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        deployment = stack.deployment()
        return deployment if deployment.get("lifecycleStage") == stage else None

    return eventually(reached, timeout=timeout, interval=0.05, what=f"stage {stage}")


def finished(stack: Stack, status: str, eventually: Any, timeout: float = 30.0) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        deployment = stack.deployment()
        return deployment if deployment["status"] == status else None

    return eventually(done, timeout=timeout, interval=0.05, what=f"status {status}")


def test_canary_shifts_its_percent_bakes_then_shifts_the_rest_and_completes(
    cloud: LocalCloud, ecs_role: str, eventually: Any
) -> None:
    stack = Stack(cloud, "canary", "10.81.0.0/16", ecs_role)
    service = stack.create_service(
        {
            "strategy": "CANARY",
            "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 2},
            "bakeTimeInMinutes": 2,
        }
    )
    assert service["deploymentConfiguration"]["strategy"] == "CANARY"
    assert service["loadBalancers"][0]["advancedConfiguration"]["alternateTargetGroupArn"] == (
        stack.green
    )
    deployment = stack.deployment()
    assert deployment["status"] == "IN_PROGRESS"
    assert deployment["deploymentConfiguration"]["canaryConfiguration"]["canaryPercent"] == 10.0

    canary = at(stack, "PRODUCTION_TRAFFIC_SHIFT", eventually)
    assert stack.weights() == {"blue": 90, "green": 10}
    assert canary["targetServiceRevision"]["requestedProductionTrafficWeight"] == 10.0
    # the green tasks registered in the alternate group; the test rule points at it
    assert stack.targets(stack.green) == ["healthy", "healthy"]
    assert stack.targets(stack.blue) == []
    assert stack.weights(stack.test_rule) == {"blue": 0, "green": 100}

    at(stack, "BAKE_TIME", eventually)
    assert stack.weights() == {"blue": 0, "green": 100}
    done = finished(stack, "SUCCESSFUL", eventually)
    assert done["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0
    described = stack.describe()
    assert [d["rolloutState"] for d in described["deployments"]] == ["COMPLETED"]
    assert described["runningCount"] == 2


def test_linear_shifts_traffic_in_equal_steps(
    cloud: LocalCloud, ecs_role: str, eventually: Any
) -> None:
    stack = Stack(cloud, "linear", "10.82.0.0/16", ecs_role)
    stack.create_service(
        {
            "strategy": "LINEAR",
            "linearConfiguration": {"stepPercent": 40.0, "stepBakeTimeInMinutes": 2},
            "bakeTimeInMinutes": 0,
        }
    )
    seen: list[dict[str, int]] = []

    def all_steps() -> bool:
        weights = stack.weights()
        if not seen or seen[-1] != weights:
            seen.append(weights)
        return weights == {"blue": 0, "green": 100}

    eventually(all_steps, timeout=30.0, interval=0.05, what="the last step")
    assert {"blue": 60, "green": 40} in seen
    assert {"blue": 20, "green": 80} in seen
    assert seen.index({"blue": 60, "green": 40}) < seen.index({"blue": 20, "green": 80})
    finished(stack, "SUCCESSFUL", eventually)


def test_blue_green_switches_at_once_and_the_next_deployment_goes_the_other_way(
    cloud: LocalCloud, ecs_role: str, eventually: Any
) -> None:
    stack = Stack(cloud, "bluegreen", "10.83.0.0/16", ecs_role)
    stack.create_service({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1})
    finished(stack, "SUCCESSFUL", eventually)
    assert stack.weights() == {"blue": 0, "green": 100}
    first = {task["taskArn"] for task in stack.running_tasks()}

    cloud.client("ecs").update_service(
        cluster="shift", service="bluegreen", taskDefinition=stack.register()
    )
    shifted = at(stack, "BAKE_TIME", eventually)
    # the new revision runs in the group that had no production traffic: the first one
    assert stack.weights() == {"blue": 100, "green": 0}
    assert shifted["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"] == 0.0
    assert stack.targets(stack.blue) == ["healthy", "healthy"]
    done = finished(stack, "SUCCESSFUL", eventually)
    assert done["lifecycleStage"] == "CLEAN_UP"
    eventually(
        lambda: not first & {task["taskArn"] for task in stack.running_tasks()},
        what="the previous revision's tasks to stop",
    )
    assert len(stack.running_tasks()) == 2


def test_invalid_strategy_settings_are_refused_as_ecs_refuses_them(
    cloud: LocalCloud, ecs_role: str
) -> None:
    stack = Stack(cloud, "refused", "10.84.0.0/16", ecs_role)
    ecs = cloud.client("ecs")
    base = {
        "cluster": "shift",
        "serviceName": "refused",
        "taskDefinition": stack.register(),
        "desiredCount": 1,
        "launchType": "FARGATE",
        "networkConfiguration": stack.network,
    }
    plain = [{"targetGroupArn": stack.blue, "containerName": "app", "containerPort": 80}]
    cases = [
        ({"strategy": "BLUE_GREEN"}, plain, "advancedConfiguration"),
        ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0.05}}, None, "0.1"),
        ({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 2.0}}, None, "3.0"),
        ({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1441}, None, "1440"),
        ({"strategy": "ROLLING", "canaryConfiguration": {"canaryPercent": 5.0}}, plain, "CANARY"),
    ]
    for configuration, balancers, named in cases:
        with pytest.raises(ecs.exceptions.InvalidParameterException, match=named):
            ecs.create_service(
                **base,
                deploymentConfiguration=configuration,
                loadBalancers=balancers if balancers is not None else stack.load_balancers(),
            )
    assert ecs.describe_services(cluster="shift", services=["refused"])["services"] == []
