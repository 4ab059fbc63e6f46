"""CloudWatch Logs: the service's log group."""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.errors import aws_call
from ecsdrop.errors import AlreadyExistsError, NotFoundError


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

    def events(
        self, group: str, stream: str, token: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The stream's events after ``token`` (from its start without one), and the token
        to ask with next time; none while the stream does not exist yet."""
        kwargs: dict[str, Any] = {"logGroupName": group, "logStreamName": stream}
        kwargs.update({"nextToken": token} if token else {"startFromHead": True})
        try:
            with aws_call("logs:GetLogEvents"):
                response = self._logs.get_log_events(**kwargs)
        except NotFoundError:
            return [], token
        return list(response.get("events", [])), response.get("nextForwardToken") or token

    def last_events(self, group: str, stream: str, limit: int) -> list[dict[str, Any]]:
        """The stream's last ``limit`` events, oldest first; none when it does not exist."""
        try:
            with aws_call("logs:GetLogEvents"):
                response = self._logs.get_log_events(
                    logGroupName=group, logStreamName=stream, startFromHead=False, limit=limit
                )
        except NotFoundError:
            return []
        return list(response.get("events", []))

    def delete_log_group(self, name: str) -> None:
        with aws_call("logs:DeleteLogGroup"):
            self._logs.delete_log_group(logGroupName=name)
