"""The IAM policy language as the local cloud evaluates it: actions, resources, conditions."""

from __future__ import annotations

from typing import Any

import pytest

from localcloud.iam_policy import Check, ConditionContext, Decision, evaluate

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/state"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def decide(check: Check, *statements: dict[str, Any]) -> Decision:
    return evaluate([policy(*statements)], check)


def test_no_statement_allowing_the_action_is_an_implicit_deny() -> None:
    assert decide(Check("ecs:CreateService", None), allow("ecs:UpdateService")) is (
        Decision.IMPLICIT_DENY
    )


def test_an_explicit_deny_in_any_policy_wins_over_allows_in_others() -> None:
    deny = {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}
    check = Check("dynamodb:DeleteItem", (TABLE,))
    assert evaluate([policy(allow("dynamodb:*")), policy(deny)], check) is Decision.EXPLICIT_DENY


@pytest.mark.parametrize(
    ("pattern", "action", "allowed"),
    [
        ("ecs:Describe*", "ecs:DescribeServices", True),
        ("ECS:describe*", "ecs:DescribeServices", True),  # actions ignore case
        ("ecs:Describe*", "ecs:UpdateService", False),
        ("ecs:?escribeServices", "ecs:DescribeServices", True),
        ("*", "s3:GetObject", True),
        ("ec2:Describe*", "ecs:DescribeServices", False),
    ],
)
def test_action_wildcards(pattern: str, action: str, allowed: bool) -> None:
    decision = decide(Check(action, None), allow(pattern))
    assert (decision is Decision.ALLOWED) is allowed


def test_not_action_allows_everything_but_what_it_names() -> None:
    statement = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    assert decide(Check("s3:GetObject", None), statement) is Decision.ALLOWED
    assert decide(Check("iam:PassRole", None), statement) is Decision.IMPLICIT_DENY


def test_resources_match_as_globs_case_sensitively() -> None:
    statement = allow("s3:GetObject", "arn:aws:s3:::specs-bucket/specs/*")
    inside = Check("s3:GetObject", ("arn:aws:s3:::specs-bucket/specs/web.yaml",))
    outside = Check("s3:GetObject", ("arn:aws:s3:::specs-bucket/status/web.json",))
    upper = Check("s3:GetObject", ("arn:aws:s3:::specs-bucket/SPECS/web.yaml",))
    assert decide(inside, statement) is Decision.ALLOWED
    assert decide(outside, statement) is Decision.IMPLICIT_DENY
    assert decide(upper, statement) is Decision.IMPLICIT_DENY


def test_not_resource_excludes_what_it_names() -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::x/*"}
    assert decide(Check("s3:GetObject", ("arn:aws:s3:::y/k",)), statement) is Decision.ALLOWED
    assert decide(Check("s3:GetObject", ("arn:aws:s3:::x/k",)), statement) is (
        Decision.IMPLICIT_DENY
    )


def test_a_resource_that_cannot_be_told_matches_any_statement_resource() -> None:
    statement = allow("ecs:RegisterTaskDefinition", "arn:aws:ecs:*:*:task-definition/*")
    assert decide(Check("ecs:RegisterTaskDefinition", None), statement) is Decision.ALLOWED


def test_any_alternative_name_of_a_resource_may_match() -> None:
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/ecsdrop/web"
    statement = allow("logs:CreateLogGroup", f"{group}:*")
    assert decide(Check("logs:CreateLogGroup", (group, f"{group}:*")), statement) is (
        Decision.ALLOWED
    )


def with_context(**values: tuple[str, ...]) -> ConditionContext:
    return ConditionContext({key.replace("__", ":").lower(): v for key, v in values.items()})


@pytest.mark.parametrize(
    ("condition", "context", "allowed"),
    [
        ({"StringEquals": {"events:source": "ecsdrop"}}, {"events__source": ("ecsdrop",)}, True),
        ({"StringEquals": {"events:source": "ecsdrop"}}, {"events__source": ("other",)}, False),
        ({"StringEquals": {"events:source": ["a", "ecsdrop"]}}, {"events__source": ("a",)}, True),
        ({"StringLike": {"events:source": "ecs*"}}, {"events__source": ("ecsdrop",)}, True),
        ({"StringNotEquals": {"events:source": "x"}}, {"events__source": ("ecsdrop",)}, True),
        ({"StringNotEquals": {"events:source": "x"}}, {"events__source": ()}, True),
        ({"StringEquals": {"events:source": "x"}}, {"events__source": ()}, False),
        ({"StringEqualsIfExists": {"events:source": "x"}}, {"events__source": ()}, True),
        ({"Null": {"events:source": "true"}}, {"events__source": ()}, True),
        ({"Null": {"events:source": "false"}}, {"events__source": ()}, False),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws__securetransport": ("true",)}, True),
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws__securetransport": ("true",)}, False),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/a*"}}, {}, True),  # unknown key
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws__sourceip": ("1.2.3.4",)}, True),
        ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3__max-keys": ("5",)}, True),
        ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3__max-keys": ("50",)}, False),
        (
            {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}},
            {"aws__tagkeys": ("team",)},
            True,
        ),
        (
            {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}},
            {"aws__tagkeys": ("team", "owner")},
            False,
        ),
        (
            {"ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}},
            {"aws__tagkeys": ("team", "owner")},
            True,
        ),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}}, {"aws__tagkeys": ()}, False),
    ],
)
def test_conditions(
    condition: dict[str, Any], context: dict[str, tuple[str, ...]], allowed: bool
) -> None:
    check = Check("events:PutEvents", None, with_context(**context))
    decision = decide(check, allow("events:PutEvents", Condition=condition))
    assert (decision is Decision.ALLOWED) is allowed


def test_every_key_of_a_condition_must_hold() -> None:
    wanted = {"events:source": "ecsdrop", "events:detail-type": "Deployment State Change"}
    half_right = with_context(events__source=("ecsdrop",), **{"events__detail-type": ("Other",)})
    check = Check("events:PutEvents", None, half_right)
    assert decide(check, allow("*", Condition={"StringEquals": wanted})) is Decision.IMPLICIT_DENY


def test_request_tags_read_from_a_request_make_missing_ones_absent() -> None:
    condition = {"StringEquals": {"aws:RequestTag/ecsdrop:managed-by": "ecsdrop"}}
    read = ConditionContext({"aws:requesttag/team": ("blue",)}, ("aws:requesttag/",))
    assert decide(Check("ecs:CreateService", None, read), allow("*", Condition=condition)) is (
        Decision.IMPLICIT_DENY
    )
    assert decide(Check("ecs:CreateService", None), allow("*", Condition=condition)) is (
        Decision.ALLOWED  # tags not read: the key is unknown, so it counts as satisfied
    )


def test_a_deny_whose_condition_does_not_hold_does_not_deny() -> None:
    deny = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    check = Check("s3:GetObject", None, with_context(aws__securetransport=("true",)))
    assert decide(check, allow("s3:*"), deny) is Decision.ALLOWED
