"""Service: create it (and its cluster) or update it, with the circuit breaker on."""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.autoscaling import AutoScaling
from ecsdrop.aws.ecs import Ecs, tags_of
from ecsdrop.deploy.ledger import Ledger
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.spec.render import (
    Resources,
    autoscaling_inputs,
    create_service_input,
    tag_list,
    update_service_input,
)

# What UpdateService can put back to undo this run's update.
RESTORABLE_FIELDS = (
    "taskDefinition",
    "desiredCount",
    "loadBalancers",
    "networkConfiguration",
    "deploymentConfiguration",
    "healthCheckGracePeriodSeconds",
    "platformVersion",
    "enableExecuteCommand",
    "propagateTags",
)


def deploy_service(
    state: WorkflowState,
    ecs: Ecs,
    autoscaling: AutoScaling,
    ledger: Ledger,
    *,
    now: float,
    check_seconds: int,
) -> dict[str, Any]:
    spec = state.spec
    resources = bound_resources(state)
    current = ecs.describe_service(spec.cluster, spec.name)
    if current is None:
        _ensure_cluster(state, ecs, ledger)
        request = create_service_input(spec, resources)
        request["tags"] = [*request["tags"], *tag_list(ledger.run_tag())]
        service = ecs.create_service(request)
        ledger.created("service", spec.name, cluster=spec.cluster)
    elif ledger.made(tags_of(current)):
        # this run created it, then stopped (before it could record it, maybe): it is ours
        ledger.created("service", spec.name, cluster=spec.cluster)
        service = current
    else:
        previous = {k: current[k] for k in RESTORABLE_FIELDS if k in current}
        ledger.changed("service", spec.name, previous=previous, cluster=spec.cluster)
        service = ecs.update_service(update_service_input(spec, resources))
    _scale(state, autoscaling, ledger)
    primary = primary_deployment(service)
    deadline = now + spec.stability_timeout_seconds
    return {
        "serviceArn": service["serviceArn"],
        "cluster": spec.cluster,
        "serviceName": spec.name,
        "created": current is None,
        "taskDefinitionArn": resources.task_definition_arn,
        "ecsDeploymentId": primary.get("id"),
        "settled": is_unchanged_rollout(service),
        "deadline": int(deadline),
        "waitSeconds": max(1, min(check_seconds, spec.stability_timeout_seconds)),
    }


def _ensure_cluster(state: WorkflowState, ecs: Ecs, ledger: Ledger) -> None:
    spec = state.spec
    cluster = ecs.cluster(spec.cluster)
    if cluster is None:
        ecs.create_cluster(spec.cluster, ledger.tags(spec, "cluster"))
        ledger.created("cluster", spec.cluster)
    else:  # created by this run before it stopped?
        ledger.adopt("cluster", spec.cluster, tags_of(cluster))


def bound_resources(state: WorkflowState) -> Resources:
    network = state.step("network")
    return Resources(
        task_definition_arn=state.step("taskDefinition")["taskDefinitionArn"],
        subnet_ids=tuple(network["taskSubnetIds"]),
        security_group_ids=tuple(network["taskSecurityGroupIds"]),
        target_group_arn=state.step("loadBalancer").get("targetGroupArn"),
    )


def primary_deployment(service: dict[str, Any]) -> dict[str, Any]:
    for deployment in service.get("deployments", []):
        if deployment.get("status") == "PRIMARY":
            return dict(deployment)
    return {}


def is_unchanged_rollout(service: dict[str, Any]) -> bool:
    """UpdateService started no new deployment (nothing ECS rolls out changed): there is
    nothing to wait for, and no ECS event will come."""
    deployments = service.get("deployments", [])
    return len(deployments) == 1 and deployments[0].get("rolloutState") == "COMPLETED"


def _scale(state: WorkflowState, autoscaling: AutoScaling, ledger: Ledger) -> None:
    inputs = autoscaling_inputs(state.spec)
    if inputs is None:
        return
    target = inputs["registerScalableTarget"]
    current = autoscaling.scalable_target(target["ResourceId"])
    if current is None:
        autoscaling.register_scalable_target(target)
        ledger.created("scalable-target", target["ResourceId"])
    elif (current["MinCapacity"], current["MaxCapacity"]) != (
        target["MinCapacity"],
        target["MaxCapacity"],
    ):
        previous = {"MinCapacity": current["MinCapacity"], "MaxCapacity": current["MaxCapacity"]}
        ledger.changed("scalable-target", target["ResourceId"], previous=previous)
        autoscaling.register_scalable_target(target)
    autoscaling.put_scaling_policy(inputs["putScalingPolicy"])
