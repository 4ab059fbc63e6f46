"""A redeploy whose network, load balancing and log group are as the last successful
deployment left them makes no client and no call for them (a new image changes only the
task definition and the service)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ecsdrop.deploy.load_balancer import ensure_load_balancer
from ecsdrop.deploy.network import network_step
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.deploy.task_definition import register_task_definition
from tests.support.moto_stack import MotoStack, example


def no_client(service: str) -> Any:
    def build() -> Any:
        raise AssertionError(f"a step whose {service} plan is unchanged built its client")

    return build


def test_an_image_redeploy_builds_no_logs_ec2_or_elbv2_client(stack: MotoStack) -> None:
    first = stack.deploy(example("scorekeep.yaml"))
    stack.push_image("scorekeep-api", "latest", "api-2")
    state = WorkflowState.from_json(stack.start(example("scorekeep.yaml")))
    rt = stack.runtime
    ledger = rt.ledger(state.deployment.id)

    task = register_task_definition(
        state, rt.ecs, rt.ecr, no_client("logs"), ledger, installation=rt.installation
    )
    assert task.registered is True  # the new image: a new revision
    assert task.log_group_digest == first["steps"]["taskDefinition"]["logGroupDigest"]
    network = network_step(state, no_client("ec2"), ledger)
    assert network.to_json() == first["steps"]["network"]
    with_network = replace(state, steps=replace(state.steps, network=network))
    load_balancer = ensure_load_balancer(with_network, no_client("elbv2"), ledger)
    assert load_balancer.to_json() == first["steps"]["loadBalancer"]
    kinds = {entry["kind"] for entry in ledger.entries()}
    assert kinds == {"task-definition"}  # nothing else made or changed


def test_a_changed_log_retention_sets_the_log_group_again(stack: MotoStack) -> None:
    stack.deploy(example("scorekeep.yaml"))
    state = WorkflowState.from_json(stack.start(example("scorekeep.yaml")))
    rt = stack.runtime
    longer = replace(rt.installation, log_retention_days=90)  # the platform team's parameter
    built: list[str] = []

    def logs() -> Any:
        built.append("logs")
        return rt.logs

    register_task_definition(
        state, rt.ecs, rt.ecr, logs, rt.ledger(state.deployment.id), installation=longer
    )
    assert built == ["logs"]
    group = rt.clients.logs.describe_log_groups(logGroupNamePrefix="/ecsdrop/scorekeep")
    assert [g.get("retentionInDays") for g in group["logGroups"]] == [90]
