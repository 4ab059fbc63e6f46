"""CloudWatch Logs as ECS's awslogs driver uses it: whether a group exists, creating a group
or a stream, writing a line. Everything the local cloud does with moto's Logs internals is here."""

from __future__ import annotations

from moto.logs.exceptions import LogsClientError
from moto.logs.models import logs_backends


def log_group_exists(account_id: str, region: str, group: str) -> bool:
    return group in logs_backends[account_id][region].groups


def ensure_log_group(account_id: str, region: str, group: str) -> None:
    """Create the group unless it exists (`awslogs-create-group`)."""
    logs_backends[account_id][region].ensure_log_group(group)


def ensure_log_stream(account_id: str, region: str, group: str, stream: str) -> bool:
    """Create the stream in the group unless it exists; False when the group is gone."""
    try:
        logs_backends[account_id][region].ensure_log_stream(group, stream)
    except LogsClientError:  # ResourceNotFoundException: no such group
        return False
    return True


def put_log_line(
    account_id: str, region: str, group: str, stream: str, *, message: str, timestamp_ms: int
) -> bool:
    """Append one event to the stream; False when the group or the stream is gone (the
    driver's line is lost, as a container's is when its group is deleted under it)."""
    event = {"timestamp": timestamp_ms, "message": message}
    try:
        logs_backends[account_id][region].put_log_events(group, stream, [event])
    except LogsClientError:
        return False
    return True
