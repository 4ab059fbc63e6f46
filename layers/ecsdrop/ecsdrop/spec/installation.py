"""Facts about the installation a spec is deployed by: account, region, and stack defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass

ACCOUNT_ID = re.compile(r"[0-9]{12}")
# Region names by partition: botocore's endpoints.json "regionRegex" of aws, aws-us-gov
# (both under amazonaws.com) and aws-cn (amazonaws.com.cn).
AWS_REGION = re.compile(r"(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]+|us-gov-[a-z]+-[0-9]+")
CHINA_REGION = re.compile(r"cn-[a-z]+-[0-9]+")


def is_region(name: str) -> bool:
    return bool(AWS_REGION.fullmatch(name) or CHINA_REGION.fullmatch(name))


def partition_of(region: str) -> str:
    """The partition a region is in (its ARNs read arn:<partition>:...)."""
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


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
