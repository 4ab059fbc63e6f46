"""Finding an ecsdrop installation: its CloudFormation stack's outputs, in AWS or locally."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from ecsdrop.aws.bucket import SpecBucket
from ecsdrop.aws.store import StateStore
from ecsdrop_cli.arguments import endpoint_url, stack_name

DEFAULT_STACK = "ecsdrop"


class StackNotFound(Exception):
    """No ecsdrop stack answers where the command looked."""


def add_stack_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stack",
        default=os.environ.get("ECSDROP_STACK", DEFAULT_STACK),
        type=stack_name,
        help="the ecsdrop stack's name (default: ecsdrop, or $ECSDROP_STACK)",
    )
    parser.add_argument(
        "--endpoint-url",
        default=os.environ.get("AWS_ENDPOINT_URL"),
        type=endpoint_url,
        help="talk to this endpoint instead of AWS (the local cloud: http://127.0.0.1:4566)",
    )
    parser.add_argument("--profile", default=None, help="AWS profile (real AWS)")
    parser.add_argument("--region", default=None, help="AWS region")


@dataclass(frozen=True)
class Stack:
    """The installation's resources and clients to reach them."""

    name: str
    session: boto3.Session
    endpoint_url: str | None
    bucket: str
    state_machine_arn: str
    table: str
    event_bus: str

    plan_function: str = ""  # older stacks have no Plan function (no `ecsdrop diff`)
    dead_letter_queues: str = ""  # JSON {queue URL: target ARN}; older stacks have none

    def client(self, service: str) -> Any:
        return _client(self.session, service, self.endpoint_url)

    @cached_property
    def store(self) -> StateStore:
        """The installation's state table, read the way the pipeline reads it."""
        return StateStore(self.client("dynamodb"), self.table)

    @cached_property
    def bucket_store(self) -> SpecBucket:
        return SpecBucket(self.client("s3"), self.bucket)

    @classmethod
    def discover(cls, args: argparse.Namespace) -> Stack:
        """The stack's outputs, or StackNotFound. Anything else (no credentials, no region,
        nothing answering, access denied) is the command line's to report."""
        session = _session(args)
        try:
            stacks = _client(session, "cloudformation", args.endpoint_url).describe_stacks(
                StackName=args.stack
            )["Stacks"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") != "ValidationError":
                raise
            where = args.endpoint_url or "AWS"
            reason = e.response["Error"].get("Message")
            raise StackNotFound(
                f"no ecsdrop stack {args.stack!r} at {where} ({reason}); "
                "is `ecsdrop local up` running, or the stack deployed?"
            ) from None
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
        missing = {"BucketName", "StateMachineArn", "TableName", "EventBusName"} - set(outputs)
        if missing:
            raise StackNotFound(f"stack {args.stack!r} lacks outputs {', '.join(sorted(missing))}")
        return cls(
            name=args.stack,
            session=session,
            endpoint_url=args.endpoint_url,
            bucket=outputs["BucketName"],
            state_machine_arn=outputs["StateMachineArn"],
            table=outputs["TableName"],
            event_bus=outputs["EventBusName"],
            plan_function=outputs.get("PlanFunctionName", ""),
            dead_letter_queues=outputs.get("DeadLetterQueues", ""),
        )


def _session(args: argparse.Namespace) -> boto3.Session:
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if args.endpoint_url:
        # The local cloud takes any credentials; do not make people configure some.
        return boto3.Session(
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
            region_name=region or "us-east-1",
        )
    return boto3.Session(profile_name=args.profile, region_name=region)


def _client(session: boto3.Session, service: str, endpoint_url: str | None) -> Any:
    config = Config(retries={"mode": "standard", "max_attempts": 5}, user_agent_extra="ecsdrop-cli")
    return session.client(service, endpoint_url=endpoint_url, config=config)  # type: ignore[call-overload]
