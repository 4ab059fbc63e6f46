"""Facts about the installation a spec is deployed by: account, region, and stack defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Installation:
    """Where specs are rendered for. The CLI uses these defaults; the Lambda steps the stack's."""

    account_id: str = "123456789012"
    region: str = "us-east-1"
    partition: str = "aws"
    default_cluster: str = "ecsdrop"
    execution_role_arn: str = ""
    log_group_prefix: str = "/ecsdrop"
    log_retention_days: int = 30

    @property
    def default_execution_role_arn(self) -> str:
        return self.execution_role_arn or (
            f"arn:{self.partition}:iam::{self.account_id}:role/ecsdrop-task-execution"
        )

    @property
    def ecr_registry(self) -> str:
        suffix = ".cn" if self.partition == "aws-cn" else ""
        return f"{self.account_id}.dkr.ecr.{self.region}.amazonaws.com{suffix}"

    def role_arn(self, name_or_arn: str) -> str:
        """ECS takes a role's name or ARN; the rendered input always carries the ARN."""
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        return f"arn:{self.partition}:iam::{self.account_id}:role/{name_or_arn}"
