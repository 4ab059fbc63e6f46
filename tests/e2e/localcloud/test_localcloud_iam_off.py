"""`LocalCloud(iam=False)`: functions sign with dummy keys and nothing is authorized."""

from __future__ import annotations

from collections.abc import Callable

from localcloud import LocalCloud
from tests.e2e.localcloud.test_localcloud_iam import IAM_FIXTURE, call, calls_from


def test_with_iam_off_a_call_outside_the_role_goes_through(
    new_cloud: Callable[..., LocalCloud],
) -> None:
    with new_cloud(IAM_FIXTURE, iam=False) as cloud:
        made, identity = calls_from(
            cloud,
            "WriterFunction",
            call("ecs", "create_cluster", clusterName="made-without-iam"),
            call("sts", "get_caller_identity"),
        )

        assert made["ok"]["cluster"]["clusterName"] == "made-without-iam"
        assert ":assumed-role/" not in identity["ok"]["Arn"]
        assert {entry.caller for entry in cloud.call_log()} == {"testing"}
