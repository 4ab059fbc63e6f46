"""The exact AWS API inputs a spec deploys with.

One code path for ``ecsdrop render`` and for the deployment: render passes placeholders
for ids that only exist once the network and load balancer are built; the workflow passes
the real ones.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ecsdrop.aws.autoscaling import SCALABLE_DIMENSION, SERVICE_NAMESPACE
from ecsdrop.spec.defaults import log_group_name
from ecsdrop.spec.installation import Installation
from ecsdrop.spec.model import Spec

TAG_SERVICE = "ecsdrop:service"
TAG_DIGEST = "ecsdrop:spec-digest"
TAG_ROLE = "ecsdrop:role"
TAG_DEPLOYMENT = "ecsdrop:deployment"
TAG_MANAGED_BY = "ecsdrop:managed-by"
ECS_MAX_TAGS = 50  # per resource
# The tags ecsdrop adds to every task definition it registers, beside the spec's own.
TASK_DEFINITION_OWN_TAGS = (TAG_SERVICE, TAG_DIGEST, TAG_DEPLOYMENT)
RESERVED_TAG_PREFIXES = ("aws:", "ecsdrop:")


@dataclass(frozen=True)
class Resources:
    """Ids the service binds to, known only after the earlier steps ran."""

    task_definition_arn: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    target_group_arn: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def placeholders(cls, spec: Spec) -> Resources:
        tier = spec.network["placement"]
        count = _subnet_count(spec)
        return cls(
            task_definition_arn=f"<{spec.task_definition['family']}: the revision registered>",
            subnet_ids=tuple(f"<{tier} subnet {i + 1}>" for i in range(count)),
            security_group_ids=(
                "<tasks security group>",
                *spec.network["securityGroupIds"],
            ),
            target_group_arn="<target group>" if spec.has_load_balancer else None,
            extra=_progressive_placeholders(spec),
        )


def _progressive_placeholders(spec: Spec) -> dict[str, str]:
    if not spec.has_load_balancer or not is_progressive(spec):
        return {}
    extra = {
        ALTERNATE_TARGET_GROUP: "<alternate target group>",
        PRODUCTION_LISTENER_RULE: "<production listener rule>",
        LOAD_BALANCER_ROLE: "<the stack's ECS load balancer role>",
        STAGE_REPORTER: "<the stack's RolloutStages function>",
    }
    if "testListener" in spec.service["deployment"]:
        extra[TEST_LISTENER_RULE] = "<test listener rule>"
    return extra


def _subnet_count(spec: Spec) -> int:
    network = spec.network
    if "vpc" in network:
        count: int = network["vpc"]["availabilityZones"]
        return count
    existing = network["existing"]
    ids = existing.get(f"{network['placement']}SubnetIds")
    return len(ids) if ids else 1


def short_name(*parts: str, limit: int = 32) -> str:
    """A name made of ``parts`` that fits AWS's limit; long names keep a stable hash suffix."""
    name = "-".join(parts)
    if len(name) <= limit:
        return name
    suffix = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: limit - 7].rstrip('-')}-{suffix}"


def ecsdrop_tags(spec: Spec, role: str | None = None) -> dict[str, str]:
    """The tags every resource ecsdrop creates for a service carries (rollback finds them)."""
    tags = {TAG_SERVICE: spec.name, TAG_MANAGED_BY: "ecsdrop"}
    if role:
        tags[TAG_ROLE] = role
    return tags


def tag_list(tags: dict[str, str], key: str = "key", value: str = "value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in tags.items()]


# --------------------------------------------------------------------------- task definition


def register_task_definition_input(spec: Spec) -> dict[str, Any]:
    """RegisterTaskDefinition's input: the spec's taskDefinition plus ecsdrop's tags."""
    task = spec.task_definition
    own = {k: v for k, v in task.items() if k != "tags"}
    user_tags = [
        t
        for t in task.get("tags", [])
        if not str(t.get("key", "")).startswith(RESERVED_TAG_PREFIXES)
    ]
    tags = [*user_tags, *tag_list({TAG_SERVICE: spec.name, TAG_DIGEST: spec.digest})]
    return {**own, "tags": tags}


def log_group_input(spec: Spec, installation: Installation) -> dict[str, Any] | None:
    """The log group the default awslogs configuration writes to (created by the deployment)."""
    wanted = log_group_name(spec.name, installation)
    for container in spec.task_definition["containerDefinitions"]:
        options = container["logConfiguration"].get("options", {})
        if options.get("awslogs-group") == wanted:
            return {
                "logGroupName": wanted,
                "retentionInDays": installation.log_retention_days,
                "tags": ecsdrop_tags(spec),
            }
    return None


# --------------------------------------------------------------------------- network


def network_plan(spec: Spec) -> dict[str, Any]:
    """What the network step builds or looks up, including the security groups' rules."""
    network = spec.network
    plan: dict[str, Any] = {
        "placement": network["placement"],
        "assignPublicIp": "ENABLED" if network["placement"] == "public" else "DISABLED",
        "securityGroups": security_group_plan(spec),
        "extraSecurityGroupIds": network["securityGroupIds"],
    }
    if "existing" in network:
        return {"mode": "existing", **network["existing"], **plan}
    vpc = network["vpc"]
    zones = vpc["availabilityZones"]
    nat = {"single": 1, "perAz": zones, "none": 0}[vpc["natGateways"]]
    return {
        "mode": "managed",
        "cidr": vpc["cidr"],
        "availabilityZones": zones,
        "subnets": subnet_plan(vpc["cidr"], zones, private=network["placement"] == "private"),
        "internetGateway": True,
        "natGateways": nat,
        **plan,
    }


def subnet_plan(cidr: str, zones: int, private: bool) -> list[dict[str, Any]]:
    """Public subnets first, then private ones, each a sixteenth of the VPC, one per zone."""
    network = ipaddress.ip_network(cidr, strict=False)
    blocks = list(network.subnets(new_prefix=min(network.prefixlen + 4, 28)))
    tiers = ["public", "private"] if private else ["public"]
    plan = []
    for t, tier in enumerate(tiers):
        for zone in range(zones):
            plan.append({"tier": tier, "zone": zone, "cidr": str(blocks[t * 8 + zone])})
    return plan


def security_group_plan(spec: Spec) -> dict[str, Any]:
    """The seed's rules: the LB open to the internet on its listener ports; the tasks open
    only on the target port and only to the LB's group; without a LB, the mapped ports
    from anywhere (public) or from inside the VPC (private)."""
    groups: dict[str, Any] = {}
    tasks: dict[str, Any] = {
        "name": short_name("ecsdrop", spec.name, "tasks", limit=255),
        "description": f"ecsdrop: tasks of service {spec.name}",
        "ingress": [],
    }
    if spec.has_load_balancer and "rule" not in spec.load_balancer:
        lb = spec.load_balancer
        protocols = _ip_protocols(lb["listener"]["protocol"])
        ports = [lb["listener"]["port"]]
        if lb["listener"].get("redirectHttpToHttps"):
            ports.append(80)
        test = spec.service["deployment"].get("testListener")
        if test:  # as reachable as production: test traffic comes from where users are
            ports.append(test["port"])
        groups["loadBalancer"] = {
            "name": short_name("ecsdrop", spec.name, "lb", limit=255),
            "description": f"ecsdrop: load balancer of service {spec.name}",
            "ingress": [
                {"protocol": p, "port": port, "cidr": "0.0.0.0/0"}
                for port in ports
                for p in protocols
            ],
        }
        tasks["ingress"] = [
            {"protocol": p, "port": lb["target"]["containerPort"], "fromGroup": "loadBalancer"}
            for p in protocols
        ]
    elif spec.has_load_balancer:
        # A shared ALB: its own group is the user's; the tasks accept the target port from the VPC.
        tasks["ingress"] = [
            {
                "protocol": "tcp",
                "port": spec.load_balancer["target"]["containerPort"],
                "cidr": "vpc",
            }
        ]
    else:
        source = "0.0.0.0/0" if spec.network["placement"] == "public" else "vpc"
        tasks["ingress"] = [
            {"protocol": m["protocol"], "port": m["containerPort"], "cidr": source}
            for c in spec.task_definition["containerDefinitions"]
            for m in c["portMappings"]
        ]
    groups["tasks"] = tasks
    return groups


def _ip_protocols(listener_protocol: str) -> list[str]:
    return {"UDP": ["udp"], "TCP_UDP": ["tcp", "udp"]}.get(listener_protocol, ["tcp"])


# --------------------------------------------------------------------------- load balancer


def load_balancer_plan(spec: Spec) -> dict[str, Any]:
    """The load balancer, target group, listeners and rule the load-balancer step builds."""
    lb = spec.load_balancer
    if lb["type"] == "none":
        return {"type": "none"}
    target = lb["target"]
    check = lb["healthCheck"]
    target_group = {
        "Name": short_name("ecsdrop", spec.name, str(target["containerPort"])),
        "Protocol": _target_protocol(lb),
        "Port": target["containerPort"],
        "TargetType": "ip",
        "HealthCheckProtocol": check["protocol"],
        "HealthCheckPort": str(check["port"]),
        "HealthCheckIntervalSeconds": check["intervalSeconds"],
        "HealthCheckTimeoutSeconds": check["timeoutSeconds"],
        "HealthyThresholdCount": check["healthyThresholdCount"],
        "UnhealthyThresholdCount": check["unhealthyThresholdCount"],
    }
    if "path" in check:
        target_group["HealthCheckPath"] = check["path"]
        target_group["Matcher"] = {"HttpCode": check["matcher"]}
    plan: dict[str, Any] = {
        "type": lb["type"],
        "targetGroup": target_group,
        "deregistrationDelaySeconds": lb["deregistrationDelaySeconds"],
    }
    if is_progressive(spec):
        plan["alternateTargetGroup"] = {
            **target_group,
            "Name": short_name("ecsdrop", spec.name, str(target["containerPort"]), "alt"),
        }
    if "rule" in lb:
        plan["rule"] = lb["rule"]
        return plan
    if is_progressive(spec):
        plan["productionRule"] = PRODUCTION_RULE
        test = spec.service["deployment"].get("testListener")
        if test:
            plan["testListener"] = {
                "Protocol": "HTTP",
                "Port": test["port"],
                "DefaultActions": [_NOT_FOUND],
            }
    plan["loadBalancer"] = {
        "Name": short_name("ecsdrop", spec.name),
        "Type": lb["type"],
        "Scheme": lb["scheme"],
        "IpAddressType": "ipv4",
    }
    plan["listeners"] = _listeners(lb["listener"])
    return plan


# A progressive strategy's traffic goes through a rule ECS re-weights (a listener's default
# action cannot be shifted by ECS): every path, ahead of the default action, first.
PRODUCTION_RULE: dict[str, Any] = {
    "priority": 1,
    "conditions": [{"Field": "path-pattern", "Values": ["/*"]}],
}
_NOT_FOUND = {
    "Type": "fixed-response",
    "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain"},
}


def weighted_forward(primary: str, alternate: str) -> dict[str, Any]:
    """A forward action to both target groups, all the traffic to ``primary``: the action a
    progressive strategy's rules start with (ECS changes the weights from there)."""
    return {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [
                {"TargetGroupArn": primary, "Weight": 100},
                {"TargetGroupArn": alternate, "Weight": 0},
            ]
        },
    }


def forwarded_target_groups(actions: list[dict[str, Any]]) -> set[str]:
    """The target groups a rule's or listener's actions forward to (plain or weighted)."""
    found = set()
    for action in actions:
        if action.get("TargetGroupArn"):
            found.add(str(action["TargetGroupArn"]))
        for group in (action.get("ForwardConfig") or {}).get("TargetGroups", []):
            found.add(str(group["TargetGroupArn"]))
    return found


def _target_protocol(lb: dict[str, Any]) -> str:
    if lb["type"] == "application":
        return "HTTP"
    protocol: str = lb["listener"]["protocol"]
    return "TCP" if protocol == "TLS" else protocol


def _listeners(listener: dict[str, Any]) -> list[dict[str, Any]]:
    main: dict[str, Any] = {
        "Protocol": listener["protocol"],
        "Port": listener["port"],
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": "<target group>"}],
    }
    if "certificateArn" in listener:
        main["Certificates"] = [{"CertificateArn": listener["certificateArn"]}]
        main["SslPolicy"] = listener["sslPolicy"]
    listeners = [main]
    if listener.get("redirectHttpToHttps"):
        listeners.append(
            {
                "Protocol": "HTTP",
                "Port": 80,
                "DefaultActions": [
                    {
                        "Type": "redirect",
                        "RedirectConfig": {
                            "Protocol": "HTTPS",
                            "Port": str(listener["port"]),
                            "StatusCode": "HTTP_301",
                        },
                    }
                ],
            }
        )
    return listeners


# --------------------------------------------------------------------------- service


def network_configuration(spec: Spec, resources: Resources) -> dict[str, Any]:
    """Where the service's tasks (and a one-off task of the spec) get their ENI."""
    return {
        "awsvpcConfiguration": {
            "subnets": list(resources.subnet_ids),
            "securityGroups": list(resources.security_group_ids),
            "assignPublicIp": network_plan(spec)["assignPublicIp"],
        }
    }


def create_service_input(spec: Spec, resources: Resources) -> dict[str, Any]:
    """CreateService's input for the spec bound to ``resources``."""
    service = spec.service
    deployment = service["deployment"]
    request: dict[str, Any] = {
        "cluster": spec.cluster,
        "serviceName": spec.name,
        "taskDefinition": resources.task_definition_arn,
        "desiredCount": service["desiredCount"],
        "launchType": "FARGATE",
        "platformVersion": service["platformVersion"],
        "deploymentConfiguration": deployment_configuration(
            deployment,
            resources.extra.get(LOAD_BALANCER_ROLE),
            service=spec.name,
            reporter_arn=resources.extra.get(STAGE_REPORTER),
        ),
        "networkConfiguration": network_configuration(spec, resources),
        "enableExecuteCommand": service["enableExecuteCommand"],
        "enableECSManagedTags": True,
        "propagateTags": service["propagateTags"],
        "tags": tag_list({**service["tags"], **ecsdrop_tags(spec), TAG_DIGEST: spec.digest}),
    }
    if resources.target_group_arn:
        target = spec.load_balancer["target"]
        binding: dict[str, Any] = {
            "targetGroupArn": resources.target_group_arn,
            "containerName": target["containerName"],
            "containerPort": target["containerPort"],
        }
        if is_progressive(spec):
            binding["advancedConfiguration"] = advanced_configuration(resources)
        request["loadBalancers"] = [binding]
        request["healthCheckGracePeriodSeconds"] = deployment["healthCheckGracePeriodSeconds"]
    return request


# ECS's names of the strategies the spec names in camelCase
STRATEGIES = {
    "rolling": "ROLLING",
    "blueGreen": "BLUE_GREEN",
    "linear": "LINEAR",
    "canary": "CANARY",
}
# Resources.extra's keys: what a progressive strategy's load balancing binds the service to
ALTERNATE_TARGET_GROUP = "alternateTargetGroupArn"
PRODUCTION_LISTENER_RULE = "productionListenerRule"
TEST_LISTENER_RULE = "testListenerRule"
LOAD_BALANCER_ROLE = "roleArn"
# not ECS's: the function ECS invokes to report each stage (ecsdrop.deploy.stages)
STAGE_REPORTER = "stageReporterArn"
# the stages it reports at (POST_TEST_TRAFFIC_SHIFT only with a test listener)
REPORTED_STAGES = (
    "POST_SCALE_UP",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
)
STAGE_REPORTER_TIMEOUT_MINUTES = 5


def is_progressive(spec: Spec) -> bool:
    """Whether ECS shifts the spec's traffic itself (blue/green, linear, canary)."""
    return str(spec.service["deployment"].get("strategy", "rolling")) != "rolling"


def deployment_configuration(
    deployment: dict[str, Any],
    role_arn: str | None = None,
    *,
    service: str = "",
    reporter_arn: str | None = None,
) -> dict[str, Any]:
    """CreateService's deploymentConfiguration: a rolling update's percents and circuit
    breaker, and a progressive strategy's steps, bake and lifecycle hooks (ECS's field
    names; ``role_arn``: the role ECS invokes the hooks as; ``reporter_arn``: ecsdrop's
    function that announces the stages of ``service``)."""
    configuration: dict[str, Any] = {
        "deploymentCircuitBreaker": dict(deployment["circuitBreaker"]),
        "maximumPercent": deployment["maximumPercent"],
        "minimumHealthyPercent": deployment["minimumHealthyPercent"],
    }
    if "alarms" in deployment:
        configuration["alarms"] = {
            "alarmNames": list(deployment["alarms"]),
            "enable": True,
            "rollback": True,
        }
    strategy = str(deployment.get("strategy", "rolling"))
    if strategy == "rolling":
        return configuration  # as before strategies came: ECS's default is ROLLING
    configuration["strategy"] = STRATEGIES[strategy]
    configuration["bakeTimeInMinutes"] = deployment["bakeTimeMinutes"]
    if "canary" in deployment:
        configuration["canaryConfiguration"] = {
            "canaryPercent": deployment["canary"]["percent"],
            "canaryBakeTimeInMinutes": deployment["canary"]["bakeTimeMinutes"],
        }
    if "linear" in deployment:
        configuration["linearConfiguration"] = {
            "stepPercent": deployment["linear"]["stepPercent"],
            "stepBakeTimeInMinutes": deployment["linear"]["stepBakeTimeMinutes"],
        }
    hooks = [lifecycle_hook(hook, role_arn) for hook in deployment.get("hooks", [])]
    if reporter_arn:
        hooks.append(stage_reporter_hook(deployment, service, reporter_arn, role_arn))
    if hooks:
        configuration["lifecycleHooks"] = hooks
    return configuration


def stage_reporter_hook(
    deployment: dict[str, Any], service: str, function_arn: str, role_arn: str | None
) -> dict[str, Any]:
    """ecsdrop's own hook: the RolloutStages function announces each stage. What it says
    travels as hookDetails; a timeout continues, so a report never holds a deployment."""
    stages = [s for s in REPORTED_STAGES if s != "POST_TEST_TRAFFIC_SHIFT"]
    if "testListener" in deployment:
        stages = list(REPORTED_STAGES)
    step = deployment.get("canary") or {}
    details: dict[str, Any] = {
        "service": service,
        "strategy": deployment["strategy"],
        "bakeTimeMinutes": deployment["bakeTimeMinutes"],
    }
    if "canary" in deployment:
        details["stepBakeTimeMinutes"] = step["bakeTimeMinutes"]
    if "linear" in deployment:
        details["stepBakeTimeMinutes"] = deployment["linear"]["stepBakeTimeMinutes"]
    return {
        "targetType": "AWS_LAMBDA",
        "hookTargetArn": function_arn,
        "roleArn": role_arn or "<the stack's ECS infrastructure role>",
        "lifecycleStages": stages,
        "timeoutConfiguration": {
            "timeoutInMinutes": STAGE_REPORTER_TIMEOUT_MINUTES,
            "action": "CONTINUE",
        },
        "hookDetails": details,
    }


def lifecycle_hook(hook: dict[str, Any], role_arn: str | None) -> dict[str, Any]:
    """One spec hook as ECS's DeploymentLifecycleHook."""
    rendered: dict[str, Any] = {
        "targetType": "PAUSE" if hook.get("pause") else "AWS_LAMBDA",
        "lifecycleStages": [hook["stage"]],
        "timeoutConfiguration": {
            "timeoutInMinutes": hook["timeoutMinutes"],
            "action": str(hook["onTimeout"]).upper(),
        },
    }
    if not hook.get("pause"):
        rendered["hookTargetArn"] = hook["function"]
        rendered["roleArn"] = role_arn or "<the stack's ECS infrastructure role>"
        if "details" in hook:
            rendered["hookDetails"] = hook["details"]
    return rendered


def advanced_configuration(resources: Resources) -> dict[str, str]:
    """The load balancer binding's advancedConfiguration: the second target group, the rules
    ECS shifts, and the role it shifts them as."""
    keys = (
        ALTERNATE_TARGET_GROUP,
        PRODUCTION_LISTENER_RULE,
        TEST_LISTENER_RULE,
        LOAD_BALANCER_ROLE,
    )
    return {key: resources.extra[key] for key in keys if key in resources.extra}


def update_service_input(
    spec: Spec, resources: Resources, desired_count: int | None = None
) -> dict[str, Any]:
    """UpdateService's input: what CreateService sets that UpdateService can change
    (``desired_count``: the count to keep, for a service that autoscaling scales)."""
    create = create_service_input(spec, resources)
    request = {
        "cluster": create["cluster"],
        "service": create["serviceName"],
        "taskDefinition": create["taskDefinition"],
        "desiredCount": create["desiredCount"] if desired_count is None else desired_count,
        "platformVersion": create["platformVersion"],
        "deploymentConfiguration": create["deploymentConfiguration"],
        "networkConfiguration": create["networkConfiguration"],
        "enableExecuteCommand": create["enableExecuteCommand"],
        "enableECSManagedTags": True,
        "propagateTags": create["propagateTags"],
        "loadBalancers": create.get("loadBalancers", []),
    }
    if "healthCheckGracePeriodSeconds" in create:
        request["healthCheckGracePeriodSeconds"] = create["healthCheckGracePeriodSeconds"]
    return request


def scalable_resource_id(spec: Spec) -> str:
    """Application Auto Scaling's name for the service's desired count."""
    return f"service/{spec.cluster}/{spec.name}"


def autoscaling_inputs(spec: Spec) -> dict[str, Any] | None:
    scaling = spec.service.get("autoscaling")
    if not scaling:
        return None
    resource_id = scalable_resource_id(spec)
    return {
        "registerScalableTarget": {
            "ServiceNamespace": SERVICE_NAMESPACE,
            "ResourceId": resource_id,
            "ScalableDimension": SCALABLE_DIMENSION,
            "MinCapacity": scaling["minCapacity"],
            "MaxCapacity": scaling["maxCapacity"],
        },
        "putScalingPolicy": {
            "PolicyName": short_name("ecsdrop", spec.name, "cpu", limit=255),
            "ServiceNamespace": SERVICE_NAMESPACE,
            "ResourceId": resource_id,
            "ScalableDimension": SCALABLE_DIMENSION,
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": float(scaling["cpuTarget"]),
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
                },
            },
        },
    }


# --------------------------------------------------------------------------- all of it


def render(spec: Spec, installation: Installation) -> dict[str, Any]:
    """Everything the deployment will call, with placeholders for ids made along the way."""
    resources = Resources.placeholders(spec)
    return {
        "service": spec.name,
        "cluster": spec.cluster,
        "specDigest": spec.digest,
        "registerTaskDefinition": register_task_definition_input(spec),
        "logGroup": log_group_input(spec, installation),
        "network": network_plan(spec),
        "loadBalancer": load_balancer_plan(spec),
        "createService": create_service_input(spec, resources),
        "updateService": update_service_input(spec, resources),
        "autoscaling": autoscaling_inputs(spec),
        "triggers": spec.triggers,
        "notifications": spec.notifications,
    }


# --------------------------------------------------------------------------- one-off tasks


@dataclass(frozen=True)
class RunRequest:
    """A one-off task of the spec: which container is run how, and how many tasks."""

    container: str
    command: tuple[str, ...] | None = None  # None: the container's own
    environment: dict[str, str] = field(default_factory=dict)
    count: int = 1
    started_by: str = "ecsdrop"


def run_task_input(spec: Spec, resources: Resources, request: RunRequest) -> dict[str, Any]:
    """RunTask's input: the spec's task definition, revision ``resources.task_definition_arn``,
    as a Fargate task in the service's network, with the container's overrides."""
    override: dict[str, Any] = {"name": request.container}
    if request.command is not None:
        override["command"] = list(request.command)
    if request.environment:
        override["environment"] = [{"name": k, "value": v} for k, v in request.environment.items()]
    return {
        "cluster": spec.cluster,
        "taskDefinition": resources.task_definition_arn,
        "count": request.count,
        "launchType": "FARGATE",
        "platformVersion": spec.service["platformVersion"],
        "networkConfiguration": network_configuration(spec, resources),
        "overrides": {"containerOverrides": [override]},
        "startedBy": request.started_by,
        "group": f"ecsdrop-run:{spec.name}",
        "enableECSManagedTags": True,
        "propagateTags": "TASK_DEFINITION",
        "tags": tag_list({**spec.service["tags"], **ecsdrop_tags(spec, "run-task")}),
    }


SCHEDULE_RETRY_ATTEMPTS = 3  # Scheduler retries a RunTask that failed (a throttle, capacity)
SCHEDULE_MAX_EVENT_AGE_SECONDS = 3600  # ... for at most an hour after the scheduled time


SCHEDULED_RUN_GROUP = "ecsdrop-schedule:"


def schedule_group_of(spec: Spec) -> str:
    """The ECS task group of a scheduled job's runs: what its "ECS Task State Change"
    events carry, so a failed run is told apart from every other task."""
    return f"{SCHEDULED_RUN_GROUP}{spec.name}"


def job_of_group(group: object) -> str | None:
    """The scheduled job whose run carries ECS task group ``group``; None for other tasks."""
    if isinstance(group, str) and group.startswith(SCHEDULED_RUN_GROUP):
        return group.removeprefix(SCHEDULED_RUN_GROUP) or None
    return None


def job_container(spec: Spec) -> str:
    """The container whose exit code is a scheduled run's: the first essential one."""
    containers = spec.task_definition["containerDefinitions"]
    essential = [c for c in containers if c.get("essential", True)]
    return str((essential or containers)[0]["name"])


def schedule_description(service: str) -> str:
    """Marks a schedule as ecsdrop's for ``service`` (schedules carry no tags)."""
    return f"{TAG_SERVICE}={service}"


def schedule_input(spec: Spec, resources: Resources, installation: Installation) -> dict[str, Any]:
    """CreateSchedule's (and UpdateSchedule's) input: the job's schedule in ecsdrop's group,
    running the spec's task definition, revision ``resources.task_definition_arn``, as a
    Fargate task in the spec's network, started as the stack's scheduler role."""
    schedule = spec.schedule
    if schedule is None:
        raise ValueError(f"spec {spec.name} has no schedule")
    network = network_configuration(spec, resources)["awsvpcConfiguration"]
    window = schedule.get("flexibleWindowMinutes")
    tags = {**spec.service["tags"], **ecsdrop_tags(spec, "scheduled-task")}
    cluster = f"arn:{installation.partition}:ecs:{installation.region}:{installation.account_id}"
    return {
        "Name": spec.name,
        "GroupName": installation.schedule_group,
        "Description": schedule_description(spec.name),
        "ScheduleExpression": schedule["expression"],
        "ScheduleExpressionTimezone": schedule["timezone"],
        "FlexibleTimeWindow": (
            {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": window} if window else {"Mode": "OFF"}
        ),
        "State": "ENABLED" if schedule["enabled"] else "DISABLED",
        "ActionAfterCompletion": "NONE",  # an at() job's schedule stays until its spec goes
        "Target": {
            "Arn": f"{cluster}:cluster/{spec.cluster}",
            "RoleArn": installation.default_scheduler_role_arn,
            "EcsParameters": {
                "TaskDefinitionArn": resources.task_definition_arn,
                "TaskCount": 1,
                "LaunchType": "FARGATE",
                "PlatformVersion": spec.service["platformVersion"],
                "NetworkConfiguration": {
                    "awsvpcConfiguration": {
                        "Subnets": network["subnets"],
                        "SecurityGroups": network["securityGroups"],
                        "AssignPublicIp": network["assignPublicIp"],
                    }
                },
                "Group": schedule_group_of(spec),
                "EnableECSManagedTags": True,
                "PropagateTags": "TASK_DEFINITION",
                "Tags": [{key: value} for key, value in tags.items()],
            },
            "RetryPolicy": {
                "MaximumRetryAttempts": SCHEDULE_RETRY_ATTEMPTS,
                "MaximumEventAgeInSeconds": SCHEDULE_MAX_EVENT_AGE_SECONDS,
            },
        },
    }


def container_log_target(spec: Spec, container: str) -> tuple[str, str] | None:
    """The log group and stream prefix the awslogs driver writes ``container``'s output
    under; None for another log driver, or awslogs without a stream prefix (the stream is
    then named by the container's id)."""
    definitions = register_task_definition_input(spec)["containerDefinitions"]
    definition: dict[str, Any] = next((c for c in definitions if c["name"] == container), {})
    log = definition.get("logConfiguration") or {}
    options = log.get("options") or {}
    if log.get("logDriver") != "awslogs" or not options.get("awslogs-stream-prefix"):
        return None
    return options["awslogs-group"], options["awslogs-stream-prefix"]


def log_stream_of(prefix: str, container: str, task_arn: str) -> str:
    """The awslogs stream of ``container`` in the task ``task_arn``:
    ``<prefix>/<container>/<task id>``."""
    return f"{prefix}/{container}/{task_arn.rsplit('/', 1)[-1]}"


def container_log_stream(spec: Spec, container: str, task_arn: str) -> tuple[str, str] | None:
    """The log group and stream ``container``'s output goes to in the task ``task_arn``."""
    target = container_log_target(spec, container)
    if target is None:
        return None
    group, prefix = target
    return group, log_stream_of(prefix, container, task_arn)
