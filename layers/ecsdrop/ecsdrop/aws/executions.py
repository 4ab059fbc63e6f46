"""Step Functions executions: start the deploy workflow for a redeploy."""

from __future__ import annotations

import json
from typing import Any

from ecsdrop.aws.errors import aws_call, error_code
from ecsdrop.errors import AwsError


class Executions:
    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._sfn = client
        self._arn = state_machine_arn

    def start(self, name: str, request: dict[str, Any]) -> str | None:
        """Start an execution named ``name``; None when one of that name exists already
        (Step Functions keeps names unique, which makes a re-delivered trigger harmless)."""
        try:
            with aws_call("states:StartExecution"):
                response = self._sfn.start_execution(
                    stateMachineArn=self._arn, name=name, input=json.dumps(request)
                )
        except AwsError as e:
            if error_code(e) == "ExecutionAlreadyExists":
                return None
            raise
        return str(response["executionArn"])
