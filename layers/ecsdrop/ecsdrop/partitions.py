"""AWS partitions: which one a region is in, and the domain its endpoints live under.

The one home of these facts for the layer, the CLI and the local cloud (an ARN's
`arn:<partition>:`, CloudFormation's AWS::Partition and AWS::URLSuffix, an ECR host)."""

from __future__ import annotations

import re

# Region names by partition: botocore's endpoints.json "regionRegex" of aws, aws-us-gov
# (both under amazonaws.com) and aws-cn (amazonaws.com.cn).
AWS_REGION = re.compile(r"(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]+|us-gov-[a-z]+-[0-9]+")
CHINA_REGION = re.compile(r"cn-[a-z]+-[0-9]+")

AWS = "aws"
AWS_CN = "aws-cn"
AWS_US_GOV = "aws-us-gov"


def is_region(name: str) -> bool:
    return bool(AWS_REGION.fullmatch(name) or CHINA_REGION.fullmatch(name))


def partition_of(region: str) -> str:
    """The partition a region is in (its ARNs read arn:<partition>:...)."""
    if region.startswith("cn-"):
        return AWS_CN
    return AWS_US_GOV if region.startswith("us-gov-") else AWS


def url_suffix(region: str) -> str:
    """The domain of the region's endpoints (CloudFormation's AWS::URLSuffix)."""
    return "amazonaws.com.cn" if partition_of(region) == AWS_CN else "amazonaws.com"
