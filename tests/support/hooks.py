"""ECS lifecycle hooks as Lambda functions in the local cloud, for the tests and the bench."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

from tests.support.iam import trust_policy


def hook_function(client: Callable[[str], Any], name: str, answer: dict[str, Any]) -> str:
    """A Lambda function (made with ``client``, a boto3 client factory) that answers every
    hook invocation with ``answer`` and logs the payload ECS sent it after "HOOK "; its ARN."""
    role = client("iam").create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com")
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr(
            "hook.py",
            "import json\n"
            "def handler(event, context):\n"
            "    print('HOOK ' + json.dumps(event))\n"
            f"    return {answer!r}\n",
        )
    created = client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="hook.handler",
        Code={"ZipFile": code.getvalue()},
    )
    return str(created["FunctionArn"])
