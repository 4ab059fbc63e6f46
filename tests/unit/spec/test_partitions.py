"""A region's partition and endpoint domain come from one module, so the layer's ARNs, the
CLI's render and the local cloud's pseudo parameters cannot disagree."""

from __future__ import annotations

import pytest

from ecsdrop.partitions import is_region, partition_of, url_suffix
from ecsdrop.spec.installation import Installation
from localcloud.template.intrinsics import pseudo_parameters

CASES = [
    ("us-east-1", "aws", "amazonaws.com"),
    ("eu-central-2", "aws", "amazonaws.com"),
    ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
    ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
]


@pytest.mark.parametrize(("region", "partition", "suffix"), CASES)
def test_a_region_has_one_partition_and_domain_everywhere(
    region: str, partition: str, suffix: str
) -> None:
    installation = Installation(account_id="210987654321", region=region)
    pseudo = pseudo_parameters("210987654321", region, "ecsdrop")
    assert (partition_of(region), url_suffix(region)) == (partition, suffix)
    assert installation.partition == pseudo["AWS::Partition"] == partition
    assert pseudo["AWS::URLSuffix"] == suffix
    assert installation.ecr_registry == f"210987654321.dkr.ecr.{region}.{suffix}"
    assert installation.default_execution_role_arn.startswith(f"arn:{partition}:iam::")
    assert pseudo["AWS::StackId"].startswith(f"arn:{partition}:cloudformation:{region}:")


@pytest.mark.parametrize("name", ["us-east", "US-EAST-1", "mars-north-1", "cn-north"])
def test_names_that_are_not_regions_are_refused(name: str) -> None:
    assert not is_region(name)
