"""Step Functions task tokens: resume the workflow parked on a rollout."""

from __future__ import annotations

import json
from typing import Any

from ecsdrop.aws.errors import aws_call, error_code
from ecsdrop.errors import AwsError

# A token already used, timed out or from a finished execution: nothing is waiting on it.
_STALE = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"}


class TaskTokens:
    def __init__(self, client: Any) -> None:
        self._sfn = client

    def succeed(self, token: str, output: dict[str, Any]) -> bool:
        """Resume the waiting state with ``output``; False when nothing waits on the token."""
        return self._send(
            "states:SendTaskSuccess",
            "send_task_success",
            taskToken=token,
            output=json.dumps(output),
        )

    def fail(self, token: str, error: str, cause: str) -> bool:
        return self._send(
            "states:SendTaskFailure",
            "send_task_failure",
            taskToken=token,
            error=error[:256],
            cause=cause[:32768],
        )

    def _send(self, action: str, operation: str, **arguments: Any) -> bool:
        try:
            with aws_call(action):
                getattr(self._sfn, operation)(**arguments)
        except AwsError as e:
            if error_code(e) in _STALE:
                return False
            raise
        return True
