"""A real webhook on 127.0.0.1, the destinations secret in moto, and the notifier handler."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

import ecsdrop.notify.runtime as notify_runtime
from ecsdrop.notify.runtime import NotifierRuntime
from tests.integration.deploy.conftest import aws, stack  # noqa: F401 -- moto fixtures, reused
from tests.support.handlers import FakeLambdaContext, load_handler
from tests.support.webhook import Webhook, closed_port_url


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with Webhook() as running:
        yield running


@pytest.fixture
def closed_url() -> str:
    return closed_port_url()


@pytest.fixture
def destinations_secret(aws: boto3.Session) -> Callable[..., str]:  # noqa: F811
    """Store ``{"destinations": [...]}`` in moto's Secrets Manager; returns the secret's ARN."""
    client = aws.client("secretsmanager")

    def store(*destinations: dict[str, Any], name: str = "ecsdrop-destinations") -> str:
        arn: str = client.create_secret(
            Name=name, SecretString=json.dumps({"destinations": list(destinations)})
        )["ARN"]
        return arn

    return store


@pytest.fixture
def notifier_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Point the function's environment at a secret, as template.yaml does."""

    def wire(secret_arn: str) -> None:
        monkeypatch.setenv("DESTINATIONS_SECRET_ARN", secret_arn)

    return wire


@pytest.fixture
def invoke_notifier(
    aws: boto3.Session,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., dict[str, Any]]]:
    """Call functions/notifier/app.py as Lambda would. With ``runtime``, that warm container
    is used (to inject a clock or a sleep); without, a cold start reads the environment."""
    for name, value in {
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "ecsdrop",
        "POWERTOOLS_METRICS_NAMESPACE": "ecsdrop",
    }.items():
        monkeypatch.setenv(name, value)
    handler = load_handler("notifier")  # imports ecsdrop.observability, if nothing did yet
    # Metrics reads its namespace when ecsdrop.observability is first imported, which another
    # test may have done before this environment was set. (Imported here, not at the top:
    # importing it at collection time would do the same to the other handlers' tests.)
    from ecsdrop import observability

    monkeypatch.setattr(observability.metrics, "namespace", "ecsdrop")

    def invoke(event: dict[str, Any], runtime: NotifierRuntime | None = None) -> dict[str, Any]:
        notify_runtime._runtime = runtime
        result: dict[str, Any] = handler.lambda_handler(event, FakeLambdaContext())
        return result

    yield invoke
    notify_runtime._runtime = None
