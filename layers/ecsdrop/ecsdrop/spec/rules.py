"""Rules a JSON Schema cannot say: Fargate's sizes, cross-field consistency, the guardrails.

Each rule reads the spec as written (before defaults), so every problem points at a field
the author wrote. Rules tolerate wrong types silently: the schema already reported those.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from ecsdrop.errors import ScheduleExpressionError
from ecsdrop.spec.defaults import (
    HEALTH_CHECK_INTERVAL_SECONDS,
    HEALTH_CHECK_TIMEOUT_SECONDS,
    READ_ONLY_TASK_FIELDS,
    ROLLING,
    default_listener_protocol,
    default_load_balancer_type,
    default_placement,
    fargate_task_size,
    traffic_shift_minutes,
)
from ecsdrop.spec.images import ecr_problem, parse_image
from ecsdrop.spec.policy import Guardrails
from ecsdrop.spec.problems import Path, Problem, Severity, format_path
from ecsdrop.spec.render import ECS_MAX_TAGS, RESERVED_TAG_PREFIXES, TASK_DEFINITION_OWN_TAGS
from ecsdrop.spec.schedule_expression import parse as parse_schedule_expression
from ecsdrop.spec.schedule_expression import valid_timezone
from ecsdrop.spec.units import (
    FARGATE_SIZES,
    cpu_units,
    describe_cpu,
    describe_memory_range,
    memory_mib,
)

Spec = dict[str, Any]
Rule = Callable[[Spec, Guardrails], Iterator[Problem]]

TD: Path = ("taskDefinition",)
MAX_CONTAINERS = 10
# \Z, not $ (which also matches before a final newline), and ASCII \w: IAM names are ASCII,
# so neither "app-web\n" nor look-alike letters of other scripts pass for a role.
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}\Z", re.ASCII)
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}\Z", re.ASCII)
_SECRET_NAME = re.compile(
    r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)", re.IGNORECASE
)
_AWS_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
_SECRET_VALUE_FROM = re.compile(
    r"^(arn:aws[a-z-]*:(secretsmanager|ssm):[a-z0-9-]+:[0-9]{12}:.+|/?[\w.\-/]{1,2048})\Z",
    re.ASCII,
)
_FARGATE_UNSUPPORTED_CONTAINER = {
    "links": (
        "links are not supported with the awsvpc network mode; "
        "containers of a task reach each other on localhost"
    ),
    "hostname": "hostname is not supported with the awsvpc network mode",
    "dockerSecurityOptions": "dockerSecurityOptions are not supported on Fargate",
}
_FARGATE_UNSUPPORTED_LINUX = ("devices", "sharedMemorySize", "tmpfs", "maxSwap", "swappiness")
_FARGATE_UNSUPPORTED_RESOURCES = {
    "GPU": "GPUs are not supported on Fargate",
    "InferenceAccelerator": "inference accelerators are not supported on Fargate",
}
_FARGATE_UNSUPPORTED_TASK = {
    "placementConstraints": "placement constraints are not supported on Fargate",
    "inferenceAccelerators": "inference accelerators are not supported on Fargate",
    "ipcMode": "ipcMode is not supported on Fargate",
}


def rule_problems(spec: Spec, guardrails: Guardrails) -> list[Problem]:
    """Every rule problem of a spec whose top level is a mapping."""
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule(spec, guardrails))
    return problems


# --------------------------------------------------------------------------- helpers


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _task(spec: Spec) -> dict[str, Any]:
    return _mapping(spec.get("taskDefinition"))


def _containers(spec: Spec) -> Iterator[tuple[Path, dict[str, Any]]]:
    for i, container in enumerate(_list(_task(spec).get("containerDefinitions"))):
        if isinstance(container, dict):
            yield (*TD, "containerDefinitions", i), container


def _port_mappings(container: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for j, mapping in enumerate(_list(container.get("portMappings"))):
        if isinstance(mapping, dict) and isinstance(mapping.get("containerPort"), int):
            yield j, mapping


def _container_names(spec: Spec) -> set[str]:
    return {c["name"] for _, c in _containers(spec) if isinstance(c.get("name"), str)}


# --------------------------------------------------------------------------- Fargate


def fargate_only(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    task = _task(spec)
    compat = task.get("requiresCompatibilities")
    if isinstance(compat, list) and compat and "FARGATE" not in compat:
        shown = ", ".join(str(c) for c in compat)
        yield Problem(
            (*TD, "requiresCompatibilities"),
            f"this task definition is for {shown}; ecsdrop deploys to Fargate, "
            "so requiresCompatibilities must include FARGATE",
        )
    mode = task.get("networkMode")
    if isinstance(mode, str) and mode != "awsvpc":
        yield Problem((*TD, "networkMode"), f"Fargate needs networkMode awsvpc, not {mode}")
    for field, message in _FARGATE_UNSUPPORTED_TASK.items():
        if task.get(field):
            yield Problem((*TD, field), message)
    if task.get("pidMode") == "host":
        yield Problem((*TD, "pidMode"), "pidMode host is not supported on Fargate (use task)")
    yield from _fargate_volumes(task)
    for path, container in _containers(spec):
        yield from _fargate_container(path, container)


def _fargate_volumes(task: dict[str, Any]) -> Iterator[Problem]:
    for i, item in enumerate(_list(task.get("volumes"))):
        volume = _mapping(item)
        if _mapping(volume.get("host")).get("sourcePath"):
            yield Problem(
                (*TD, "volumes", i, "host", "sourcePath"),
                "host paths are not supported on Fargate (use a task volume or EFS)",
            )
        if volume.get("dockerVolumeConfiguration"):
            yield Problem(
                (*TD, "volumes", i, "dockerVolumeConfiguration"),
                "Docker volumes are not supported on Fargate (use EFS)",
            )


def _fargate_container(path: Path, container: dict[str, Any]) -> Iterator[Problem]:
    for field, message in _FARGATE_UNSUPPORTED_CONTAINER.items():
        if container.get(field):
            yield Problem((*path, field), message)
    linux = _mapping(container.get("linuxParameters"))
    for field in _FARGATE_UNSUPPORTED_LINUX:
        if field in linux:
            yield Problem(
                (*path, "linuxParameters", field),
                f"linuxParameters.{field} is not supported on Fargate",
            )
    for k, requirement in enumerate(_list(container.get("resourceRequirements"))):
        kind = _mapping(requirement).get("type")
        if isinstance(kind, str) and kind in _FARGATE_UNSUPPORTED_RESOURCES:
            yield Problem(
                (*path, "resourceRequirements", k, "type"), _FARGATE_UNSUPPORTED_RESOURCES[kind]
            )


def task_size(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    task = _task(spec)
    cpu = cpu_units(task["cpu"]) if isinstance(task.get("cpu"), str | int) else None
    memory = memory_mib(task["memory"]) if isinstance(task.get("memory"), str | int) else None
    unreadable = list(_fractional_size(task, cpu, memory))
    if unreadable:
        yield from unreadable
        return
    if "cpu" in task and cpu is not None and cpu not in FARGATE_SIZES:
        sizes = ", ".join(str(c) for c in FARGATE_SIZES)
        yield Problem(
            (*TD, "cpu"), f"Fargate has no task size of {cpu} CPU units; use one of {sizes}"
        )
        return
    if cpu is not None and memory is not None and memory not in FARGATE_SIZES[cpu]:
        yield Problem(
            (*TD, "memory"),
            f"{memory} MiB does not fit Fargate's cpu {describe_cpu(cpu)}, "
            f"which takes {describe_memory_range(cpu)}",
        )
    if ("cpu" not in task or "memory" not in task) and fargate_task_size(task) is None:
        given = "memory" if "memory" in task else "cpu" if "cpu" in task else "containerDefinitions"
        yield Problem(
            (*TD, given),
            "no Fargate task size fits what the containers ask for; set cpu and memory",
        )
        return
    yield from _containers_within_task(spec, cpu, memory)


def _fractional_size(
    task: dict[str, Any], cpu: int | None, memory: int | None
) -> Iterator[Problem]:
    """Values such as 0.1 vCPU match the unit pattern yet are no whole number of units."""
    if isinstance(task.get("cpu"), str) and cpu is None:
        yield Problem(
            (*TD, "cpu"), f"{task['cpu']!r} is not a whole number of CPU units (1 vCPU = 1024)"
        )
    if isinstance(task.get("memory"), str) and memory is None:
        yield Problem(
            (*TD, "memory"), f"{task['memory']!r} is not a whole number of MiB (1 GB = 1024 MiB)"
        )


def _containers_within_task(spec: Spec, cpu: int | None, memory: int | None) -> Iterator[Problem]:
    cpu_total = 0
    reserved_total = 0
    for path, container in _containers(spec):
        c_cpu = container.get("cpu")
        c_mem = container.get("memory")
        c_res = container.get("memoryReservation")
        if isinstance(c_cpu, int):
            cpu_total += c_cpu
        if isinstance(c_mem, int) and isinstance(c_res, int) and c_res > c_mem:
            yield Problem(
                (*path, "memoryReservation"),
                f"memoryReservation {c_res} MiB exceeds the container's memory limit {c_mem} MiB",
            )
        if isinstance(c_mem, int) and memory is not None and c_mem > memory:
            yield Problem(
                (*path, "memory"), f"{c_mem} MiB is more than the task's memory of {memory} MiB"
            )
        reserved = c_res if isinstance(c_res, int) else c_mem
        reserved_total += reserved if isinstance(reserved, int) else 0
    if cpu is not None and cpu_total > cpu:
        yield Problem(
            (*TD, "containerDefinitions"),
            f"the containers ask for {cpu_total} CPU units, more than the task's {cpu}",
        )
    if memory is not None and reserved_total > memory:
        yield Problem(
            (*TD, "containerDefinitions"),
            f"the containers reserve {reserved_total} MiB, more than the task's {memory} MiB",
        )


# --------------------------------------------------------------------------- containers


def containers(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    found = list(_containers(spec))
    if len(found) > MAX_CONTAINERS:
        yield Problem(
            (*TD, "containerDefinitions"),
            f"a task definition holds at most {MAX_CONTAINERS} containers, "
            f"this one has {len(found)}",
        )
    seen: dict[str, int] = {}
    for path, container in found:
        name = container.get("name")
        if isinstance(name, str):
            if name in seen:
                yield Problem(
                    (*path, "name"),
                    f"container name {name!r} is used twice "
                    f"(also containerDefinitions[{seen[name]}])",
                )
            seen.setdefault(name, int(path[-1]))
    if found and all(container.get("essential") is False for _, container in found):
        yield Problem((*TD, "containerDefinitions"), "at least one container must be essential")


def ports(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    owners: dict[tuple[int, str], str] = {}
    for path, container in _containers(spec):
        for j, mapping in _port_mappings(container):
            port = mapping["containerPort"]
            host = mapping.get("hostPort")
            if isinstance(host, int) and host != port:
                yield Problem(
                    (*path, "portMappings", j, "hostPort"),
                    f"with awsvpc the hostPort must equal the containerPort ({port}), not {host}",
                )
            key = (port, str(mapping.get("protocol", "tcp")))
            here = f"{format_path(path)}.portMappings[{j}]"
            if key in owners:
                yield Problem(
                    (*path, "portMappings", j, "containerPort"),
                    f"port {port}/{key[1]} is already taken by {owners[key]}; "
                    "containers of a task share one network namespace",
                )
            owners.setdefault(key, here)


def images(spec: Spec, guardrails: Guardrails) -> Iterator[Problem]:
    for path, container in _containers(spec):
        image = container.get("image")
        if not isinstance(image, str):
            continue
        ref = parse_image(image)
        if ref is None:
            yield Problem(
                (*path, "image"), f"{image!r} is not a valid image reference{_hint(image)}"
            )
            continue
        unpullable = ecr_problem(ref.registry)
        if unpullable is not None:
            yield Problem((*path, "image"), f"{image!r} can never be pulled: {unpullable}")
            continue
        if not guardrails.registry_allowed(ref.registry):
            allowed = ", ".join(guardrails.allowed_registries)
            yield Problem(
                (*path, "image"),
                f"registry {ref.registry} is not allowed by this installation (allowed: {allowed})",
            )


def _hint(image: str) -> str:
    if re.search(r"[\[\]<>{}]|xx", image):
        return " (it looks like an unfilled placeholder)"
    if image != image.strip():
        return " (remove the surrounding spaces)"
    if any(ch.isupper() for ch in image.rsplit("/", maxsplit=1)[-1]):
        return " (repository names are lowercase)"
    return ""


def log_configuration(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    for path, container in _containers(spec):
        log = _mapping(container.get("logConfiguration"))
        if log.get("logDriver") != "awslogs":
            continue
        options = log.get("options")
        if not isinstance(options, dict):
            yield Problem(
                (*path, "logConfiguration", "options"),
                "awslogs needs options awslogs-group and awslogs-stream-prefix",
            )
            continue
        for option in ("awslogs-group", "awslogs-stream-prefix"):
            if option not in options:
                yield Problem(
                    (*path, "logConfiguration", "options", option),
                    "required by the awslogs driver on Fargate",
                )


def environment(spec: Spec, guardrails: Guardrails) -> Iterator[Problem]:
    for path, container in _containers(spec):
        seen: set[str] = set()
        for k, item in enumerate(_list(container.get("environment"))):
            entry = _mapping(item)
            name, value = entry.get("name"), entry.get("value")
            if not isinstance(name, str):
                continue
            here = (*path, "environment", k)
            if name in seen:
                yield Problem((*here, "name"), f"environment variable {name} is set twice")
            seen.add(name)
            if isinstance(value, str):
                yield from _secret_like(here, name, value, guardrails)
        for k, secret in enumerate(_list(container.get("secrets"))):
            value_from = _mapping(secret).get("valueFrom")
            if isinstance(value_from, str) and not _SECRET_VALUE_FROM.match(value_from):
                yield Problem(
                    (*path, "secrets", k, "valueFrom"),
                    "must be a Secrets Manager secret ARN or an SSM parameter name or ARN",
                )


def _secret_like(here: Path, name: str, value: str, guardrails: Guardrails) -> Iterator[Problem]:
    if guardrails.plaintext_credentials == "off" or not value:
        return
    if not (_SECRET_NAME.search(name) or _AWS_ACCESS_KEY.search(value)):
        return
    severity: Severity = "error" if guardrails.plaintext_credentials == "reject" else "warning"
    yield Problem(
        (*here, "value"),
        f"{name} looks like a secret in plain text; move it to `secrets` with a valueFrom "
        "(Secrets Manager or SSM Parameter Store)",
        severity=severity,
    )


def depends_on(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    containers_by_name = {
        c.get("name"): c for _, c in _containers(spec) if isinstance(c.get("name"), str)
    }
    for path, container in _containers(spec):
        for k, item in enumerate(_list(container.get("dependsOn"))):
            dependency = _mapping(item)
            target = dependency.get("containerName")
            if not isinstance(target, str):
                continue
            here = (*path, "dependsOn", k)
            if target not in containers_by_name:
                yield Problem((*here, "containerName"), f"there is no container named {target!r}")
            elif dependency.get("condition") == "HEALTHY" and not containers_by_name[target].get(
                "healthCheck"
            ):
                yield Problem(
                    (*here, "condition"),
                    f"HEALTHY needs a healthCheck on container {target!r}",
                )


def security(spec: Spec, guardrails: Guardrails) -> Iterator[Problem]:
    task = _task(spec)
    for field in ("taskRoleArn", "executionRoleArn"):
        role = task.get(field)
        if isinstance(role, str):
            yield from _role(field, role, guardrails)
    for path, container in _containers(spec):
        if container.get("privileged") is True and not guardrails.allow_privileged:
            yield Problem(
                (*path, "privileged"),
                "privileged containers are not allowed (and Fargate does not run them)",
            )


def _role(field: str, role: str, guardrails: Guardrails) -> Iterator[Problem]:
    allowed = ", ".join(guardrails.allowed_role_arn_prefixes)
    if not (_ROLE_ARN.match(role) or _ROLE_NAME.match(role)):
        yield Problem(
            (*TD, field),
            f"{role!r} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)",
        )
    elif not _ROLE_ARN.match(role) and guardrails.allowed_role_arn_prefixes:
        # A bare name becomes an ARN in the installation's account only when deployed;
        # checked as written it would slip past the allow-list.
        yield Problem(
            (*TD, field),
            f"give the role's full ARN: this installation only allows roles under {allowed}",
        )
    elif not guardrails.role_allowed(role):
        yield Problem(
            (*TD, field),
            f"role {role} is outside the role prefixes this installation allows ({allowed})",
        )


# --------------------------------------------------------------------------- service, network, LB


def service(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    svc = _mapping(spec.get("service"))
    deployment = _mapping(svc.get("deployment"))
    low, high = deployment.get("minimumHealthyPercent"), deployment.get("maximumPercent")
    if isinstance(low, int) and isinstance(high, int) and high <= low:
        yield Problem(
            ("service", "deployment", "maximumPercent"),
            f"must be more than minimumHealthyPercent ({low}) or no new task can start",
        )
    scaling = _mapping(svc.get("autoscaling"))
    lo, hi = scaling.get("minCapacity"), scaling.get("maxCapacity")
    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
        yield Problem(
            ("service", "autoscaling", "minCapacity"), f"{lo} is more than maxCapacity ({hi})"
        )


_DEPLOYMENT: Path = ("service", "deployment")
# what only a progressive strategy has, and the strategy each part belongs to (None: any)
_PROGRESSIVE_ONLY = {
    "bakeTimeMinutes": None,
    "testListener": None,
    "hooks": None,
    "canary": "canary",
    "linear": "linear",
}
# a percent ECS takes in steps of 0.1 (its API reference: "multiples of 0.1")
_TENTHS = (("canary", "percent"), ("linear", "stepPercent"))


def deployment_strategy(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    """ECS's progressive strategies: each part with its strategy, a load balancer to shift
    traffic on, percents in ECS's steps, and a rollout deadline that outlasts the bakes."""
    deployment = _mapping(_mapping(spec.get("service")).get("deployment"))
    strategy = deployment.get("strategy", ROLLING)
    if not isinstance(strategy, str):
        return
    for part, owner in _PROGRESSIVE_ONLY.items():
        if part in deployment and (strategy == ROLLING or owner not in (None, strategy)):
            needed = owner or "blueGreen, linear or canary"
            yield Problem(
                (*_DEPLOYMENT, part), f"only for strategy {needed} (strategy is {strategy})"
            )
    for part, field in _TENTHS:
        value = _mapping(deployment.get(part)).get(field)
        if isinstance(value, (int, float)) and abs(value * 10 - round(value * 10)) > 1e-6:
            yield Problem((*_DEPLOYMENT, part, field), f"{value} is not a multiple of 0.1")
    if strategy == ROLLING:
        return
    if "schedule" in spec:
        yield Problem(
            (*_DEPLOYMENT, "strategy"),
            "not allowed beside schedule: a scheduled job has no service",
        )
        return
    kind = _load_balancer_type(spec)
    if kind != "application":
        yield Problem(
            (*_DEPLOYMENT, "strategy"),
            f"{strategy} shifts traffic on an application load balancer; this spec has "
            f"{'none' if kind == 'none' else 'a ' + str(kind) + ' load balancer'} "
            "(ecsdrop does not shift traffic on a network load balancer yet)",
        )
    yield from _test_listener(spec, _mapping(deployment.get("testListener")))
    yield from _rollout_deadline(deployment)
    yield from _hooks(_list(deployment.get("hooks")))


# ECS runs a pause at neither traffic-shift stage (the API Reference, DeploymentLifecycleHook)
_NO_PAUSE_STAGES = frozenset({"TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"})
HOOKS_OF_A_KIND = 10
# the functions the stack's ECS infrastructure role may invoke (template.yaml)
HOOK_FUNCTION_PREFIX = "ecsdrop-hook-"


def _hooks(hooks: list[Any]) -> Iterator[Problem]:
    counts = {"function": 0, "pause": 0}
    for i, item in enumerate(hooks):
        hook = _mapping(item)
        here = (*_DEPLOYMENT, "hooks", i)
        kinds = [kind for kind in ("function", "pause") if kind in hook]
        if len(kinds) != 1:
            yield Problem(here, "give either function (a Lambda function ARN) or pause: true")
            continue
        counts[kinds[0]] += 1
        if kinds == ["pause"] and "details" in hook:
            yield Problem((*here, "details"), "only for a function hook: a pause takes no input")
        stage = hook.get("stage")
        if kinds == ["pause"] and isinstance(stage, str) and stage in _NO_PAUSE_STAGES:
            yield Problem(
                (*here, "stage"),
                f"ECS cannot pause at {stage}; pause at the stage before or after it",
            )
        function = hook.get("function")
        name = (
            function.split(":")[6] if isinstance(function, str) and function.count(":") >= 6 else ""
        )
        if name and not name.startswith(HOOK_FUNCTION_PREFIX):
            yield Problem(
                (*here, "function"),
                f"ECS invokes hooks as the stack's infrastructure role, which may invoke only "
                f"functions named {HOOK_FUNCTION_PREFIX}*; rename {name!r}",
            )
    # ecsdrop adds one function hook of its own: it announces the stages (deploy/stages.py)
    limits = {"function": HOOKS_OF_A_KIND - 1, "pause": HOOKS_OF_A_KIND}
    for kind, count in counts.items():
        if count > limits[kind]:
            ours = " (ecsdrop adds one that announces the stages)" if kind == "function" else ""
            yield Problem(
                (*_DEPLOYMENT, "hooks"),
                f"{count} {kind} hooks; ECS takes at most {HOOKS_OF_A_KIND} of each kind{ours}",
            )


def _test_listener(spec: Spec, test: dict[str, Any]) -> Iterator[Problem]:
    port = test.get("port")
    if not isinstance(port, int):
        return
    lb = _mapping(spec.get("loadBalancer"))
    here = (*_DEPLOYMENT, "testListener")
    if "rule" in lb:
        yield Problem(here, "a shared load balancer's listeners are not ecsdrop's to add to")
        return
    listener = _mapping(lb.get("listener"))
    taken = [listener.get("port", 443 if "certificateArn" in listener else 80)]
    if listener.get("redirectHttpToHttps"):
        taken.append(80)
    if port in taken:  # a list: a port of the wrong type (the schema reports it) is no match
        yield Problem((*here, "port"), f"{port} is the production listener's port; choose another")


def _rollout_deadline(deployment: dict[str, Any]) -> Iterator[Problem]:
    given = deployment.get("stabilityTimeoutSeconds")
    if not isinstance(given, int):
        return
    try:
        baking = traffic_shift_minutes(deployment) * 60
    except (TypeError, ValueError, ZeroDivisionError, AttributeError):
        return  # a part of the wrong type or out of range: the schema reported it
    if given < baking + 300:
        yield Problem(
            (*_DEPLOYMENT, "stabilityTimeoutSeconds"),
            f"{given} s is less than the strategy bakes ({baking} s) plus 300 s for the new "
            "tasks to start: the rollout would time out while it bakes",
        )


def pre_deploy(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    """A pre-deploy task runs a container of the task definition: one that exists."""
    names = _container_names(spec)
    for i, task in enumerate(_list(_mapping(spec.get("service")).get("preDeploy"))):
        container = _mapping(task).get("container")
        if isinstance(container, str) and container not in names:
            known = ", ".join(sorted(names)) or "none"
            yield Problem(
                ("service", "preDeploy", i, "container"),
                f"there is no container named {container!r} (the task definition has: {known})",
            )


# What only a long-running service has: beside ``schedule`` each is an error at its place.
_SERVICE_ONLY = {
    ("service", "desiredCount"): "a scheduled job runs one task per scheduled time",
    ("service", "autoscaling"): "a scheduled job has no running tasks to scale",
    ("service", "adopt"): "a scheduled job runs no ECS service to take over",
}


def schedule(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    """A scheduled job: an expression Scheduler accepts, a zone it knows, no service parts."""
    if "schedule" not in spec:
        return
    given = _mapping(spec.get("schedule"))
    expression = given.get("expression")
    if isinstance(expression, str):
        try:
            parse_schedule_expression(expression.strip())
        except ScheduleExpressionError as e:
            yield Problem(("schedule", "expression"), str(e))
    zone = given.get("timezone")
    if isinstance(zone, str) and not valid_timezone(zone):
        yield Problem(
            ("schedule", "timezone"),
            f"{zone!r} is not an IANA time zone (such as UTC, Europe/Berlin, America/New_York)",
        )
    for path, why in _SERVICE_ONLY.items():
        if path[-1] in _mapping(spec.get(path[0])):
            yield Problem(path, f"not allowed beside schedule: {why}")
    if _has_load_balancer(spec):
        yield Problem(
            ("loadBalancer",),
            "not allowed beside schedule: a scheduled job serves no traffic (remove it, or "
            "give type: none)",
        )


def network(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    net = _mapping(spec.get("network"))
    if "vpc" in net and "existing" in net:
        yield Problem(
            ("network", "existing"),
            "give either vpc (a VPC ecsdrop manages) or existing (yours), not both",
        )
        return
    existing = _mapping(net.get("existing"))
    placement = net.get("placement", default_placement(_has_load_balancer(spec)))
    if existing:
        yield from _existing_subnets(spec, existing, placement)
    managed = _mapping(net.get("vpc"))
    if placement == "private" and managed.get("natGateways") == "none":
        yield Problem(
            ("network", "vpc", "natGateways"),
            "tasks in private subnets without NAT cannot pull images or send logs; "
            "use single or perAz, or placement public",
        )


def _existing_subnets(spec: Spec, existing: dict[str, Any], placement: Any) -> Iterator[Problem]:
    kind = "private" if placement == "private" else "public"
    if f"{kind}SubnetIds" not in existing and f"{kind}SubnetTags" not in existing:
        yield Problem(
            ("network", "existing", f"{kind}SubnetIds"),
            f"{placement} placement in an existing VPC needs {kind}SubnetIds or {kind}SubnetTags",
        )
    lb = _mapping(spec.get("loadBalancer"))
    if _has_load_balancer(spec) and "rule" not in lb:
        ids = existing.get("publicSubnetIds")
        if "publicSubnetIds" not in existing and "publicSubnetTags" not in existing:
            yield Problem(
                ("network", "existing", "publicSubnetIds"),
                "the load balancer needs public subnets: give publicSubnetIds or publicSubnetTags",
            )
        elif isinstance(ids, list) and len(ids) < 2:
            yield Problem(
                ("network", "existing", "publicSubnetIds"),
                "a load balancer needs subnets in at least two Availability Zones; give at least 2",
            )


def _load_balancer_type(spec: Spec) -> Any:
    """As the defaults decide: the type given, else an ALB when a container maps a port
    (none for a scheduled job)."""
    if "schedule" in spec and "loadBalancer" not in spec:
        return "none"
    mapped = any(True for _, c in _containers(spec) for _ in _port_mappings(c))
    return _mapping(spec.get("loadBalancer")).get("type", default_load_balancer_type(mapped))


def _has_load_balancer(spec: Spec) -> bool:
    return bool(_load_balancer_type(spec) != "none")


def load_balancer(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    lb = spec.get("loadBalancer")
    if not isinstance(lb, dict):
        return
    kind = _load_balancer_type(spec)
    if not isinstance(kind, str):
        return  # the schema reported it
    if kind == "none":
        why = (
            "has no effect with type none; remove it"
            if "type" in lb
            else "has no effect: no container maps a port, so there is no load balancer"
        )
        for field in ("listener", "target", "healthCheck", "rule"):
            if field in lb:
                yield Problem(("loadBalancer", field), why)
        return
    yield from _listener(kind, _mapping(lb.get("listener")))
    yield from _health_check(kind, _mapping(lb.get("healthCheck")))
    yield from _target(spec, _mapping(lb.get("target")))
    if "rule" in lb:
        yield from _shared_rule(spec, kind, _mapping(lb["rule"]))


_PROTOCOLS = {"application": ("HTTP", "HTTPS"), "network": ("TCP", "TLS", "UDP", "TCP_UDP")}


def _listener(kind: str, listener: dict[str, Any]) -> Iterator[Problem]:
    here = ("loadBalancer", "listener")
    protocol = listener.get("protocol")
    allowed = _PROTOCOLS.get(kind, ())
    if isinstance(protocol, str) and allowed and protocol not in allowed:
        article = "an" if kind == "application" else "a"
        yield Problem(
            (*here, "protocol"),
            f"{article} {kind} load balancer listens with {' or '.join(allowed)}, not {protocol}",
        )
        return
    if protocol is None and kind in _PROTOCOLS:
        protocol = default_listener_protocol(kind, "certificateArn" in listener)
    secure = protocol in ("HTTPS", "TLS")
    if secure and "certificateArn" not in listener:
        yield Problem((*here, "certificateArn"), f"{protocol} needs a certificateArn")
    if protocol in ("HTTP", "TCP", "UDP", "TCP_UDP") and "certificateArn" in listener:
        yield Problem(
            (*here, "certificateArn"), f"a certificate needs HTTPS or TLS, not {protocol}"
        )
    yield from _redirect(kind, protocol, listener)


def _redirect(kind: str, protocol: Any, listener: dict[str, Any]) -> Iterator[Problem]:
    here = ("loadBalancer", "listener")
    redirect = listener.get("redirectHttpToHttps", protocol == "HTTPS")
    if redirect is True and (kind != "application" or protocol != "HTTPS"):
        yield Problem(
            (*here, "redirectHttpToHttps"), "redirecting to HTTPS needs an ALB with HTTPS"
        )
    elif redirect is True and listener.get("port") == 80:
        yield Problem(
            (*here, "port"),
            "port 80 is where the HTTP-to-HTTPS redirect listens; "
            "use another port (443) or set redirectHttpToHttps: false",
        )


def _health_check(kind: str, check: dict[str, Any]) -> Iterator[Problem]:
    protocol = check.get("protocol")
    here = ("loadBalancer", "healthCheck")
    if kind == "application" and protocol == "TCP":
        yield Problem((*here, "protocol"), "an ALB health check uses HTTP or HTTPS, not TCP")
    if protocol == "TCP":
        for field in ("path", "matcher"):
            if field in check:
                yield Problem((*here, field), "has no effect on a TCP health check; remove it")
    interval = check.get("intervalSeconds", HEALTH_CHECK_INTERVAL_SECONDS)
    timeout = check.get("timeoutSeconds", HEALTH_CHECK_TIMEOUT_SECONDS)
    if isinstance(interval, int) and isinstance(timeout, int) and timeout >= interval:
        field = "timeoutSeconds" if "timeoutSeconds" in check else "intervalSeconds"
        yield Problem(
            (*here, field),
            f"the timeout ({timeout} s) must be shorter than the interval ({interval} s): "
            "Elastic Load Balancing refuses the target group otherwise",
        )


def _target(spec: Spec, target: dict[str, Any]) -> Iterator[Problem]:
    name = target.get("containerName")
    port = target.get("containerPort")
    by_name = {c["name"]: c for _, c in _containers(spec) if isinstance(c.get("name"), str)}
    if isinstance(name, str) and name not in by_name:
        known = ", ".join(sorted(by_name))
        yield Problem(
            ("loadBalancer", "target", "containerName"),
            f"there is no container named {name!r} (containers: {known})",
        )
        return
    candidates = [by_name[name]] if isinstance(name, str) else list(by_name.values())
    mapped = {m["containerPort"] for c in candidates for _, m in _port_mappings(c)}
    if port is None and not mapped and isinstance(name, str):
        yield Problem(
            ("loadBalancer", "target", "containerName"),
            f"container {name!r} maps no port for the load balancer to send traffic to; "
            "add portMappings",
        )
    elif port is None and not mapped:
        yield Problem(
            ("loadBalancer", "type"),
            "a load balancer needs a container port to send traffic to, and no container "
            "maps one; add portMappings",
        )
    if not isinstance(port, int):
        return
    if port not in mapped:
        where = f"container {name!r}" if isinstance(name, str) else "any container"
        shown = ", ".join(str(p) for p in sorted(mapped)) or "none"
        yield Problem(
            ("loadBalancer", "target", "containerPort"),
            f"{port} is not in the portMappings of {where} (mapped: {shown})",
        )


def _shared_rule(spec: Spec, kind: str, rule: dict[str, Any]) -> Iterator[Problem]:
    here = ("loadBalancer", "rule")
    if kind != "application":
        yield Problem(here, "listener rules need an application load balancer")
    if "hostHeaders" not in rule and "pathPatterns" not in rule:
        yield Problem(here, "give hostHeaders or pathPatterns (or both) to route to this service")
    if "existing" not in _mapping(spec.get("network")):
        yield Problem(
            ("network", "existing"),
            "a shared load balancer lives in your VPC: give network.existing with its vpcId",
        )


def triggers(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    names = _container_names(spec)
    for i, trigger in enumerate(_list(spec.get("triggers"))):
        container = _mapping(trigger).get("container")
        if isinstance(container, str) and container not in names:
            yield Problem(
                ("triggers", i, "container"), f"there is no container named {container!r}"
            )


def task_definition_tags(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    """ECS refuses more than 50 tags and a repeated key; ecsdrop adds its own tags to each
    revision, so the spec gets what is left. aws: and ecsdrop: tags (pasted from
    describe-task-definition) are dropped, with a warning."""
    tags = _list(_task(spec).get("tags"))
    keys = [_mapping(tag).get("key") for tag in tags]
    kept = [
        key for key in keys if not (isinstance(key, str) and key.startswith(RESERVED_TAG_PREFIXES))
    ]
    room = ECS_MAX_TAGS - len(TASK_DEFINITION_OWN_TAGS)
    if len(kept) > room:
        yield Problem(
            (*TD, "tags"),
            f"at most {room} tags: ECS allows {ECS_MAX_TAGS} and ecsdrop adds "
            f"{len(TASK_DEFINITION_OWN_TAGS)} ({', '.join(TASK_DEFINITION_OWN_TAGS)})",
        )
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if not isinstance(key, str):
            continue
        if key.startswith(RESERVED_TAG_PREFIXES):
            yield Problem(
                (*TD, "tags", i, "key"),
                "ignored: aws: and ecsdrop: tags are set by AWS and by ecsdrop (remove it)",
                severity="warning",
            )
        elif key in seen:
            yield Problem((*TD, "tags", i, "key"), f"tag {key!r} is given twice")
        seen.add(key)


def read_only_fields(spec: Spec, _: Guardrails) -> Iterator[Problem]:
    for field in READ_ONLY_TASK_FIELDS:
        if field in _task(spec):
            yield Problem(
                (*TD, field),
                "output of describe-task-definition, ignored (remove it)",
                severity="warning",
            )


RULES: tuple[Rule, ...] = (
    fargate_only,
    task_size,
    containers,
    ports,
    images,
    log_configuration,
    environment,
    depends_on,
    security,
    service,
    deployment_strategy,
    pre_deploy,
    schedule,
    network,
    load_balancer,
    triggers,
    task_definition_tags,
    read_only_fields,
)
