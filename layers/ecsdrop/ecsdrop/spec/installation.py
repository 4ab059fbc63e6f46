"""Facts about the installation a spec is deployed by: account, region, and stack defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecsdrop.partitions import partition_of, url_suffix

ACCOUNT_ID = re.compile(r"[0-9]{12}")


@dataclass(frozen=True)
class Installation:
    """Where specs are rendered for. The CLI uses these defaults; the Lambda steps the stack's."""

    account_id: str = "123456789012"
    region: str = "us-east-1"
    default_cluster: str = "ecsdrop"
    execution_role_arn: str = ""
    log_group_prefix: str = "/ecsdrop"
    log_retention_days: int = 30
    schedule_group: str = "ecsdrop"  # the EventBridge Scheduler group of the scheduled jobs
    scheduler_role_arn: str = ""  # the role Scheduler starts their tasks with
    load_balancer_role_arn: str = ""  # the role ECS shifts a progressive strategy's traffic as
    rollout_stages_function_arn: str = ""  # the function ECS invokes to announce each stage

    @property
    def partition(self) -> str:
        """The region's partition: never given separately, so an ARN cannot disagree with it."""
        return partition_of(self.region)

    @property
    def default_execution_role_arn(self) -> str:
        return self.execution_role_arn or (
            f"arn:{self.partition}:iam::{self.account_id}:role/ecsdrop-task-execution"
        )

    @property
    def default_scheduler_role_arn(self) -> str:
        return self.scheduler_role_arn or (
            f"arn:{self.partition}:iam::{self.account_id}:role/ecsdrop-scheduler"
        )

    @property
    def default_load_balancer_role_arn(self) -> str:
        return self.load_balancer_role_arn or (
            f"arn:{self.partition}:iam::{self.account_id}:role/ecsdrop-ecs-load-balancers"
        )

    @property
    def ecr_registry(self) -> str:
        return f"{self.account_id}.dkr.ecr.{self.region}.{url_suffix(self.region)}"

    def role_arn(self, name_or_arn: str) -> str:
        """ECS takes a role's name or ARN; the rendered input always carries the ARN."""
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        return f"arn:{self.partition}:iam::{self.account_id}:role/{name_or_arn}"
