"""Driving ecsdrop's real pipeline on the local cloud, as a user does: upload a spec, wait.

The driver signs with its own access key id, so the call log tells its calls (uploads,
waiting on Step Functions) from the pipeline's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3

from bench.settings import CLUSTER, DRIVER_KEY, IMAGES, STACK, TEMPLATE
from ecsdrop_cli.deploy_commands import find_execution, started_by_upload
from ecsdrop_cli.local_commands import push_image
from ecsdrop_cli.stack import Stack
from localcloud import LocalCloud

_POLL_SECONDS = 0.05
_QUIET_SECONDS = 0.5
_SETTLE_LIMIT_SECONDS = 10.0
DEPLOY_DEADLINE_SECONDS = 180.0


class BenchError(Exception):
    """A deployment the benchmark needs did not go as it must."""


@dataclass(frozen=True)
class Upload:
    key: str
    version: str | None
    put_at: float  # when the PutObject reached the endpoint (epoch seconds)


@dataclass(frozen=True)
class Run:
    """One deployment, end to end."""

    upload: Upload
    execution_arn: str
    status: str
    started_at: float
    stopped_at: float
    settled_at: float  # when the pipeline had made no call for a moment after the end
    history: list[dict[str, Any]]

    @property
    def seconds(self) -> float:
        """From the spec's upload to the end of the workflow."""
        return self.stopped_at - self.upload.put_at


@contextmanager
def local_cloud(**options: Any) -> Iterator[LocalCloud]:
    """The local cloud of the side-by-side runs: the fast profile, whose rollouts last what the
    run sets, so ecsdrop's own overhead can be told from the rollout's length."""
    with LocalCloud(TEMPLATE, stack_name=STACK, profile="fast", **options) as cloud:
        yield cloud


class Pipeline:
    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        session = boto3.Session(
            aws_access_key_id=DRIVER_KEY, aws_secret_access_key="bench", region_name=cloud.region
        )
        outputs = cloud.outputs
        self.stack = Stack(
            name=STACK,
            session=session,
            endpoint_url=cloud.endpoint,
            bucket=str(outputs["BucketName"]),
            state_machine_arn=str(outputs["StateMachineArn"]),
            table=str(outputs["TableName"]),
            event_bus=str(outputs["EventBusName"]),
        )
        self.sfn = self.client("stepfunctions")

    def client(self, service: str) -> Any:
        return self.stack.client(service)

    def push_images(self, tag: str, content: str) -> None:
        for repository in IMAGES:
            self.push(repository, tag, content)

    def push(self, repository: str, tag: str, content: str) -> str:
        return push_image(self.client("ecr"), repository, tag, content)

    # -- one deployment --------------------------------------------------------------------------

    def upload(self, service: str, spec: str) -> Upload:
        key = f"specs/{service}.yaml"
        before = time.time()
        put = self.client("s3").put_object(Bucket=self.stack.bucket, Key=key, Body=spec.encode())
        return Upload(key, put.get("VersionId"), self._driver_put_time(before))

    def _driver_put_time(self, since: float) -> float:
        puts = [
            call.at
            for call in self.cloud.call_log()
            if call.caller == DRIVER_KEY and call.name == "s3:PutObject" and call.at >= since
        ]
        return min(puts) if puts else since

    def deploy(self, service: str, spec: str) -> Run:
        """Upload the spec, follow the execution it starts to its end, let the pipeline settle."""
        upload = self.upload(service, spec)
        arn = find_execution(
            self.sfn, self.stack.state_machine_arn, started_by_upload(upload.key, upload.version)
        )
        if arn is None:
            raise BenchError(f"no execution started for {upload.key}")
        return self.finish(upload, arn)

    def finish(self, upload: Upload, arn: str) -> Run:
        described = self.wait_for(arn, time.monotonic() + DEPLOY_DEADLINE_SECONDS)
        settled_at = self.settle()
        return Run(
            upload=upload,
            execution_arn=arn,
            status=str(described["status"]),
            started_at=described["startDate"].timestamp(),
            stopped_at=described["stopDate"].timestamp(),
            settled_at=settled_at,
            history=self.history(arn),
        )

    def wait_for(self, arn: str, deadline: float) -> dict[str, Any]:
        while time.monotonic() < deadline:
            described: dict[str, Any] = self.sfn.describe_execution(executionArn=arn)
            if described["status"] != "RUNNING":
                return described
            time.sleep(_POLL_SECONDS)
        raise BenchError(f"{arn} still running after the deadline")

    def settle(self) -> float:
        """Wait until the pipeline has made no call for a moment (asynchronous event handlers
        such as the notifier run after the workflow ends); return when it was quiet."""
        deadline = time.monotonic() + _SETTLE_LIMIT_SECONDS
        while time.monotonic() < deadline:
            pipeline_calls = [c for c in self.cloud.call_log() if c.caller != DRIVER_KEY]
            last = pipeline_calls[-1].at if pipeline_calls else 0.0
            if time.time() - last >= _QUIET_SECONDS:
                break
            time.sleep(_POLL_SECONDS)
        return time.time()

    def history(self, arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self.sfn.get_execution_history(
                executionArn=arn, maxResults=1000, **({"nextToken": token} if token else {})
            )
            events.extend(page["events"])
            token = page.get("nextToken")
            if not token:
                return events

    def execution_input(self, arn: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(
            self.sfn.describe_execution(executionArn=arn).get("input") or "{}"
        )
        return loaded

    # -- what ECS did ----------------------------------------------------------------------------

    def service(self, name: str) -> dict[str, Any]:
        ecs = self.client("ecs")
        (described,) = ecs.describe_services(cluster=CLUSTER, services=[name])["services"]
        return dict(described)

    def last_rollout_seconds(self, name: str) -> float:
        """How long ECS's last completed rollout of the service took (its primary deployment,
        created by the deployer's call, updated when it completed)."""
        primary = next(d for d in self.service(name)["deployments"] if d["status"] == "PRIMARY")
        if primary.get("rolloutState") != "COMPLETED":
            raise BenchError(f"{name}: the last rollout did not complete: {primary}")
        return float((primary["updatedAt"] - primary["createdAt"]).total_seconds())
