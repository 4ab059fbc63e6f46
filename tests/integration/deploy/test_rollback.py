"""Rollback undoes exactly what a failed run did, whichever step it failed in."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ecsdrop.deploy.ledger import Created
from ecsdrop.errors import AwsError, ImageNotFoundError
from tests.support.architecture import NO_NETWORK
from tests.support.moto_stack import MotoStack, example

NOTHING = NO_NETWORK


def fail_call(session_client: Any, operation: str) -> None:
    """Make one AWS operation of this client fail as AWS would refuse it."""

    def refuse(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "UnauthorizedOperation", "Message": "injected"}}, operation
        )

    session_client.meta.events.register(f"before-call.*.{operation}", refuse)


def test_a_network_step_failing_half_way_leaves_no_ecsdrop_resource(stack: MotoStack) -> None:
    state = stack.start(example("scorekeep.yaml"))
    stack.step(state, "taskDefinition")
    fail_call(stack.runtime.clients.ec2, "CreateNatGateway")
    with pytest.raises(AwsError):
        stack.step(state, "network")
    assert stack.tagged_network("scorekeep")["vpcs"], "the step got half-way before failing"

    state = stack.fail_and_roll_back(state, "AwsError")

    assert state["rollback"]["outcome"] == "ROLLED_BACK", state["rollback"]
    assert stack.tagged_network("scorekeep") == NOTHING
    ecs = stack.session.client("ecs")
    arn = state["steps"]["taskDefinition"]["taskDefinitionArn"]
    assert (
        ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["status"] == "INACTIVE"
    )
    assert stack.status_object("scorekeep")["state"] == "ROLLED_BACK"
    assert stack.runtime.store.lock_holder("scorekeep") is None


def test_a_greenfield_failure_after_the_service_deletes_everything_it_built(
    stack: MotoStack, aws: boto3.Session
) -> None:
    state = stack.start(example("scorekeep.yaml"))
    for name in ("taskDefinition", "network", "loadBalancer", "service"):
        stack.step(state, name)

    state = stack.fail_and_roll_back(state, "DeploymentFailedError")

    assert state["rollback"]["outcome"] == "ROLLED_BACK", state["rollback"]
    assert stack.tagged_network("scorekeep") == NOTHING
    elb = aws.client("elbv2")
    assert elb.describe_load_balancers()["LoadBalancers"] == []
    assert elb.describe_target_groups()["TargetGroups"] == []
    ecs = aws.client("ecs")
    services = ecs.describe_services(cluster="ecsdrop", services=["scorekeep"])["services"]
    assert all(s["status"] != "ACTIVE" for s in services)
    logs = aws.client("logs").describe_log_groups(logGroupNamePrefix="/ecsdrop/")["logGroups"]
    assert logs == []
    events = [e["detail"] for e in stack.published()]
    assert [e["state"] for e in events] == ["STARTED", "ROLLED_BACK"]
    assert events[-1]["error"] == "DeploymentFailedError"
    assert events[-1]["cause"] == "DeploymentFailedError happened"
    assert any("deleted vpc" in item for item in events[-1]["rolledBack"])


def test_a_failed_update_restores_the_previous_revision_and_count(
    stack: MotoStack, aws: boto3.Session
) -> None:
    first = stack.deploy(example("scorekeep.yaml"))
    network_before = stack.tagged_network("scorekeep")
    stack.push_image("scorekeep-api", "latest", "api-2")
    bigger = example("scorekeep.yaml").replace("desiredCount: 2", "desiredCount: 4")
    state = stack.start(bigger)
    for name in ("taskDefinition", "network", "loadBalancer", "service"):
        stack.step(state, name)
    ecs = aws.client("ecs")
    (updated,) = ecs.describe_services(cluster="ecsdrop", services=["scorekeep"])["services"]
    assert updated["desiredCount"] == 4

    state = stack.fail_and_roll_back(state, "DeploymentFailedError")

    assert state["rollback"]["outcome"] == "ROLLED_BACK", state["rollback"]
    (service,) = ecs.describe_services(cluster="ecsdrop", services=["scorekeep"])["services"]
    assert service["taskDefinition"] == first["steps"]["taskDefinition"]["taskDefinitionArn"]
    assert service["desiredCount"] == 2
    new_revision = state["steps"]["taskDefinition"]["taskDefinitionArn"]
    assert (
        ecs.describe_task_definition(taskDefinition=new_revision)["taskDefinition"]["status"]
        == "INACTIVE"
    )
    assert stack.tagged_network("scorekeep") == network_before  # the network was not this run's
    status = stack.status_object("scorekeep")
    assert status["state"] == "ROLLED_BACK"
    assert (
        status["taskDefinition"]["previous"]
        == first["steps"]["taskDefinition"]["taskDefinitionArn"]
    )


def test_an_image_missing_from_ecr_fails_before_touching_the_service(stack: MotoStack) -> None:
    spec = example("scorekeep.yaml").replace("scorekeep-api:latest", "scorekeep-api:nope")
    state = stack.start(spec)
    with pytest.raises(ImageNotFoundError, match="scorekeep-api:nope"):
        stack.step(state, "taskDefinition")
    state = stack.fail_and_roll_back(state, "ImageNotFoundError")
    assert state["rollback"]["outcome"] == "ROLLED_BACK"
    assert stack.status_object("scorekeep")["state"] == "ROLLED_BACK"


def test_a_rollback_that_cannot_finish_reports_what_is_left(stack: MotoStack) -> None:
    state = stack.start(example("scorekeep.yaml"))
    for name in ("taskDefinition", "network"):
        stack.step(state, name)
    fail_call(stack.runtime.clients.ec2, "DeleteVpc")

    state = stack.fail_and_roll_back(state, "AwsError")

    assert state["rollback"]["outcome"] == "ROLLBACK_FAILED"
    (left,) = state["rollback"]["left"]
    assert left.startswith(f"deleted vpc {state['steps']['network']['vpcId']}")
    status = stack.status_object("scorekeep")
    assert status["state"] == "ROLLBACK_FAILED"
    assert status["leftBehind"] == state["rollback"]["left"]


def test_a_changed_deregistration_delay_is_applied_to_the_existing_group_and_rolled_back(
    stack: MotoStack, aws: boto3.Session
) -> None:
    first = stack.deploy(example("scorekeep.yaml"))
    group = first["steps"]["loadBalancer"]["targetGroupArn"]
    elbv2 = aws.client("elbv2")

    def delay() -> str:
        attributes = elbv2.describe_target_group_attributes(TargetGroupArn=group)["Attributes"]
        return next(
            a["Value"] for a in attributes if a["Key"] == "deregistration_delay.timeout_seconds"
        )

    assert delay() == "30"
    shorter = example("scorekeep.yaml").replace(
        "loadBalancer:\n", "loadBalancer:\n  deregistrationDelaySeconds: 5\n", 1
    )
    state = stack.start(shorter)
    for name in ("taskDefinition", "network", "loadBalancer", "service"):
        stack.step(state, name)
    assert state["steps"]["loadBalancer"]["targetGroupArn"] == group  # the same group, changed
    assert delay() == "5"

    state = stack.fail_and_roll_back(state, "DeploymentFailedError")

    assert state["rollback"]["outcome"] == "ROLLED_BACK", state["rollback"]
    assert f"restored target-group-attributes {group}" in state["rollback"]["undone"]
    assert delay() == "30"


ON_PORT_8081 = example("scorekeep.yaml").replace(
    "  listener:\n    port: 80\n", "  listener:\n    port: 8081\n"
)


def ingress(aws: boto3.Session, group_id: str) -> set[tuple[str, int, int, str]]:
    """The group's ingress as EC2 describes it: (protocol, from, to, CIDR) per source."""
    (group,) = aws.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return {
        (p["IpProtocol"], p["FromPort"], p["ToPort"], r["CidrIp"])
        for p in group["IpPermissions"]
        for r in p["IpRanges"]
    }


def test_a_security_group_a_failed_run_changed_gets_its_previous_rules_back(
    stack: MotoStack, aws: boto3.Session
) -> None:
    first = stack.deploy(example("scorekeep.yaml"))
    group = first["steps"]["network"]["securityGroups"]["loadBalancer"]
    assert ingress(aws, group) == {("tcp", 80, 80, "0.0.0.0/0")}
    state = stack.start(ON_PORT_8081)
    for name in ("taskDefinition", "network"):
        stack.step(state, name)
    assert ingress(aws, group) == {("tcp", 8081, 8081, "0.0.0.0/0")}

    state = stack.fail_and_roll_back(state, "DeploymentFailedError")

    assert state["rollback"]["outcome"] == "ROLLED_BACK", state["rollback"]
    assert f"restored security-group-rules {group}" in state["rollback"]["undone"]
    assert ingress(aws, group) == {("tcp", 80, 80, "0.0.0.0/0")}


def test_a_security_group_a_failed_run_never_got_to_change_is_reported_already_as_before(
    stack: MotoStack, aws: boto3.Session
) -> None:
    first = stack.deploy(example("scorekeep.yaml"))
    group = first["steps"]["network"]["securityGroups"]["loadBalancer"]
    state = stack.start(ON_PORT_8081)
    stack.step(state, "taskDefinition")
    # The ledger has the change before EC2 is asked; EC2 then refuses to revoke port 80.
    fail_call(stack.runtime.clients.ec2, "RevokeSecurityGroupIngress")
    with pytest.raises(AwsError, match="RevokeSecurityGroupIngress"):
        stack.step(state, "network")
    assert ingress(aws, group) == {("tcp", 80, 80, "0.0.0.0/0")}

    state = stack.fail_and_roll_back(state, "AwsError")

    assert state["rollback"]["outcome"] == "ROLLED_BACK", state["rollback"]
    assert state["rollback"]["undone"] == [
        f"restored security-group-rules {group} (already as before)"
    ]
    assert ingress(aws, group) == {("tcp", 80, 80, "0.0.0.0/0")}


def test_an_entry_that_cannot_be_undone_is_left_named_and_the_entries_around_it_are_undone(
    stack: MotoStack, aws: boto3.Session
) -> None:
    state = stack.start(example("scorekeep.yaml"))
    stack.step(state, "taskDefinition")
    # A malformed entry between two steps' entries: a service entry names its cluster.
    stack.runtime.ledger(state["deployment"]["id"]).created(Created.SERVICE, "ghost")
    stack.step(state, "network")

    state = stack.fail_and_roll_back(state, "AwsError")

    assert state["rollback"]["outcome"] == "ROLLBACK_FAILED", state["rollback"]
    assert state["rollback"]["left"] == ["deleted service ghost: KeyError: 'cluster'"]
    assert stack.tagged_network("scorekeep") == NOTHING  # undone before the bad entry
    arn = state["steps"]["taskDefinition"]["taskDefinitionArn"]  # undone after it
    definition = aws.client("ecs").describe_task_definition(taskDefinition=arn)
    assert definition["taskDefinition"]["status"] == "INACTIVE"
    assert f"deleted task-definition {arn}" in state["rollback"]["undone"]
    status = stack.status_object("scorekeep")
    assert status["state"] == "ROLLBACK_FAILED"
    assert status["leftBehind"] == ["deleted service ghost: KeyError: 'cluster'"]
