"""The real template.yaml on the local cloud, installed with guardrails set (cases.PARAMETERS):
a role prefix, a registry allow-list, plaintext credentials rejected, a small spec size."""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ecsdrop_cli.stack import Stack
from localcloud import LocalCloud
from tests.e2e.hostile.cases import PARAMETERS
from tests.support.template import ROOT

# Each hostile upload ends well within this (LoadSpec and Finish, a second or two each);
# a parser that blew up on the input would hit the function's timeout long after it.
DEADLINE_SECONDS = 45.0


@dataclass
class Installation:
    cloud: LocalCloud
    stack: Stack

    def client(self, service: str) -> Any:
        return self.cloud.client(service)

    def wait_for_end(self, execution: str) -> dict[str, Any]:
        """describe_execution once the run is over; fails the test at the deadline."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            described: dict[str, Any] = sfn.describe_execution(executionArn=execution)
            if described["status"] != "RUNNING":
                return described
            time.sleep(0.2)
        pytest.fail(f"{execution} still running after {DEADLINE_SECONDS}s")


@pytest.fixture(scope="package")
def installation() -> Iterator[Installation]:
    with LocalCloud(
        ROOT / "template.yaml",
        stack_name="ecsdrop",
        parameters=PARAMETERS,
        time_scale=0.01,
    ) as cloud:
        args = argparse.Namespace(
            stack="ecsdrop", endpoint_url=cloud.endpoint, profile=None, region=None
        )
        yield Installation(cloud, Stack.discover(args))
