"""diff: what deploying a spec would change against what runs now.

The comparison is the deployment's own: the task definition as the Register step renders
and pins it (images by digest) against the revision the service runs, the service settings
as UpdateService would send them (the desired count an autoscaled service keeps) against
describe-services, and the network and load-balancer plans against the plans of the spec
that was deployed (the steps rebuild nothing while those are equal). A scheduled job has a
``schedule`` section instead of ``service``: its schedule and revision as its last
deployment recorded them. ``ecsdrop diff`` and
the ``plans/`` prefix both print this, so they cannot disagree with what a deployment does.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import yaml

from ecsdrop.aws.autoscaling import AutoScaling
from ecsdrop.aws.ecr import Ecr
from ecsdrop.aws.ecs import Ecs
from ecsdrop.aws.store import StateStore
from ecsdrop.deploy.load_balancer import unchanged_load_balancer
from ecsdrop.deploy.network import unchanged_network
from ecsdrop.deploy.service import progressive_resources, running_desired_count
from ecsdrop.deploy.task_definition import comparable, pin_images
from ecsdrop.spec.installation import Installation
from ecsdrop.spec.model import Spec
from ecsdrop.spec.render import (
    Resources,
    load_balancer_plan,
    network_plan,
    register_task_definition_input,
    scalable_resource_id,
    update_service_input,
)
from ecsdrop.states import SUCCEEDED, status_of

# What UpdateService sets that diff compares (the revision itself is the taskDefinition
# section's: a new ARN of the same content changes nothing).
_SERVICE_SETTINGS = (
    "desiredCount",
    "platformVersion",
    "deploymentConfiguration",
    "networkConfiguration",
    "loadBalancers",
    "healthCheckGracePeriodSeconds",
    "enableExecuteCommand",
    "propagateTags",
)
_DEPLOYMENT_SETTINGS = (
    "deploymentCircuitBreaker",
    "maximumPercent",
    "minimumHealthyPercent",
    "strategy",
    "bakeTimeInMinutes",
    "canaryConfiguration",
    "linearConfiguration",
    "alarms",
    "lifecycleHooks",
)
_LOAD_BALANCER_KEYS = ("targetGroupArn", "containerName", "containerPort")


@dataclass(frozen=True)
class Section:
    """One part of what would change: ``before`` is None where nothing runs yet."""

    name: str
    before: Any
    after: Any

    @property
    def changed(self) -> bool:
        return bool(self.before != self.after)

    def lines(self) -> list[str]:
        """The change as a unified diff (empty when nothing would change)."""
        if not self.changed:
            return []
        return list(
            difflib.unified_diff(
                _yaml_lines(self.before),
                _yaml_lines(self.after),
                fromfile=f"running/{self.name}",
                tofile=f"spec/{self.name}",
                lineterm="",
            )
        )


@dataclass(frozen=True)
class Plan:
    service: str
    cluster: str
    sections: tuple[Section, ...]

    @property
    def changes(self) -> bool:
        return any(section.changed for section in self.sections)

    @property
    def text(self) -> str:
        return "\n".join(line for section in self.sections for line in section.lines())

    def to_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "cluster": self.cluster,
            "changes": self.changes,
            "changed": [s.name for s in self.sections if s.changed],
            "diff": self.text,
            "sections": [
                {"name": s.name, "changed": s.changed, "before": s.before, "after": s.after}
                for s in self.sections
            ],
        }


@dataclass(frozen=True)
class Running:
    """What the comparison reads of the account."""

    ecs: Ecs
    ecr: Ecr
    autoscaling: AutoScaling
    store: StateStore


def compare(spec: Spec, installation: Installation, running: Running) -> Plan:
    """What deploying ``spec`` would change, section by section."""
    record = running.store.get_state(spec.name) or {}
    deployed = record if status_of(record) == SUCCEEDED else {}
    deployed_spec = Spec.from_json(deployed["spec"]) if "spec" in deployed else None
    if spec.schedule is not None:  # a scheduled job: no service; its schedule instead
        service = None
        running_revision = (
            deployed.get("taskDefinitionArn") if deployed.get("scheduleArn") else None
        )
    else:
        service = running.ecs.describe_service(spec.cluster, spec.name)
        running_revision = service["taskDefinition"] if service else None
    revision = running.ecs.task_definition(running_revision) if running_revision else None
    target = running.autoscaling.scalable_target(scalable_resource_id(spec)) if service else None
    wanted = pin_images(register_task_definition_input(spec), running.ecr, installation)
    return Plan(
        service=spec.name,
        cluster=spec.cluster,
        sections=(
            Section("taskDefinition", _definition(revision), _definition(wanted)),
            _runner(spec, installation, deployed, deployed_spec, service, target),
            Section(
                "network",
                network_plan(deployed_spec) if deployed_spec else None,
                network_plan(spec),
            ),
            Section(
                "loadBalancer",
                load_balancer_plan(deployed_spec) if deployed_spec else None,
                load_balancer_plan(spec),
            ),
            Section("autoscaling", _scaling(deployed_spec, target), _scaling(spec, None)),
        ),
    )


def _runner(  # noqa: PLR0917 - the two sides of the comparison and what binds them
    spec: Spec,
    installation: Installation,
    deployed: dict[str, Any],
    deployed_spec: Spec | None,
    service: dict[str, Any] | None,
    target: dict[str, Any] | None,
) -> Section:
    """What starts the tasks: the service's settings as UpdateService would send them, or
    a scheduled job's schedule as its last deployment set it (the spec that was deployed)."""
    if spec.schedule is not None:
        before = deployed_spec.schedule if deployed_spec and deployed.get("scheduleArn") else None
        return Section("schedule", before, spec.schedule)
    request = update_service_input(
        spec,
        _resources(spec, installation, deployed),
        desired_count=running_desired_count(spec, service, target),
    )
    return Section("service", _service_settings(service), _service_settings(request))


def _resources(spec: Spec, installation: Installation, deployed: dict[str, Any]) -> Resources:
    """The ids the service would bind to: the recorded ones while the plans are unchanged
    (the steps reuse them then), placeholders where they would be built anew."""
    placeholders = Resources.placeholders(spec)
    network = unchanged_network(spec, deployed)
    if network is None:
        return placeholders
    load_balancer = unchanged_load_balancer(spec, deployed, network)
    recorded = load_balancer.target_group_arn if load_balancer else None
    target_group = recorded or placeholders.target_group_arn
    return Resources(
        task_definition_arn=placeholders.task_definition_arn,
        subnet_ids=network.task_subnet_ids,
        security_group_ids=network.task_security_group_ids,
        target_group_arn=target_group if spec.has_load_balancer else None,
        extra=progressive_resources(load_balancer, installation) or placeholders.extra,
    )


def _definition(definition: dict[str, Any] | None) -> Any:
    """A revision as RegisterTaskDefinition takes it, without what does not count."""
    if definition is None:
        return None
    return comparable(Ecs.as_register_input(definition))


def _service_settings(service: dict[str, Any] | None) -> dict[str, Any] | None:
    """describe-services or an UpdateService input, reduced to the settings compared."""
    if service is None:
        return None
    settings = {k: service[k] for k in _SERVICE_SETTINGS if service.get(k) not in (None, [])}
    if not settings.get("healthCheckGracePeriodSeconds"):
        settings.pop("healthCheckGracePeriodSeconds", None)  # 0 is ECS's "none"
    settings["deploymentConfiguration"] = _deployment_settings(
        settings.get("deploymentConfiguration") or {}
    )
    vpc = (settings.get("networkConfiguration") or {}).get("awsvpcConfiguration")
    if vpc:
        settings["networkConfiguration"] = {
            "awsvpcConfiguration": {
                "subnets": sorted(vpc.get("subnets", [])),
                "securityGroups": sorted(vpc.get("securityGroups", [])),
                "assignPublicIp": vpc.get("assignPublicIp", "DISABLED"),
            }
        }
    if "loadBalancers" in settings:
        settings["loadBalancers"] = [
            {k: lb[k] for k in _LOAD_BALANCER_KEYS if k in lb} for lb in settings["loadBalancers"]
        ]
    return settings


def _deployment_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The deployment configuration compared; what is ECS's default either way (a ROLLING
    strategy, alarms off, no hooks) is left out, whether describe shows it or not."""
    settings = {k: config[k] for k in _DEPLOYMENT_SETTINGS if k in config}
    if settings.get("strategy") == "ROLLING":
        settings.pop("strategy")
    if not (settings.get("alarms") or {}).get("enable"):
        settings.pop("alarms", None)
    if not settings.get("lifecycleHooks"):
        settings.pop("lifecycleHooks", None)
    return settings


def _scaling(spec: Spec | None, target: dict[str, Any] | None) -> dict[str, Any] | None:
    """The autoscaling bounds and CPU target a spec asks for (or, without a deployed spec,
    the bounds of the scalable target that exists)."""
    scaling = spec.service.get("autoscaling") if spec else None
    if scaling:
        return dict(scaling)
    if target is not None:
        return {"minCapacity": target["MinCapacity"], "maxCapacity": target["MaxCapacity"]}
    return None


def _yaml_lines(value: Any) -> list[str]:
    if value is None:
        return []
    text = yaml.safe_dump(value, sort_keys=True, default_flow_style=False, width=100)
    return text.splitlines()
