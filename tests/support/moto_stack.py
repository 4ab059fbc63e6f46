"""An ecsdrop installation inside moto: the bucket, table and bus of template.yaml, and a
driver that runs the deploy steps in the state machine's order (the e2e tests run the real
state machine through the local cloud; these run the steps one by one)."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import boto3

from ecsdrop.aws.clients import AwsClients
from ecsdrop.deploy.finish import conclude
from ecsdrop.deploy.load import load
from ecsdrop.deploy.load_balancer import ensure_load_balancer
from ecsdrop.deploy.lock import begin
from ecsdrop.deploy.network import network_step
from ecsdrop.deploy.rollback import roll_back
from ecsdrop.deploy.schedule import deploy_schedule
from ecsdrop.deploy.service import deploy_service
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.deploy.task_definition import register_task_definition
from ecsdrop.deploy.teardown import undo
from ecsdrop.runtime import Runtime
from tests.support.architecture import tagged_network
from tests.support.template import ROOT, resource

ACCOUNT = "123456789012"
REGION = "us-east-1"
BUCKET = "ecsdrop-specbucket"
TABLE = "ecsdrop-state"
BUS = "ecsdrop-events"
EVENTS = ROOT / "events"


def real_event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


def create_table(session: boto3.Session) -> None:
    """The state table exactly as template.yaml declares it."""
    props = resource("StateTable")["Properties"]
    session.client("dynamodb").create_table(
        TableName=TABLE,
        BillingMode=props["BillingMode"],
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
    )


@dataclass
class MotoStack:
    session: boto3.Session
    runtime: Runtime = field(init=False)
    queue_url: str = field(init=False)
    executions: int = 0

    def __post_init__(self) -> None:
        s3 = self.session.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        create_table(self.session)
        events = self.session.client("events")
        events.create_event_bus(Name=BUS)
        sqs = self.session.client("sqs")
        self.queue_url = sqs.create_queue(QueueName="published")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        events.put_rule(
            Name="all", EventBusName=BUS, EventPattern=json.dumps({"source": ["ecsdrop"]})
        )
        events.put_targets(Rule="all", EventBusName=BUS, Targets=[{"Id": "q", "Arn": queue_arn}])
        self.runtime = Runtime(
            env={
                "TABLE_NAME": TABLE,
                "BUCKET_NAME": BUCKET,
                "EVENT_BUS_NAME": BUS,
                "AWS_REGION": REGION,
                "ACCOUNT_ID": ACCOUNT,
            },
            clients=AwsClients(self.session),
        )

    # ------------------------------------------------------------------ inputs

    def push_image(self, repository: str, tag: str, content: str = "v1") -> str:
        ecr = self.session.client("ecr")
        with contextlib.suppress(ecr.exceptions.RepositoryAlreadyExistsException):
            ecr.create_repository(repositoryName=repository)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {
                    "mediaType": "application/vnd.docker.container.image.v1+json",
                    "size": 1,
                    "digest": "sha256:" + hashlib.sha256(b"config").hexdigest(),
                },
                # moto derives the image digest from the layers' digests
                "layers": [
                    {
                        "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                        "size": 1,
                        "digest": "sha256:" + hashlib.sha256(content.encode()).hexdigest(),
                    }
                ],
            }
        )
        image = ecr.put_image(repositoryName=repository, imageTag=tag, imageManifest=manifest)
        return str(image["image"]["imageId"]["imageDigest"])

    def upload(self, text: str, key: str = "specs/scorekeep.yaml") -> str:
        put = self.session.client("s3").put_object(Bucket=BUCKET, Key=key, Body=text.encode())
        return str(put["VersionId"])

    def s3_event(self, key: str, version_id: str) -> dict[str, Any]:
        event = copy.deepcopy(real_event("s3-object-created.json"))
        event["detail"]["bucket"]["name"] = BUCKET
        event["detail"]["object"]["key"] = key
        event["detail"]["object"]["version-id"] = version_id
        return event

    def execution(self) -> dict[str, str]:
        self.executions += 1
        name = f"run-{self.executions}"
        return {
            "name": name,
            "id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:ecsdrop-deploy:{name}",
            "startTime": "2026-11-28T12:00:00.000Z",
        }

    # ------------------------------------------------------------------ the steps

    def start(self, text: str, key: str = "specs/scorekeep.yaml") -> dict[str, Any]:
        """Upload, then load and lock, as the workflow's first two states."""
        return self.deliver(self.s3_event(key, self.upload(text, key)))

    def deliver(self, event: dict[str, Any]) -> dict[str, Any]:
        """Load and lock ``event`` in a new execution, as the workflow's first two states."""
        rt = self.runtime
        state = load(event, self.execution(), rt.bucket, rt.guardrails, rt.installation).to_json()
        state["lock"] = begin(
            WorkflowState.from_json(state),
            rt.store,
            rt.bucket,
            rt.reporter,
            rt.ownership,
        ).to_json()
        return state

    def step(self, state: dict[str, Any], name: str) -> dict[str, Any]:
        rt = self.runtime
        current = WorkflowState.from_json(state)
        ledger = rt.ledger(current.deployment.id)
        if name == "taskDefinition":
            result = register_task_definition(
                current, rt.ecs, rt.ecr, lambda: rt.logs, ledger, installation=rt.installation
            )
        elif name == "network":
            # as the workflow does: build, then look again while NAT gateways are pending
            result = network_step(current, lambda: rt.ec2, ledger)
            while result.nat_pending:
                current = replace(current, steps=replace(current.steps, network=result))
                result = network_step(current, lambda: rt.ec2, ledger)
        elif name == "loadBalancer":
            result = ensure_load_balancer(current, lambda: rt.elbv2, ledger)
        elif name == "schedule":
            result = deploy_schedule(current, rt.scheduler, rt.ecs, ledger, rt.installation)
        else:
            result = deploy_service(
                current,
                rt.ecs,
                rt.autoscaling,
                ledger,
                now=time.time(),
                check_seconds=300,
                installation=rt.installation,
            )
        state["steps"][name] = result.to_json()
        return state["steps"][name]  # type: ignore[no-any-return]

    def deploy(self, text: str, key: str = "specs/scorekeep.yaml") -> dict[str, Any]:
        """The happy path up to and including Record (the rollout is taken as settled)."""
        state = self.start(text, key)
        if state["lock"]["noop"]:
            conclude({"outcome": "NOOP", "state": state}, self.runtime.reporter)
            return state
        last = "schedule" if state["spec"].get("schedule") else "service"
        for name in ("taskDefinition", "network", "loadBalancer", last):
            self.step(state, name)
        reported = conclude({"outcome": "SUCCEEDED", "state": state}, self.runtime.reporter)
        state["report"] = reported.to_json()
        return state

    def delete(self, key: str = "specs/scorekeep.yaml") -> dict[str, Any]:
        """Delete the spec (a delete marker) and run the deletion as the workflow does:
        load, lock, tear down (when there is something to delete), record."""
        rt = self.runtime
        marker = self.session.client("s3").delete_object(Bucket=BUCKET, Key=key)["VersionId"]
        event = copy.deepcopy(real_event("s3-object-deleted.json"))
        event["detail"]["bucket"]["name"] = BUCKET
        event["detail"]["object"].update({"key": key, "version-id": marker})
        loaded = load(
            event, self.execution(), rt.bucket, rt.guardrails, rt.installation, store=rt.store
        ).to_json()
        if "ignored" in loaded:
            return loaded
        loaded["lock"] = begin(
            WorkflowState.from_json(loaded),
            rt.store,
            rt.bucket,
            rt.reporter,
            rt.ownership,
        ).to_json()
        if loaded["lock"]["noop"]:
            return loaded
        loaded["teardown"] = undo(WorkflowState.from_json(loaded), rt.teardown).to_json()
        loaded["report"] = conclude({"outcome": "DELETE", "state": loaded}, rt.reporter).to_json()
        return loaded

    def fail_and_roll_back(self, state: dict[str, Any], error: str = "X") -> dict[str, Any]:
        entries = self.runtime.ledger(state["deployment"]["id"]).entries()
        report = roll_back(entries, self.runtime.gateways).result().to_json()
        state["rollback"] = report
        state["error"] = {
            "Error": error,
            "Cause": json.dumps({"errorMessage": f"{error} happened"}),
        }
        state["report"] = conclude(
            {"outcome": report["outcome"], "state": state}, self.runtime.reporter
        ).to_json()
        return state

    # ------------------------------------------------------------------ observations

    def published(self) -> list[dict[str, Any]]:
        sqs = self.session.client("sqs")
        found = []
        while True:
            messages = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return found
            for message in messages:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def status_object(self, service: str) -> dict[str, Any]:
        body = self.session.client("s3").get_object(Bucket=BUCKET, Key=f"status/{service}.json")
        loaded: dict[str, Any] = json.loads(body["Body"].read())
        return loaded

    def tagged_network(self, service: str) -> dict[str, list[str]]:
        return tagged_network(self.session.client, service)


def example(name: str) -> str:
    return (ROOT / "examples" / name).read_text()


def spec_path(name: str) -> Path:
    return ROOT / "examples" / name
