"""Rate limits, the timestamped call log and the rollout length, on a running local cloud."""

from __future__ import annotations

import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from localcloud import LocalCloud


def test_a_rate_limited_action_is_answered_with_throttling_and_logged(cloud: LocalCloud) -> None:
    cloud.set_rate_limits({"ecs:ListClusters": {"rate": 0.01, "burst": 2}})
    try:
        ecs = cloud.client(
            "ecs",
            aws_access_key_id="AKIDMETER",
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        )
        since = time.time()
        ecs.list_clusters()
        ecs.list_clusters()
        with pytest.raises(ClientError) as refused:
            ecs.list_clusters()
        assert refused.value.response["Error"]["Code"] == "ThrottlingException"
        assert cloud.throttled() == {"ecs:ListClusters": 1}
        mine = [c for c in cloud.call_log() if c.caller == "AKIDMETER" and c.at >= since]
        assert [(c.name, c.throttled) for c in mine] == [
            ("ecs:ListClusters", False),
            ("ecs:ListClusters", False),
            ("ecs:ListClusters", True),
        ]
    finally:
        cloud.set_rate_limits({})
    cloud.client("ecs").list_clusters()
    assert cloud.throttled() == {}


def test_reset_calls_empties_the_call_log(cloud: LocalCloud) -> None:
    cloud.client("ecs").list_clusters()
    cloud.reset_calls()
    assert cloud.call_log() == []
    assert cloud.calls() == {}
