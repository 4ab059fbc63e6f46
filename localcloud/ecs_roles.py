"""ECS acting as a service's infrastructure role: a blue/green, linear or canary deployment
invokes its Lambda lifecycle hooks and rewrites its listener rules as the role the service names
(`roleArn` of the hook, of the load balancer's advancedConfiguration), as AWS does. With IAM on,
the role must exist, trust ecs.amazonaws.com, and allow the call; the hook is invoked over HTTP
with the role's credentials, the path a boto3 call takes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from localcloud.iam import Authorizer, RoleSessions
from localcloud.iam_policy import Check

ECS_PRINCIPAL = "ecs.amazonaws.com"
ClientFactory = Callable[..., Any]


class EcsRoles:
    """What ECS may do as a role; None for `authorizer`: IAM is off, everything is allowed."""

    def __init__(
        self, client: ClientFactory, sessions: RoleSessions, authorizer: Authorizer | None
    ) -> None:
        self._client = client
        self._sessions = sessions
        self._authorizer = authorizer

    def refusal(self, role_arn: str, action: str, resource: str) -> str | None:
        """Why ECS may not call ``action`` on ``resource`` as the role (None: it may)."""
        if self._authorizer is None:
            return None
        return self._authorizer.refusal(role_arn, ECS_PRINCIPAL, [Check(action, (resource,))])

    def invoke_hook(
        self, role_arn: str, function_arn: str, payload: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, str | None]:
        """Invoke a Lambda hook as the role: (its answer, None), or (None, why it failed)."""
        why = self.refusal(role_arn, "lambda:InvokeFunction", function_arn)
        if why is not None:
            return None, why
        try:
            answer = self._lambda_as(role_arn).invoke(
                FunctionName=function_arn, Payload=json.dumps(payload, default=str).encode()
            )
        except (ClientError, BotoCoreError) as error:
            return None, str(error)
        body = answer["Payload"].read().decode("utf-8", "replace")
        if answer.get("FunctionError"):
            return None, f"{answer['FunctionError']}: {body[:500]}"
        try:
            parsed = json.loads(body)
        except ValueError:
            return None, f"the hook answered no JSON: {body[:200]}"
        return (parsed, None) if isinstance(parsed, dict) else (None, f"the hook answered {body}")

    def _lambda_as(self, role_arn: str) -> Any:
        if self._authorizer is None:
            return self._client("lambda")
        key, secret, token = self._sessions.credentials_for("ecs-lifecycle-hook", role_arn)
        return self._client(
            "lambda", aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token
        )
