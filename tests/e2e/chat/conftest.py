"""A local cloud whose chat destinations are real HTTP servers on 127.0.0.1, configured
before any deployment (the notifier caches its destinations for a minute)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ecsdrop_cli.stack import Stack
from localcloud import LocalCloud
from tests.e2e.pipeline.conftest import Pipeline
from tests.support.quotas import MANY_SERVICES
from tests.support.template import ROOT
from tests.support.webhook import Reply, Webhook, closed_port_url


@dataclass
class ChatPipeline(Pipeline):
    webhook: Webhook

    def received(self, path: str) -> list[dict[str, Any]]:
        return [r.body for r in self.webhook.at(path)]


@pytest.fixture(scope="package")
def chat() -> Iterator[ChatPipeline]:
    with (
        Webhook() as hook,
        LocalCloud(
            ROOT / "template.yaml",
            stack_name="ecsdrop",
            time_scale=0.01,
            quotas=MANY_SERVICES,  # a VPC per test, all kept: tests/support/quotas.py
        ) as cloud,
    ):
        hook.answer("/flaky", Reply(status=500), Reply(status=500))
        destinations = [
            {"name": "team", "type": "slack", "url": hook.url("/slack")},
            {"name": "flaky", "type": "json", "url": hook.url("/flaky"), "states": ["SUCCEEDED"]},
            {"name": "down", "type": "discord", "url": closed_port_url()},
        ]
        cloud.client("secretsmanager").put_secret_value(
            SecretId=cloud.outputs["DestinationsSecretArn"],
            SecretString=json.dumps({"destinations": destinations}),
        )
        args = argparse.Namespace(
            stack="ecsdrop", endpoint_url=cloud.endpoint, profile=None, region=None
        )
        running = ChatPipeline(cloud, Stack.discover(args), hook)
        for repository in ("scorekeep-frontend", "scorekeep-api"):
            running.push(repository, "latest", "v1")
        yield running
