"""Bucket policies evaluated with a TLS request context; unevaluable conditions are left out."""

from __future__ import annotations

import json

from moto.iam.access_control import IAMPolicy, PermissionResult

from localcloud.s3_policies import evaluable_policy, statement_applies

DENY_INSECURE = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": "arn:aws:s3:::b/*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
REQUIRE_TLS_ALLOW = {
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::b/*",
    "Condition": {"Bool": {"aws:SecureTransport": ["true"]}},
}
SOURCE_ACCOUNT_DENY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:PutObject",
    "Resource": "arn:aws:s3:::b/*",
    "Condition": {"StringNotEquals": {"aws:SourceAccount": "123456789012"}},
}


def permission(statements: list[dict[str, object]], action: str) -> PermissionResult:
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return IAMPolicy(evaluable_policy(policy)).is_action_permitted(action, "arn:aws:s3:::b/key")


def test_deny_insecure_transport_does_not_block_local_requests() -> None:
    assert statement_applies(DENY_INSECURE) is False
    assert permission([DENY_INSECURE], "s3:PutObject") == PermissionResult.NEUTRAL


def test_allow_conditioned_on_tls_applies() -> None:
    assert statement_applies(REQUIRE_TLS_ALLOW) is True
    assert permission([REQUIRE_TLS_ALLOW], "s3:GetObject") == PermissionResult.PERMITTED


def test_statement_with_an_unevaluable_condition_is_left_out() -> None:
    assert permission([SOURCE_ACCOUNT_DENY], "s3:PutObject") == PermissionResult.NEUTRAL


def test_unconditional_deny_still_denies() -> None:
    deny = {k: v for k, v in DENY_INSECURE.items() if k != "Condition"}
    assert permission([deny], "s3:PutObject") == PermissionResult.DENIED
