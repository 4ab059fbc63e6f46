"""The IAM model of template.yaml after the SAM transform, and what each function needs.

``needed_actions`` turns the ``aws_call`` labels a function's code can reach (call_graph)
into the IAM actions AWS authorizes for them, including the actions AWS checks on the
caller besides the call itself (tag-on-create, the describes Elastic Load Balancing runs
for its caller, ...), each with the AWS documentation that says so.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cache
from typing import Any

from tests.integration.security.call_graph import Codebase
from tests.integration.security.sam_expand import expanded
from tests.support.template import ROOT, template

# A label whose IAM action differs from its API operation.
LABEL_ACTIONS: dict[str, set[str]] = {
    # HeadObject is authorized as GetObject; LoadSpec reads the exact version uploaded
    # (GetObjectVersion), the Lock step the newest one.
    "s3:HeadObject": {"s3:GetObject", "s3:GetObjectVersion"},
    "s3:GetObject": {"s3:GetObject", "s3:GetObjectVersion"},
    "dynamodb:Query GSI1": {"dynamodb:Query"},
    # The Resource Groups Tagging API signs as "tagging"; IAM calls it "tag".
    "tagging:GetResources": {"tag:GetResources"},
}

# What AWS also checks on the caller when it makes the call.
DEPENDENT_ACTIONS: dict[str, set[str]] = {
    # ECS, "Grant permission to tag resources on creation": tags in the create request
    # need ecs:TagResource; the task definition's roles are passed (iam:PassRole).
    "ecs:RegisterTaskDefinition": {"ecs:TagResource", "iam:PassRole"},
    "ecs:CreateCluster": {"ecs:TagResource"},
    "ecs:CreateService": {"ecs:TagResource"},
    # Elastic Load Balancing user guide, "Elastic Load Balancing API permissions", plus
    # tag-on-create (elasticloadbalancing:AddTags).
    "elasticloadbalancing:CreateLoadBalancer": {
        "elasticloadbalancing:AddTags",
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeAddresses",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "iam:CreateServiceLinkedRole",
    },
    "elasticloadbalancing:CreateTargetGroup": {
        "elasticloadbalancing:AddTags",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeVpcs",
    },
    "elasticloadbalancing:CreateListener": {"elasticloadbalancing:AddTags"},
    "elasticloadbalancing:CreateRule": {"elasticloadbalancing:AddTags"},
    # EC2 TagSpecifications on create need ec2:CreateTags (with ec2:CreateAction).
    **{
        f"ec2:{action}": {"ec2:CreateTags"}
        for action in (
            "CreateVpc",
            "CreateSubnet",
            "CreateInternetGateway",
            "AllocateAddress",
            "CreateNatGateway",
            "CreateRouteTable",
            "CreateSecurityGroup",
        )
    },
    # CloudWatch Logs: CreateLogGroup with tags needs logs:TagResource.
    "logs:CreateLogGroup": {"logs:TagResource"},
    # Application Auto Scaling, "Permissions required for API actions on target services
    # and CloudWatch"; ECS developer guide, "IAM permissions required for service auto
    # scaling".
    "application-autoscaling:RegisterScalableTarget": {"ecs:DescribeServices", "ecs:UpdateService"},
    "application-autoscaling:PutScalingPolicy": {
        "cloudwatch:DescribeAlarms",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
    },
    "application-autoscaling:DeregisterScalableTarget": {
        "cloudwatch:DescribeAlarms",
        "cloudwatch:DeleteAlarms",
    },
}

# Granted beyond what the code calls and AWS checks for those calls, and why.
EXTRA_GRANTS: dict[str, dict[str, str]] = {
    "ServiceFunction": {
        "iam:CreateServiceLinkedRole": (
            "the first cluster, service or scalable target of an account creates the ECS and "
            "Application Auto Scaling service-linked roles"
        ),
        "iam:PassRole": (
            "the service starts tasks of a task definition with roles; kept, scoped like the "
            "TaskDefinition step's, so a deployment never stops on it"
        ),
    },
    "RollbackFunction": {
        "iam:PassRole": "restoring a service puts back a task definition with roles",
    },
    "NotifierFunction": {
        **{
            f"dynamodb:{action}": "Powertools Idempotency records each post once made"
            for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")
        },
        "sqs:SendMessage": "Lambda sends its failed events to its dead-letter queue",
    },
    # Lambda itself sends an asynchronous event the function failed on every attempt to its
    # dead-letter queue, with the function's role (SAM's DeadLetterQueue grants it)
    **{
        function: {"sqs:SendMessage": "Lambda sends its failed events to its dead-letter queue"}
        for function in (
            "EcrTriggerFunction",
            "RolloutEventsFunction",
            "ScheduledRunsFunction",
            "PlanFunction",
        )
    },
}


def normalized(label: str) -> str:
    """``dynamodb:put_item`` (an operation name in a label) -> ``dynamodb:PutItem``."""
    service, _, operation = label.partition(":")
    if "_" in operation:
        operation = "".join(part.capitalize() for part in operation.split("_"))
    return f"{service}:{operation}"


def needed_actions(labels: set[str]) -> set[str]:
    actions: set[str] = set()
    for label in labels:
        direct = LABEL_ACTIONS.get(label, {normalized(label)})
        actions |= direct
        for action in direct:
            actions |= DEPENDENT_ACTIONS.get(action, set())
    return actions


@dataclass(frozen=True)
class Statement:
    role: str  # the role's logical id
    sid: str | None
    actions: tuple[str, ...]
    resources: tuple[Any, ...]
    condition: dict[str, Any] | None

    def allows(self, action: str) -> bool:
        return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in self.actions)

    @property
    def on_everything(self) -> bool:
        return "*" in self.resources


def _listed(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list) else (value,)


@cache
def functions() -> dict[str, str]:
    """Function logical id -> its code folder (functions/<step>)."""
    return {
        logical_id: resource["Properties"]["CodeUri"]
        for logical_id, resource in template()["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


@cache
def role_of(logical_id: str) -> str:
    """The logical id of the IAM role SAM made for a function or state machine."""
    properties = expanded()["Resources"][logical_id]["Properties"]
    arn = properties.get("Role") or properties["RoleArn"]
    return str(arn["Fn::GetAtt"][0])


@cache
def statements() -> tuple[Statement, ...]:
    """Every inline statement of every IAM role and policy in the expanded template."""
    found: list[Statement] = []
    for logical_id, resource in expanded()["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents = [properties["PolicyDocument"]]
        else:
            continue
        for document in documents:
            for statement in _listed(document["Statement"]):
                assert statement["Effect"] == "Allow", (logical_id, statement)
                found.append(
                    Statement(
                        role=logical_id,
                        sid=statement.get("Sid"),
                        actions=_listed(statement["Action"]),
                        resources=_listed(statement["Resource"]),
                        condition=statement.get("Condition"),
                    )
                )
    return tuple(found)


@cache
def managed_policies() -> dict[str, tuple[str, ...]]:
    """Role logical id -> the managed policy names attached to it."""
    result = {}
    for logical_id, resource in expanded()["Resources"].items():
        if resource["Type"] == "AWS::IAM::Role":
            arns = resource["Properties"].get("ManagedPolicyArns", [])
            result[logical_id] = tuple(_policy_name(arn) for arn in arns)
    return result


def _policy_name(arn: Any) -> str:
    text = arn["Fn::Sub"] if isinstance(arn, dict) else str(arn)
    return text.rsplit("/", 1)[-1]


@cache
def reached_labels() -> dict[str, set[str]]:
    """Function logical id -> the aws_call labels its handler can reach."""
    codebase = Codebase()
    result = {}
    for logical_id, code in functions().items():
        module = codebase.add_handler(ROOT / code / "app.py")
        result[logical_id] = codebase.reach(module).labels
    return result
