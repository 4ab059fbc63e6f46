"""Helpers for the notifier's integration tests (the webhook server is tests/support/webhook.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from ecsdrop.aws.clients import AwsClients
from ecsdrop.notify.runtime import NotifierRuntime
from tests.support.webhook import Received, Reply, Webhook

__all__ = ["Received", "Reply", "Sleeps", "Webhook", "warm_runtime"]


class Sleeps(list[float]):
    """Stands in for time.sleep: records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def warm_runtime(
    session: boto3.Session, secret_arn: str, sleep: Callable[[float], None], **more: Any
) -> NotifierRuntime:
    env = {"DESTINATIONS_SECRET_ARN": secret_arn, **more.pop("env", {})}
    return NotifierRuntime(env=env, clients=AwsClients(session), sleep=sleep, **more)
