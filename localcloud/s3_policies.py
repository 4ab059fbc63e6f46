"""S3 bucket policies evaluated with a request context moto does not have.

moto checks object requests against the bucket policy but evaluates only `StringEquals`
conditions, with no request context: any other condition counts as met. The usual
"deny unless aws:SecureTransport" statement then denies every request. Here requests count as
TLS (as SDK calls to AWS are), and a statement whose conditions cannot be evaluated locally is
left out rather than applied blindly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket

from localcloud.patching import Patcher

_REQUEST_CONTEXT = {"aws:securetransport": "true"}
_BOOLEAN_OPERATORS = ("Bool", "BoolIfExists")


def _condition_holds(operator: str, key: str, expected: Any) -> bool | None:
    """True/False when evaluable here, None when not."""
    actual = _REQUEST_CONTEXT.get(key.lower())
    if actual is None or operator not in _BOOLEAN_OPERATORS:
        return None
    expected_values = expected if isinstance(expected, list) else [expected]
    return actual in [str(value).lower() for value in expected_values]


def statement_applies(statement: Mapping[str, Any]) -> bool:
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, expected in keys.items():
            if not _condition_holds(operator, key, expected):
                return False
    return True


def evaluable_policy(policy_text: str) -> str:
    """The policy reduced to the statements that apply here, without their conditions."""
    policy = json.loads(policy_text)
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    kept = [
        {key: value for key, value in statement.items() if key != "Condition"}
        for statement in statements
        if statement_applies(statement)
    ]
    return json.dumps({**policy, "Statement": kept})


def install_bucket_policy_context(patcher: Patcher) -> None:
    def get_permission(bucket: Any, action: str, resource: str) -> Any:
        if bucket.policy is None:
            return PermissionResult.NEUTRAL
        return IAMPolicy(evaluable_policy(bucket.policy.decode())).is_action_permitted(
            action, resource
        )

    patcher.replace(FakeBucket, "get_permission", get_permission)
