"""CloudWatch Logs: the service's log group."""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.errors import aws_call
from ecsdrop.errors import AlreadyExistsError


class Logs:
    def __init__(self, client: Any) -> None:
        self._logs = client

    def create_log_group(self, name: str, tags: dict[str, str]) -> bool:
        """Create the group; False when it already existed."""
        try:
            with aws_call("logs:CreateLogGroup"):
                self._logs.create_log_group(logGroupName=name, tags=tags)
        except AlreadyExistsError:
            return False
        return True

    def set_retention(self, name: str, retention_days: int) -> None:
        with aws_call("logs:PutRetentionPolicy"):
            self._logs.put_retention_policy(logGroupName=name, retentionInDays=retention_days)

    def delete_log_group(self, name: str) -> None:
        with aws_call("logs:DeleteLogGroup"):
            self._logs.delete_log_group(logGroupName=name)
