from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from tests.support.moto_stack import ACCOUNT, BUCKET, BUS, REGION, TABLE, MotoStack


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        # moto reports a new service's rollout COMPLETED only when it "runs" this many tasks
        "MOTO_ECS_SERVICE_RUNNING": "10",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.Session(region_name=REGION)


@pytest.fixture
def stack(aws: boto3.Session) -> MotoStack:
    created = MotoStack(aws)
    created.push_image("scorekeep-frontend", "latest", "frontend-1")
    created.push_image("scorekeep-api", "latest", "api-1")
    return created


@pytest.fixture
def wired(monkeypatch: pytest.MonkeyPatch, stack: MotoStack) -> MotoStack:
    """The stack, with the environment template.yaml gives the functions."""
    for name, value in {
        "TABLE_NAME": TABLE,
        "BUCKET_NAME": BUCKET,
        "EVENT_BUS_NAME": BUS,
        "AWS_REGION": REGION,
        "ACCOUNT_ID": ACCOUNT,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "ecsdrop",
        "POWERTOOLS_METRICS_NAMESPACE": "ecsdrop",
    }.items():
        monkeypatch.setenv(name, value)
    return stack
