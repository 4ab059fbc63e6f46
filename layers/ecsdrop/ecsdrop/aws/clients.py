"""boto3 clients, made on first use (never at import) with ecsdrop's retry settings."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config

# botocore's standard mode retries throttling and 5xx with exponential backoff and jitter;
# what outlasts these attempts surfaces as TransientAwsError and the state machine retries.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    user_agent_extra="ecsdrop",
    connect_timeout=5,
    read_timeout=30,
)


class AwsClients:
    """One boto3 session and its clients. ``AWS_ENDPOINT_URL`` (the local cloud) is honoured
    by botocore itself, so nothing here knows whether it talks to AWS or to an emulator."""

    def __init__(self, session: boto3.Session | None = None) -> None:
        self._session = session

    @cached_property
    def session(self) -> boto3.Session:
        return self._session or boto3.Session()

    def client(self, service: str) -> Any:
        return self.session.client(service, config=CLIENT_CONFIG)  # type: ignore[call-overload]

    @cached_property
    def ecs(self) -> Any:
        return self.client("ecs")

    @cached_property
    def ec2(self) -> Any:
        return self.client("ec2")

    @cached_property
    def elbv2(self) -> Any:
        return self.client("elbv2")

    @cached_property
    def ecr(self) -> Any:
        return self.client("ecr")

    @cached_property
    def logs(self) -> Any:
        return self.client("logs")

    @cached_property
    def s3(self) -> Any:
        return self.client("s3")

    @cached_property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @cached_property
    def events(self) -> Any:
        return self.client("events")

    @cached_property
    def stepfunctions(self) -> Any:
        return self.client("stepfunctions")

    @cached_property
    def autoscaling(self) -> Any:
        return self.client("application-autoscaling")

    @cached_property
    def scheduler(self) -> Any:
        return self.client("scheduler")

    @cached_property
    def tagging(self) -> Any:
        return self.client("resourcegroupstaggingapi")
