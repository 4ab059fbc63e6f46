"""Defaults: turn a valid spec as written into the complete spec the deployment uses.

Pure functions over plain data; the input is never modified. ``ecsdrop render`` prints the
result so every default is visible.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from ecsdrop.aws.ecs import READ_ONLY_TASK_DEFINITION_FIELDS
from ecsdrop.notify.states import ALL_STATES
from ecsdrop.spec.images import parse_image
from ecsdrop.spec.installation import Installation
from ecsdrop.spec.units import FARGATE_SIZES, cpu_units, memory_mib
from ecsdrop.states import ROLLING_OUT, RUN_FAILED

# Pasted from describe-task-definition: accepted, dropped before registering.
READ_ONLY_TASK_FIELDS = READ_ONLY_TASK_DEFINITION_FIELDS
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"

Data = dict[str, Any]


def apply_defaults(spec: Data, installation: Installation) -> Data:
    """The complete spec: every optional field filled the way the deployment will use it."""
    source = copy.deepcopy(spec)
    service = _service(source.get("service", {}), installation)
    task = _task_definition(source["taskDefinition"], service["name"], installation)
    schedule = source.get("schedule")
    if schedule is None:
        load_balancer = _load_balancer(source.get("loadBalancer"), task)
    else:  # a scheduled job serves nothing: no load balancer unless one is given (an error)
        load_balancer = _load_balancer(source.get("loadBalancer", {"type": "none"}), task)
    has_lb = load_balancer["type"] != "none"
    if has_lb:
        service["deployment"].setdefault("healthCheckGracePeriodSeconds", 60)
    complete = {
        "version": 1,
        "service": service,
        "taskDefinition": task,
        "network": _network(source.get("network", {}), has_lb),
        "loadBalancer": load_balancer,
        "triggers": _triggers(source.get("triggers"), task, installation),
        "notifications": _notifications(
            source.get("notifications", {}),
            schedule is not None,
            bool(_progressive(service["deployment"])),
        ),
    }
    if schedule is not None:
        complete["schedule"] = _schedule(schedule)
    return complete


def _schedule(schedule: Data) -> Data:
    return {
        "expression": schedule["expression"].strip(),
        "timezone": schedule.get("timezone", SCHEDULE_TIMEZONE),
        "flexibleWindowMinutes": schedule.get("flexibleWindowMinutes"),
        "enabled": schedule.get("enabled", True),
    }


PRE_DEPLOY_TIMEOUT_SECONDS = 900
STABILITY_TIMEOUT_SECONDS = 900
ROLLING = "rolling"
# ECS's defaults where it has them (bakeTimeInMinutes has none: BLUE_GREEN requires it)
BAKE_TIME_MINUTES = 5
CANARY_PERCENT = 5.0
CANARY_BAKE_TIME_MINUTES = 10
LINEAR_STEP_PERCENT = 10.0
LINEAR_STEP_BAKE_TIME_MINUTES = 6


def _progressive(deployment: Data) -> Data:
    """A progressive strategy's settings with their defaults; nothing for a rolling update
    (whose complete spec, digest included, stays what it was before strategies came)."""
    strategy = deployment.get("strategy", ROLLING)
    if strategy == ROLLING:
        return {}
    settings: Data = {"bakeTimeMinutes": deployment.get("bakeTimeMinutes", BAKE_TIME_MINUTES)}
    if strategy == "canary":
        canary = deployment.get("canary", {})
        settings["canary"] = {
            "percent": float(canary.get("percent", CANARY_PERCENT)),
            "bakeTimeMinutes": canary.get("bakeTimeMinutes", CANARY_BAKE_TIME_MINUTES),
        }
    if "hooks" in deployment:
        settings["hooks"] = [_hook(hook) for hook in deployment["hooks"]]
    if strategy == "linear":
        linear = deployment.get("linear", {})
        settings["linear"] = {
            "stepPercent": float(linear.get("stepPercent", LINEAR_STEP_PERCENT)),
            "stepBakeTimeMinutes": linear.get("stepBakeTimeMinutes", LINEAR_STEP_BAKE_TIME_MINUTES),
        }
    return settings


HOOK_TIMEOUT_MINUTES = 1440  # ECS's default (DeploymentLifecycleHookTimeoutConfiguration)


def _hook(hook: Data) -> Data:
    complete = {k: copy.deepcopy(v) for k, v in hook.items() if k in ("stage", "function", "pause")}
    if "details" in hook:
        complete["details"] = copy.deepcopy(hook["details"])
    complete["timeoutMinutes"] = hook.get("timeoutMinutes", HOOK_TIMEOUT_MINUTES)
    complete["onTimeout"] = hook.get("onTimeout", "rollback")
    return complete


def traffic_shift_minutes(deployment: Data) -> int:
    """The least time a progressive deployment takes once its new tasks run: the bakes
    between its traffic steps and the bake after the last (0 for a rolling update)."""
    settings = _progressive(deployment)
    if not settings:
        return 0
    minutes = int(settings["bakeTimeMinutes"])
    if "canary" in settings:
        minutes += int(settings["canary"]["bakeTimeMinutes"])
    if "linear" in settings:
        steps = math.ceil(100 / settings["linear"]["stepPercent"] - 1e-9)
        minutes += (steps - 1) * int(settings["linear"]["stepBakeTimeMinutes"])
    return minutes


def default_stability_timeout(deployment: Data) -> int:
    """The rollout's deadline: 15 minutes for the tasks, plus what the strategy bakes."""
    return min(86400, STABILITY_TIMEOUT_SECONDS + 60 * traffic_shift_minutes(deployment))


SCHEDULE_TIMEZONE = "UTC"


def _service(service: Data, installation: Installation) -> Data:
    deployment = service.get("deployment", {})
    breaker = deployment.get("circuitBreaker", {})
    result = {
        "name": service["name"],
        "cluster": service.get("cluster", installation.default_cluster),
        "desiredCount": service.get("desiredCount", 1),
        "deployment": {
            **deployment,
            "minimumHealthyPercent": deployment.get("minimumHealthyPercent", 100),
            "maximumPercent": deployment.get("maximumPercent", 200),
            "circuitBreaker": {
                "enable": breaker.get("enable", True),
                "rollback": breaker.get("rollback", True),
            },
            "stabilityTimeoutSeconds": deployment.get(
                "stabilityTimeoutSeconds", default_stability_timeout(deployment)
            ),
            **_progressive(deployment),
        },
        "platformVersion": service.get("platformVersion", "LATEST"),
        "enableExecuteCommand": service.get("enableExecuteCommand", False),
        "propagateTags": service.get("propagateTags", "SERVICE"),
        "tags": service.get("tags", {}),
        "adopt": service.get("adopt", False),
        "deletionPolicy": service.get("deletionPolicy", "retain"),
    }
    if "preDeploy" in service:
        result["preDeploy"] = [
            {
                "container": task["container"],
                "command": list(task["command"]),
                "timeoutSeconds": task.get("timeoutSeconds", PRE_DEPLOY_TIMEOUT_SECONDS),
            }
            for task in service["preDeploy"]
        ]
    if "autoscaling" in service:
        scaling = service["autoscaling"]
        result["autoscaling"] = {
            "minCapacity": scaling.get("minCapacity", result["desiredCount"]),
            "maxCapacity": scaling["maxCapacity"],
            "cpuTarget": scaling.get("cpuTarget", 70),
        }
    return result


# --------------------------------------------------------------------------- task definition


def _task_definition(task: Data, service_name: str, installation: Installation) -> Data:
    result = {k: v for k, v in task.items() if k not in READ_ONLY_TASK_FIELDS}
    result.setdefault("family", service_name)
    result["networkMode"] = "awsvpc"
    result["requiresCompatibilities"] = ["FARGATE"]
    result["cpu"], result["memory"] = _task_size(task)
    result["executionRoleArn"] = installation.role_arn(
        task.get("executionRoleArn", installation.default_execution_role_arn)
    )
    if "taskRoleArn" in task:
        result["taskRoleArn"] = installation.role_arn(task["taskRoleArn"])
    result["containerDefinitions"] = [
        _container(container, service_name, installation)
        for container in task["containerDefinitions"]
    ]
    return result


def _task_size(task: Data) -> tuple[str, str]:
    size = fargate_task_size(task)
    assert size is not None, "validated specs have a Fargate size"
    return str(size[0]), str(size[1])


def fargate_task_size(task: Data) -> tuple[int, int] | None:
    """Task CPU units and MiB; what the spec leaves out is the smallest Fargate size that fits.

    None when no Fargate size fits what the spec gives and its containers need.
    """
    cpu = cpu_units(task["cpu"]) if "cpu" in task else None
    memory = memory_mib(task["memory"]) if "memory" in task else None
    given = task.get("containerDefinitions")
    containers = [c for c in given if isinstance(c, dict)] if isinstance(given, list) else []
    cpu_needed = max(256, sum(_int(c.get("cpu")) for c in containers))
    memory_needed = max(
        512,
        sum(max(_int(c.get("memory")), _int(c.get("memoryReservation"))) for c in containers),
    )
    for size_cpu, memories in FARGATE_SIZES.items():
        if (cpu is None and size_cpu < cpu_needed) or (cpu is not None and size_cpu != cpu):
            continue
        for size_memory in memories:
            if (memory is None and size_memory >= memory_needed) or size_memory == memory:
                return size_cpu, size_memory
    return None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _container(container: Data, service_name: str, installation: Installation) -> Data:
    result = dict(container)
    result.setdefault("essential", True)
    result["portMappings"] = [
        {
            **mapping,
            "hostPort": mapping["containerPort"],
            "protocol": mapping.get("protocol", "tcp"),
        }
        for mapping in container.get("portMappings", [])
    ]
    result["logConfiguration"] = _log_configuration(
        container.get("logConfiguration"), container["name"], service_name, installation
    )
    return result


def log_group_name(service_name: str, installation: Installation) -> str:
    return f"{installation.log_group_prefix}/{service_name}"


def _log_configuration(
    log: Data | None, container_name: str, service_name: str, installation: Installation
) -> Data:
    if log is None:
        return {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_name(service_name, installation),
                "awslogs-region": installation.region,
                "awslogs-stream-prefix": container_name,
            },
        }
    if log.get("logDriver") == "awslogs":
        options = {"awslogs-region": installation.region, **log.get("options", {})}
        return {**log, "options": options}
    return log


# --------------------------------------------------------------------------- network, LB


def default_placement(has_load_balancer: bool) -> str:
    """Tasks behind a load balancer need no public address: private subnets behind NAT."""
    return "private" if has_load_balancer else "public"


def default_load_balancer_type(maps_a_port: bool) -> str:
    """An ALB when a container maps a port, else none."""
    return "application" if maps_a_port else "none"


def _network(network: Data, has_load_balancer: bool) -> Data:
    placement = network.get("placement", default_placement(has_load_balancer))
    result: Data = {"placement": placement, "securityGroupIds": network.get("securityGroupIds", [])}
    if "existing" in network:
        result["existing"] = network["existing"]
        return result
    vpc = network.get("vpc", {})
    result["vpc"] = {
        "cidr": vpc.get("cidr", "10.0.0.0/16"),
        "availabilityZones": vpc.get("availabilityZones", 2),
        "natGateways": vpc.get("natGateways", "single" if placement == "private" else "none"),
    }
    return result


def _first_port(task: Data) -> tuple[str, int] | None:
    for container in task["containerDefinitions"]:
        for mapping in container["portMappings"]:
            return container["name"], mapping["containerPort"]
    return None


def _load_balancer(load_balancer: Data | None, task: Data) -> Data:
    first = _first_port(task)
    given = load_balancer or {}
    kind = given.get("type", default_load_balancer_type(first is not None))
    if kind == "none":
        return {"type": "none"}
    target = given.get("target", {})
    port = target.get("containerPort")
    name = target.get("containerName") or _container_mapping(task, port)
    name = name or (first[0] if first else None)
    port = port or _first_port_of(task, name)
    return {
        "type": kind,
        "scheme": given.get("scheme", "internet-facing"),
        "listener": _listener(kind, given.get("listener", {})),
        "target": {"containerName": name, "containerPort": port},
        "healthCheck": _health_check(kind, given.get("healthCheck", {})),
        "deregistrationDelaySeconds": given.get(
            "deregistrationDelaySeconds", DEREGISTRATION_DELAY_SECONDS
        ),
        **({"rule": given["rule"]} if "rule" in given else {}),
    }


def _container_mapping(task: Data, port: int | None) -> str | None:
    """The container a target port belongs to (validation made sure one maps it)."""
    for container in task["containerDefinitions"]:
        if any(m["containerPort"] == port for m in container["portMappings"]):
            name: str = container["name"]
            return name
    return None


def _first_port_of(task: Data, container_name: str | None) -> int | None:
    for container in task["containerDefinitions"]:
        if container["name"] == container_name and container["portMappings"]:
            port: int = container["portMappings"][0]["containerPort"]
            return port
    return None


def default_listener_protocol(kind: str, secure: bool) -> str:
    """HTTPS or TLS with a certificate, HTTP or TCP without, by load balancer type."""
    if kind == "application":
        return "HTTPS" if secure else "HTTP"
    return "TLS" if secure else "TCP"


def _listener(kind: str, listener: Data) -> Data:
    protocol = listener.get(
        "protocol", default_listener_protocol(kind, "certificateArn" in listener)
    )
    result = {**listener, "protocol": protocol}
    result.setdefault("port", 443 if protocol in ("HTTPS", "TLS") else 80)
    if protocol in ("HTTPS", "TLS"):
        result.setdefault("sslPolicy", DEFAULT_SSL_POLICY)
    result.setdefault("redirectHttpToHttps", protocol == "HTTPS")
    return result


# Target health defaults (docs/spec.md gives the reasons): a new task is healthy after
# 2 checks 10 s apart (20 s; ELB's own defaults, 5 x 30 s, take 150 s, and AWS's ECS
# guide suggests 2 x 5 s for services that start in under 10 s), failed after 3 (30 s: one
# slow answer does not stop a task), each answer awaited 5 s (ELB requires less than the
# interval).
HEALTH_CHECK_INTERVAL_SECONDS = 10
HEALTH_CHECK_TIMEOUT_SECONDS = 5
HEALTHY_THRESHOLD = 2
UNHEALTHY_THRESHOLD = 3
# How long a draining target keeps its connections (ELB's default is 300 s).
DEREGISTRATION_DELAY_SECONDS = 30


def _health_check(kind: str, check: Data) -> Data:
    protocol = check.get("protocol", "HTTP" if kind == "application" else "TCP")
    result = {
        "protocol": protocol,
        "port": check.get("port", "traffic-port"),
        "intervalSeconds": check.get("intervalSeconds", HEALTH_CHECK_INTERVAL_SECONDS),
        "timeoutSeconds": check.get("timeoutSeconds", HEALTH_CHECK_TIMEOUT_SECONDS),
        "healthyThresholdCount": check.get("healthyThresholdCount", HEALTHY_THRESHOLD),
        "unhealthyThresholdCount": check.get("unhealthyThresholdCount", UNHEALTHY_THRESHOLD),
    }
    if protocol != "TCP":
        result["path"] = check.get("path", "/")
        result["matcher"] = check.get("matcher", "200-399")
    return result


# --------------------------------------------------------------------------- triggers, chat


def _triggers(triggers: list[Data] | None, task: Data, installation: Installation) -> list[Data]:
    if triggers is not None:
        return [_trigger_tag(trigger, task) for trigger in triggers]
    found = []
    for container in task["containerDefinitions"]:
        ref = parse_image(container["image"])
        if ref and ref.is_ecr_of(installation.account_id, installation.region):
            if ref.tag is None and ref.digest is not None:
                continue  # pinned by digest: nothing to follow
            found.append(
                {
                    "repository": ref.repository,
                    "tag": ref.tag or "latest",
                    "container": container["name"],
                }
            )
    return found


def _trigger_tag(trigger: Data, task: Data) -> Data:
    if "tag" in trigger:
        return trigger
    for container in task["containerDefinitions"]:
        if container["name"] == trigger["container"]:
            ref = parse_image(container["image"])
            return {**trigger, "tag": (ref.tag if ref else None) or "latest"}
    return {**trigger, "tag": "latest"}


def _notifications(notifications: Data, job: bool, progressive: bool) -> Data:
    """Every state by default; a service has no runs, so RUN_FAILED is a scheduled job's, and
    only a progressive strategy has stages to report (ROLLING_OUT); so a rolling service's
    complete spec stays what it was before jobs and strategies existed."""
    every = [
        state
        for state in ALL_STATES
        if (job or state != RUN_FAILED) and (progressive or state != ROLLING_OUT)
    ]
    return {
        "channels": notifications.get("channels", []),
        "states": notifications.get("states", every),
    }
