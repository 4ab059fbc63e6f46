"""Service: create it (and its cluster) or update it, with the circuit breaker on."""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.autoscaling import AutoScaling
from ecsdrop.aws.ecs import Ecs, tags_of
from ecsdrop.deploy.ledger import Changed, Created, Ledger
from ecsdrop.deploy.ownership import foreign_service, owned_by
from ecsdrop.deploy.results import (
    LoadBalancerResult,
    NetworkResult,
    ServiceResult,
    TaskDefinitionResult,
)
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.errors import OwnershipError
from ecsdrop.spec.installation import Installation
from ecsdrop.spec.model import Spec
from ecsdrop.spec.render import (
    ALTERNATE_TARGET_GROUP,
    LOAD_BALANCER_ROLE,
    PRODUCTION_LISTENER_RULE,
    STAGE_REPORTER,
    TAG_DIGEST,
    TAG_MANAGED_BY,
    TAG_ROLE,
    TEST_LISTENER_RULE,
    Resources,
    autoscaling_inputs,
    create_service_input,
    ecsdrop_tags,
    scalable_resource_id,
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
    installation: Installation,
) -> ServiceResult:
    spec = state.spec
    resources = bound_resources(state, installation)
    current = ecs.describe_service(spec.cluster, spec.name)
    target = None
    if current is None:
        ensure_cluster(spec.cluster, ecs, ledger)
        request = create_service_input(spec, resources)
        request["tags"] = [*request["tags"], *tag_list(ledger.run_tag())]
        service = ecs.create_service(request)
        ledger.created(Created.SERVICE, spec.name, cluster=spec.cluster)
    elif ledger.made(tags_of(current)):
        # this run created it, then stopped (before it could record it, maybe): it is ours
        ledger.created(Created.SERVICE, spec.name, cluster=spec.cluster)
        service = current
    else:
        _take_over_if_adopted(state, current, ecs, ledger)
        previous = restorable_settings(current)
        ledger.changed(Changed.SERVICE, spec.name, previous=previous, cluster=spec.cluster)
        target = _scalable_target(state, autoscaling)
        count = running_desired_count(spec, current, target)
        service = ecs.update_service(update_service_input(spec, resources, desired_count=count))
    _scale(state, autoscaling, ledger, target)
    primary = primary_deployment(service)
    deadline = now + spec.stability_timeout_seconds
    return ServiceResult(
        service_arn=service["serviceArn"],
        cluster=spec.cluster,
        service_name=spec.name,
        created=current is None,
        task_definition_arn=resources.task_definition_arn,
        ecs_deployment_id=primary.get("id"),
        settled=is_unchanged_rollout(service),
        deadline=int(deadline),
        wait_seconds=max(1, min(check_seconds, spec.stability_timeout_seconds)),
    )


def restorable_settings(service: dict[str, Any]) -> dict[str, Any]:
    """What UpdateService must send to put the service back as it is now. A setting
    describe leaves out is ECS's default, sent explicitly, so that what this run sets is
    undone too (a grace period only where the service has a load balancer to use it)."""
    settings = {k: service[k] for k in RESTORABLE_FIELDS if service.get(k) is not None}
    defaults = {"enableExecuteCommand": False, "propagateTags": "NONE", "loadBalancers": []}
    if service.get("launchType", "FARGATE") == "FARGATE":
        defaults["platformVersion"] = "LATEST"
    return {**defaults, **settings}


def ensure_cluster(name: str, ecs: Ecs, ledger: Ledger) -> None:
    """The cluster exists: created (and recorded, so a rollback removes it) when missing."""
    cluster = ecs.cluster(name)
    if cluster is None:
        # a cluster is shared by every service in it: it carries no service's name
        tags = {TAG_MANAGED_BY: "ecsdrop", TAG_ROLE: "cluster", **ledger.run_tag()}
        ecs.create_cluster(name, tags)
        ledger.created(Created.CLUSTER, name)
    else:  # created by this run before it stopped?
        ledger.adopt(Created.CLUSTER, name, tags_of(cluster))


def bound_resources(state: WorkflowState, installation: Installation | None = None) -> Resources:
    """The ids the earlier steps made that the service (or a task of it) binds to; with the
    installation, a progressive strategy's too (the role ECS shifts its traffic as)."""
    network = state.steps.done(NetworkResult)
    load_balancer = state.steps.done(LoadBalancerResult)
    return Resources(
        task_definition_arn=state.steps.done(TaskDefinitionResult).task_definition_arn,
        subnet_ids=network.task_subnet_ids,
        security_group_ids=network.task_security_group_ids,
        target_group_arn=load_balancer.target_group_arn,
        extra=progressive_resources(load_balancer, installation),
    )


def progressive_resources(
    load_balancer: LoadBalancerResult | None, installation: Installation | None
) -> dict[str, str]:
    """What a blue/green, linear or canary strategy binds to besides the target group: the
    alternate group and the rules of ``load_balancer``, the installation's role and stage
    reporter (nothing for a rolling update, whose load balancer has no alternate group)."""
    if load_balancer is None or not load_balancer.alternate_target_group_arn:
        return {}
    if installation is None:
        return {}
    found = {
        ALTERNATE_TARGET_GROUP: load_balancer.alternate_target_group_arn,
        PRODUCTION_LISTENER_RULE: load_balancer.production_rule_arn,
        TEST_LISTENER_RULE: load_balancer.test_rule_arn,
        LOAD_BALANCER_ROLE: installation.default_load_balancer_role_arn,
        STAGE_REPORTER: installation.rollout_stages_function_arn,
    }
    return {key: arn for key, arn in found.items() if arn}


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


def _take_over_if_adopted(
    state: WorkflowState, current: dict[str, Any], ecs: Ecs, ledger: Ledger
) -> None:
    """A service ecsdrop did not create is changed only when the spec adopts it: then it
    gets ecsdrop's tags (recorded first, so a rollback puts the old ones back)."""
    spec = state.spec
    tags = tags_of(current)
    if owned_by(tags, spec.name):
        return
    if not spec.adopt:  # the Lock step refuses this run; this guards against a race
        raise OwnershipError(foreign_service(spec, ecs) or f"service {spec.name} is not ecsdrop's")
    added = {**ecsdrop_tags(spec), TAG_DIGEST: spec.digest}
    previous = {k: tags[k] for k in added if k in tags}
    ledger.changed(
        Changed.SERVICE_TAGS, current["serviceArn"], previous=previous, added=sorted(added)
    )
    ecs.tag_resource(current["serviceArn"], added)


def _scalable_target(state: WorkflowState, autoscaling: AutoScaling) -> dict[str, Any] | None:
    return autoscaling.scalable_target(scalable_resource_id(state.spec))


def running_desired_count(
    spec: Spec, current: dict[str, Any] | None, target: dict[str, Any] | None
) -> int:
    """The desired count an update sends. A service Application Auto Scaling scales keeps
    the count it was scaled to (clamped into the spec's bounds, or the target's when the
    spec names none): sending the spec's ``desiredCount`` would undo the scaling."""
    wanted: int = spec.service["desiredCount"]
    if current is None or target is None:
        return wanted
    scaling = spec.service.get("autoscaling") or {}
    low = int(scaling.get("minCapacity", target["MinCapacity"]))
    high = int(scaling.get("maxCapacity", target["MaxCapacity"]))
    return max(low, min(high, int(current.get("desiredCount", wanted))))


def _scale(
    state: WorkflowState,
    autoscaling: AutoScaling,
    ledger: Ledger,
    current: dict[str, Any] | None,
) -> None:
    inputs = autoscaling_inputs(state.spec)
    if inputs is None:
        return
    target = inputs["registerScalableTarget"]
    if current is None:
        current = autoscaling.scalable_target(target["ResourceId"])
    if current is None:
        autoscaling.register_scalable_target(target)
        ledger.created(Created.SCALABLE_TARGET, target["ResourceId"])
    elif (current["MinCapacity"], current["MaxCapacity"]) != (
        target["MinCapacity"],
        target["MaxCapacity"],
    ):
        previous = {"MinCapacity": current["MinCapacity"], "MaxCapacity": current["MaxCapacity"]}
        ledger.changed(Changed.SCALABLE_TARGET, target["ResourceId"], previous=previous)
        autoscaling.register_scalable_target(target)
    autoscaling.put_scaling_policy(inputs["putScalingPolicy"])
