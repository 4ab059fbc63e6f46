"""The fast profile: instant provisioning, a task's whole start in `rollout_seconds`."""

from __future__ import annotations

import time

import pytest

from localcloud import LocalCloud
from tests.e2e.localcloud.test_localcloud_realism import register
from tests.support.networks import public_subnet


def test_the_fast_profile_starts_a_task_in_its_rollout_seconds() -> None:
    with LocalCloud(profile="fast", rollout_seconds=0.3) as fast:
        ecs = fast.client("ecs")
        ecs.create_cluster(clusterName="quick")
        vpc, subnet = public_subnet(fast.client("ec2"), "10.78.0.0/16")
        definition = register(fast, "quick")
        started = time.monotonic()
        (task,) = ecs.run_task(
            cluster="quick",
            taskDefinition=definition,
            networkConfiguration={
                "awsvpcConfiguration": {"subnets": [subnet], "assignPublicIp": "ENABLED"}
            },
        )["tasks"]
        while (
            ecs.describe_tasks(cluster="quick", tasks=[task["taskArn"]])["tasks"][0]["lastStatus"]
            != "RUNNING"
        ):
            assert time.monotonic() - started < 10, "the task never ran"
            time.sleep(0.02)
        assert vpc
    with pytest.raises(ValueError, match="fast profile"):
        LocalCloud(profile="realistic", rollout_seconds=1.0)
