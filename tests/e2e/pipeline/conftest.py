"""The real template.yaml on the embedded local cloud, shared by this package's tests.

Each test deploys its own service (a renamed scorekeep), so tests do not depend on each
other's leftovers; faults are cleared after every test.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ecsdrop_cli.deploy_commands import find_execution, follow, started_by_upload, upload
from ecsdrop_cli.local_commands import push_image
from ecsdrop_cli.main import main
from ecsdrop_cli.stack import Stack
from localcloud import LocalCloud
from tests.support.quotas import MANY_SERVICES
from tests.support.template import ROOT

DEPLOY_DEADLINE = 120.0


@dataclass
class Pipeline:
    cloud: LocalCloud
    stack: Stack

    def client(self, service: str) -> Any:
        return self.cloud.client(service)

    def push(self, repository: str, tag: str, content: str) -> str:
        return push_image(self.client("ecr"), repository, tag, content)

    def submit(self, spec: str, service: str) -> dict[str, Any]:
        """Upload specs/<service>.yaml and follow the deployment it starts to its end."""
        key = f"specs/{service}.yaml"
        version = upload(self.stack, key, spec.encode())
        return self.follow(started_by_upload(key, version), service)

    def follow(self, wanted: Callable[[dict[str, Any]], bool], service: str) -> dict[str, Any]:
        sfn = self.client("stepfunctions")
        execution = find_execution(sfn, self.stack.state_machine_arn, wanted)
        assert execution is not None, "no execution started"
        result = follow(self.stack, execution, service, DEPLOY_DEADLINE, io.StringIO())
        assert result["status"] != "RUNNING", f"{execution} still running after the deadline"
        return result

    def upload(self, key: str, text: str) -> str | None:
        return upload(self.stack, key, text.encode())

    def delete(self, key: str, service: str) -> dict[str, Any]:
        """Delete the spec (a delete marker, as `aws s3 rm` makes) and follow the run."""
        marker = self.client("s3").delete_object(Bucket=self.stack.bucket, Key=key)["VersionId"]

        def wanted(started: dict[str, Any]) -> bool:
            obj = (started.get("detail") or {}).get("object") or {}
            return bool(obj.get("key") == key and obj.get("version-id") == marker)

        return self.follow(wanted, service)

    def redeploy_of(self, service: str) -> dict[str, Any]:
        """Follow the newest redeploy (an ECR push, a rollback) of ``service``."""

        def wanted(started: dict[str, Any]) -> bool:
            return bool((started.get("redeploy") or {}).get("service") == service)

        return self.follow(wanted, service)

    def executions_of(self, service: str) -> list[dict[str, Any]]:
        """The inputs of every execution that concerns ``service`` (uploads, deletes and
        redeploys), newest first."""
        sfn = self.client("stepfunctions")
        listed = sfn.list_executions(stateMachineArn=self.stack.state_machine_arn)["executions"]
        inputs = [
            json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])
            for e in listed
        ]
        return [i for i in inputs if _concerns(i, service)]

    def cli(self, *args: str) -> int:
        """Run `ecsdrop ARGS --endpoint-url <the local cloud>` in this process."""
        return main([*args, "--endpoint-url", self.cloud.endpoint])

    def state(self, service: str) -> dict[str, Any]:
        from ecsdrop.aws.store import StateStore

        current = StateStore(self.client("dynamodb"), self.stack.table).get_state(service)
        assert current is not None
        return current


@contextlib.contextmanager
def pipeline_from(template: Path) -> Iterator[Pipeline]:
    """A local cloud running `template` as the stack `ecsdrop`, scorekeep's images pushed."""
    with LocalCloud(
        template,
        stack_name="ecsdrop",
        time_scale=0.01,
        quotas=MANY_SERVICES,  # a service (and a VPC) per test, all kept: tests/support/quotas.py
    ) as cloud:
        args = argparse.Namespace(
            stack="ecsdrop", endpoint_url=cloud.endpoint, profile=None, region=None
        )
        running = Pipeline(cloud, Stack.discover(args))
        for repository in ("scorekeep-frontend", "scorekeep-api"):
            running.push(repository, "latest", "v1")
        yield running


@pytest.fixture(scope="package")
def pipeline() -> Iterator[Pipeline]:
    with pipeline_from(ROOT / "template.yaml") as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults_after(pipeline: Pipeline) -> Iterator[None]:
    yield
    pipeline.cloud.clear_faults()


def _concerns(started: dict[str, Any], service: str) -> bool:
    key = ((started.get("detail") or {}).get("object") or {}).get("key", "")
    request = started.get("redeploy") or started.get("delete") or started.get("prepare") or {}
    return bool(
        request.get("service") == service or key.rsplit("/", 1)[-1].split(".")[0] == service
    )


def scorekeep(name: str, **replacements: str) -> str:
    """examples/scorekeep.yaml as service ``name`` (with other text replaced as given)."""
    text = (ROOT / "examples" / "scorekeep.yaml").read_text()
    text = text.replace("name: scorekeep\n", f"name: {name}\n")
    text = text.replace("family: scorekeep\n", f"family: {name}\n")
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


def spec_file(tmp_path: Path, text: str) -> str:
    """``text`` as a spec file for the CLI."""
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return str(path)


def wait_until(predicate: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()
