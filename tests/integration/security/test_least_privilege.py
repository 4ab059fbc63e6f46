"""Least privilege in template.yaml, checked against the code.

The local cloud enforces the functions' policies, but only on the calls a test happens to
make and without what it cannot tell (resource tags, the checks services make behind the
scenes). These tests read each function's code (every ``aws_call`` label its handler can
reach) and its role as SAM writes it, and hold them to each other: every call is granted,
nothing is granted that no call needs, ``iam:PassRole`` goes only to ECS tasks for the
allowed roles, and ``Resource: "*"`` only carries actions AWS authorizes on nothing narrower.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.security.call_graph import Codebase
from tests.integration.security.iam_model import (
    EXTRA_GRANTS,
    Statement,
    functions,
    managed_policies,
    needed_actions,
    reached_labels,
    role_of,
    statements,
)
from tests.integration.security.sam_expand import expanded
from tests.support.template import ROOT, resource, template

# Actions the Service Authorization Reference lists with no resource type: a policy can
# only grant them on "*". (Checked against the reference when this list was written.)
WILDCARD_ONLY_ACTIONS = {
    "ecs:DescribeTaskDefinition",
    "ecs:DeregisterTaskDefinition",
    "application-autoscaling:DescribeScalableTargets",
    "tag:GetResources",
    *(
        f"ec2:{action}"
        for action in (
            "DescribeAccountAttributes",
            "DescribeAddresses",
            "DescribeAvailabilityZones",
            "DescribeInternetGateways",
            "DescribeNatGateways",
            "DescribeRouteTables",
            "DescribeSecurityGroups",
            "DescribeSubnets",
            "DescribeVpcs",
        )
    ),
    *(
        f"elasticloadbalancing:{action}"
        for action in (
            "DescribeListeners",
            "DescribeLoadBalancers",
            "DescribeRules",
            "DescribeTags",
            "DescribeTargetGroupAttributes",
            "DescribeTargetGroups",
        )
    ),
    # CloudWatch Logs vended-log delivery, which Step Functions logging uses
    *(
        f"logs:{action}"
        for action in (
            "CreateLogDelivery",
            "GetLogDelivery",
            "UpdateLogDelivery",
            "DeleteLogDelivery",
            "ListLogDeliveries",
            "PutResourcePolicy",
            "DescribeResourcePolicies",
            "DescribeLogGroups",
        )
    ),
}
# AWS managed policies SAM attaches (docs/security.md explains each).
ALLOWED_MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole",
    "AWSXrayWriteOnlyAccess",
    "AmazonECSTaskExecutionRolePolicy",
}
FUNCTIONS = sorted(functions())


def function_statements(function: str) -> list[Statement]:
    role = role_of(function)
    return [s for s in statements() if s.role == role]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_call_a_function_can_make_is_granted_to_it(function: str) -> None:
    granted = function_statements(function)
    needed = needed_actions(reached_labels()[function])

    missing = sorted(a for a in needed if not any(s.allows(a) for s in granted))

    assert missing == [], f"{function} calls these without permission: {missing}"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_is_granted_nothing_its_code_does_not_need(function: str) -> None:
    needed = needed_actions(reached_labels()[function]) | set(EXTRA_GRANTS.get(function, {}))

    excess = sorted(
        {
            action
            for statement in function_statements(function)
            for action in statement.actions
            if action not in needed
        }
    )

    assert excess == [], f"{function} is granted actions no call of its code needs: {excess}"


def test_the_analysis_reaches_every_aws_call_in_the_library() -> None:
    """A call the analysis cannot reach from any handler would go unchecked above."""
    codebase = Codebase()
    everything: set[str] = set()
    for code in functions().values():
        module = codebase.add_handler(ROOT / code / "app.py")
        for qualname in codebase.reach(module).functions:
            everything.add(qualname)
    with_calls = {
        f"{module.name}.{info.node.name}.{name}"
        for module in codebase.modules.values()
        if module.name.startswith("ecsdrop.")
        for info in module.classes.values()
        for name, method in info.methods.items()
        if "aws_call(" in _source(method)
    } | {
        f"{module.name}.{name}"
        for module in codebase.modules.values()
        if module.name.startswith("ecsdrop.")
        for name, node in module.functions.items()
        if "aws_call(" in _source(node) and name != "aws_call"
    }
    # Used by the CLI only (ecsdrop status, list, run, continue, abort), never by a Lambda
    # function.
    cli_only = {
        "ecsdrop.aws.bucket.SpecBucket.read_status",
        "ecsdrop.aws.store.StateStore.history",
        "ecsdrop.aws.store.StateStore._scan",  # ecsdrop list
        "ecsdrop.aws.ecs.Ecs.run_task",  # ecsdrop run
        "ecsdrop.aws.ecs.Ecs.describe_tasks",
        "ecsdrop.aws.logs.Logs.events",
        "ecsdrop.aws.ecs.Ecs.active_service_deployment",  # ecsdrop continue, abort, --wait-until
        "ecsdrop.aws.ecs.Ecs.continue_service_deployment",
        "ecsdrop.aws.ecs.Ecs.stop_service_deployment",
    }

    assert with_calls - everything - cli_only == set()


def _source(node: Any) -> str:
    import ast

    return ast.unparse(node)


def test_the_analysis_tells_the_steps_apart() -> None:
    """A sanity check of precision: the polling fallback only describes the service."""
    labels = reached_labels()
    assert labels["CheckRolloutFunction"] == {"ecs:DescribeServices"}
    assert labels["NotifierFunction"] == {"secretsmanager:GetSecretValue"}
    assert labels["LoadSpecFunction"] == {"s3:HeadObject", "s3:GetObject", "dynamodb:GetItem"}
    assert "ec2:CreateVpc" in labels["NetworkFunction"]
    assert not any(label.startswith("ec2:") for label in labels["ServiceFunction"])


def test_extra_grants_name_real_functions_and_granted_actions() -> None:
    for function, actions in EXTRA_GRANTS.items():
        granted = function_statements(function)
        for action in actions:
            assert any(s.allows(action) for s in granted), (function, action)


def test_resource_star_only_carries_actions_aws_allows_nowhere_narrower() -> None:
    offenders = [
        (s.role, s.sid, action)
        for s in statements()
        if s.on_everything
        for action in s.actions
        if action not in WILDCARD_ONLY_ACTIONS
    ]

    assert offenders == []


def test_no_statement_grants_a_wildcard_action() -> None:
    assert [
        (s.role, s.sid, s.actions) for s in statements() if any("*" in a for a in s.actions)
    ] == []


def test_only_known_managed_policies_are_attached() -> None:
    attached = {name for names in managed_policies().values() for name in names}

    assert attached <= ALLOWED_MANAGED_POLICIES


# --------------------------------------------------------------------------- iam:PassRole

ALLOWED_ROLES = [
    {"Fn::GetAtt": ["DefaultExecutionRole", "Arn"]},
    {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AllowedRoleNamePrefix}*"},
]


def test_pass_role_only_for_the_allowed_roles_and_only_to_ecs_tasks() -> None:
    passing = [s for s in statements() if s.allows("iam:PassRole")]
    to_tasks = [s for s in passing if list(s.resources) not in ([SCHEDULER_ROLE], [ECS_ROLE])]

    assert {s.role for s in to_tasks} == {
        role_of("TaskDefinitionFunction"),
        role_of("ServiceFunction"),
        role_of("RollbackFunction"),
        "DeployStateMachineRole",  # RunPreDeployTasks starts tasks of definitions with roles
        "SchedulerRole",  # a scheduled job's runs start tasks of definitions with roles
    }
    for statement in to_tasks:
        assert statement.actions == ("iam:PassRole",)
        assert list(statement.resources) == ALLOWED_ROLES
        assert statement.condition == {
            "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
        }


SCHEDULER_ROLE = {"Fn::GetAtt": ["SchedulerRole", "Arn"]}


def test_only_the_scheduler_role_is_passed_to_scheduler_and_only_by_the_schedule_steps() -> None:
    to_scheduler = [
        s
        for s in statements()
        if s.allows("iam:PassRole") and list(s.resources) == [SCHEDULER_ROLE]
    ]

    assert {s.role for s in to_scheduler} == {
        role_of("ServiceFunction"),  # DeploySchedule
        role_of("RollbackFunction"),  # a schedule's previous definition put back
    }
    for statement in to_scheduler:
        assert statement.actions == ("iam:PassRole",)
        assert statement.condition == {
            "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}
        }


ECS_ROLE = {"Fn::GetAtt": ["EcsLoadBalancerRole", "Arn"]}


def test_only_the_ecs_infrastructure_role_is_passed_to_ecs_and_only_by_the_service_steps() -> None:
    to_ecs = [
        s for s in statements() if s.allows("iam:PassRole") and list(s.resources) == [ECS_ROLE]
    ]

    assert {s.role for s in to_ecs} == {
        role_of("ServiceFunction"),  # a progressive strategy's advancedConfiguration and hooks
        role_of("RollbackFunction"),  # a service's previous configuration put back
    }
    for statement in to_ecs:
        assert statement.actions == ("iam:PassRole",)
        assert statement.condition == {"StringEquals": {"iam:PassedToService": "ecs.amazonaws.com"}}


def test_the_ecs_infrastructure_role_invokes_only_hook_functions_and_trusts_only_ecs() -> None:
    role = resource("EcsLoadBalancerRole")["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    invoking = [
        s
        for s in statements()
        if s.role == "EcsLoadBalancerRole" and s.allows("lambda:InvokeFunction")
    ]

    assert trust["Principal"] == {"Service": "ecs.amazonaws.com"}
    functions = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
    assert [list(s.resources) for s in invoking] == [
        [
            {"Fn::Sub": functions + "ecsdrop-hook-*"},
            {"Fn::Sub": functions + "${AWS::StackName}-rollout-stages"},
        ]
    ]
    reporter = resource("RolloutStagesFunction")["Properties"]["FunctionName"]
    assert reporter == {"Fn::Sub": "${AWS::StackName}-rollout-stages"}


def test_scheduler_actions_reach_only_the_schedules_of_ecsdrops_group() -> None:
    group = {
        "Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:"
        "schedule/${ScheduleGroup}/*"
    }
    scheduling = [s for s in statements() if any(a.startswith("scheduler:") for a in s.actions)]

    assert {s.role for s in scheduling} == {role_of("ServiceFunction"), role_of("RollbackFunction")}
    for statement in scheduling:
        assert list(statement.resources) == [group], statement
        assert statement.condition is None or statement.condition == {}, statement


def test_the_scheduler_role_trusts_only_scheduler_here_and_runs_only_ecsdrops_tasks() -> None:
    trust = resource("SchedulerRole")["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        }
    ]
    granted = [s for s in statements() if s.role == "SchedulerRole"]
    actions = sorted(a for s in granted for a in s.actions)
    assert actions == ["ecs:RunTask", "ecs:TagResource", "iam:PassRole"]
    (run,) = [s for s in granted if s.allows("ecs:RunTask")]
    assert run.condition == {"Null": {"aws:ResourceTag/ecsdrop:service": "false"}}
    (tag,) = [s for s in granted if s.allows("ecs:TagResource")]
    assert tag.condition == {"StringEquals": {"ecs:CreateAction": "RunTask"}}


def test_the_validator_allows_exactly_the_roles_ecsdrop_may_pass() -> None:
    """The Load function's guardrail and the PassRole statements name the same roles."""
    allowed = template()["Globals"]["Function"]["Environment"]["Variables"][
        "ALLOWED_ROLE_ARN_PREFIXES"
    ]
    any_role, some_roles = allowed["Fn::If"][1], allowed["Fn::If"][2]
    assert allowed["Fn::If"][0] == "AnyRole"
    assert any_role == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"}
    assert some_roles == {
        "Fn::Sub": (
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AllowedRoleNamePrefix},"
            "${DefaultExecutionRole.Arn}"
        )
    }


def test_the_default_execution_role_trusts_only_ecs_tasks_of_this_account() -> None:
    trust = resource("DefaultExecutionRole")["Properties"]["AssumeRolePolicyDocument"]

    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        }
    ]


# --------------------------------------------------------------------------- the workflow


def test_the_state_machine_invokes_exactly_the_functions_of_its_definition() -> None:
    machine = resource("DeployStateMachine")["Properties"]
    in_definition = {
        value["Fn::GetAtt"][0]
        for key, value in machine["DefinitionSubstitutions"].items()
        if key.endswith("FunctionArn")
    }
    invokable = {
        statement.resources[0]["Fn::Sub"][1]["functionName"]["Ref"]
        for statement in statements()
        if statement.role == role_of("DeployStateMachine")
        and statement.actions == ("lambda:InvokeFunction",)
    }

    assert invokable == in_definition


def test_every_function_role_trusts_only_lambda() -> None:
    for function in FUNCTIONS:
        trust = expanded()["Resources"][role_of(function)]["Properties"]["AssumeRolePolicyDocument"]
        principals = [s["Principal"] for s in trust["Statement"]]
        assert principals == [{"Service": ["lambda.amazonaws.com"]}], function


# --------------------------------------------------------------------------- the bucket


def test_the_spec_bucket_is_encrypted_versioned_private_and_tls_only() -> None:
    bucket = resource("SpecBucket")["Properties"]
    policy = resource("SpecBucketPolicy")["Properties"]["PolicyDocument"]["Statement"]

    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    denials = {json.dumps(s["Condition"], sort_keys=True) for s in policy if s["Effect"] == "Deny"}
    assert json.dumps({"Bool": {"aws:SecureTransport": "false"}}) in denials
    assert json.dumps({"NumericLessThan": {"s3:TlsVersion": 1.2}}) in denials
    for statement in policy:
        assert statement["Action"] == "s3:*"
        assert statement["Principal"] == "*"


def test_the_table_and_topic_are_encrypted_and_the_table_recoverable() -> None:
    table = resource("StateTable")["Properties"]
    assert table["SSESpecification"] == {"SSEEnabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert resource("NotificationTopic")["Properties"]["KmsMasterKeyId"] == {
        "Ref": "NotificationTopicKey"
    }
    assert resource("NotificationTopicKey")["Properties"]["EnableKeyRotation"] is True


def test_guardrail_parameters_reach_the_load_function() -> None:
    variables = template()["Globals"]["Function"]["Environment"]["Variables"]
    parameters = template()["Parameters"]

    assert variables["ALLOWED_REGISTRIES"] == {"Ref": "AllowedRegistries"}
    assert variables["ALLOW_PRIVILEGED"] == {"Ref": "AllowPrivileged"}
    assert variables["PLAINTEXT_CREDENTIALS"] == {"Ref": "PlaintextCredentials"}
    assert variables["MAX_SPEC_BYTES"] == {"Ref": "MaxSpecBytes"}
    assert parameters["AllowPrivileged"]["Default"] == "false"


def test_the_tag_the_policies_require_is_the_tag_ecsdrop_writes() -> None:
    from ecsdrop.spec import load_spec
    from ecsdrop.spec.render import (
        TAG_MANAGED_BY,
        TAG_SERVICE,
        ecsdrop_tags,
        register_task_definition_input,
    )
    from tests.e2e.hostile.cases import valid

    spec = load_spec(valid("web"), "specs/web.yaml")
    written = ecsdrop_tags(spec)
    task_definition_tags = {t["key"] for t in register_task_definition_input(spec)["tags"]}
    tag_conditions = [
        (key, value)
        for s in statements()
        for test in (s.condition or {}).values()
        for key, value in test.items()
        if "Tag/" in key
    ]

    assert tag_conditions, "no statement is scoped by tags"
    for key, value in tag_conditions:
        if key == f"aws:ResourceTag/{TAG_SERVICE}":  # a task definition ecsdrop registered
            assert value == "false"  # (a Null test: the tag is there)
            assert TAG_SERVICE in task_definition_tags
            continue
        assert key in (f"aws:RequestTag/{TAG_MANAGED_BY}", f"aws:ResourceTag/{TAG_MANAGED_BY}")
        assert value == written[TAG_MANAGED_BY]
