"""Fargate tasks on the clock: from PROVISIONING to RUNNING, and from DEACTIVATING to STOPPED.

moto's tasks are RUNNING at creation, list only the first container, and move one state per
describe call. Here a task walks ECS's life cycle in simulated time (localcloud/clock.py):

    PROVISIONING  capacity found, its ENI created in one of the given subnets (PRECREATED)
    PENDING       ENI attached; images pulled — which needs the image (this account's ECR images
                  must be in the local ECR; other registries are assumed to have it) and a way
                  out of the subnet: a public IP and a route to an internet gateway, or a route
                  to an available NAT gateway (or, for ECR, the VPC's ecr.dkr endpoint)
    ACTIVATING    containers started; load balancer targets registered
    RUNNING
    DEACTIVATING  targets deregistered and drained (the target group's deregistration delay)
    STOPPING      containers stopped
    DEPROVISIONING ENI detached and deleted
    STOPPED       with ECS's stopCode and stoppedReason: UserInitiated, ServiceSchedulerInitiated,
                  TaskFailedToStart (CannotPullContainerError…), EssentialContainerExited

Every container of the task definition is listed with its own status and exit code. What a
container does once RUNNING, first match wins:

- a task rule (localcloud/faults.py, `task:`) that matched it at launch: it runs the rule's
  `seconds`, writes the rule's `logs` on the way, and exits with the rule's `exit` code (or,
  with a `reason`, its task failed to start instead);
- a command that is a plain one-shot (`exit N`, `true`, `false`, `sleep N`, `sleep N; exit N`,
  alone or under `sh -c`): it exits with that code after that time;
- in a standalone task (RunTask's; its group is not `service:...`), any other command: it exits
  0 after DEFAULT_TASK_SECONDS (a one-off job's short run; nothing inside it really runs);
- otherwise (a service's task, or no command: the image's own, a server as far as anyone here
  can tell) it runs until it is stopped.

An essential container that exits stops its task (EssentialContainerExited).

Logs (the awslogs driver): a container whose logConfiguration is `awslogs` gets its stream
`<awslogs-stream-prefix>/<container name>/<task id>` (no prefix: its runtime id, as Docker names
it) in `awslogs-group` of `awslogs-region` (default the task's) when it starts. A group that does
not exist fails the task's start, as ECS's does, unless `awslogs-create-group` is "true" (then
it is created; the execution role's logs:CreateLogGroup is not checked). Only a rule's `logs`
are written: nothing else inside a container runs, so nothing else is said. The lines are
spread over the run, the first as it starts, each stamped when it is written (before the exit).

Every change of a task's lastStatus or desiredStatus, and of a container's status, is announced
(`announce`: "ECS Task State Change" on the default bus, localcloud/ecs.py) with the task's
version; `state_change_detail()` is the event's detail.
"""

from __future__ import annotations

import copy
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from localcloud.clock import Clock
from localcloud.ec2 import (
    create_task_interface,
    delete_interface,
    has_interface_endpoint,
    reaches_internet,
)
from localcloud.ecr import image_exists
from localcloud.events import iso_millis
from localcloud.faults import DEFAULT_TASK_SECONDS, FaultBook, TaskContainerFacts, TaskFault
from localcloud.logs import ensure_log_group, ensure_log_stream, log_group_exists, put_log_line

LOG = logging.getLogger("localcloud.ecs")
FARGATE_PLATFORM_VERSION = "1.4.0"  # what LATEST resolves to on Linux
_ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]+))?$"
)
_ONE_SHOT = re.compile(
    r"^(?:sleep\s+(?P<sleep>\d+(?:\.\d+)?)\s*(?:;|&&)?\s*)?"
    r"(?:exit\s+(?P<code>\d+)|(?P<word>true|false))?\s*;?$"
)
STARTING = ("PROVISIONING", "PENDING", "ACTIVATING")
# What a Fargate task (platform 1.4) stops with when its awslogs group does not exist: the
# logger's arguments are checked before any container starts. Users quote this family of
# reasons: terraform-aws-modules/terraform-aws-ecs#313 ("ResourceInitializationError: failed to
# validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log
# group: AccessDeniedException: ... : exit status 1", the group's creation denied),
# doctorray117/minecraft-ondemand#12 (the stream's), civiform/civiform#7648 (the network's);
# with the group missing, Terraform configurations warn of the message below. Platform 1.3 said
# "CannotStartContainerError: ... failed to initialize logging driver: failed to create
# Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist."
# (cn-terraform/terraform-aws-ecs-fargate-task-definition#1).
LOG_GROUP_MISSING = (
    "ResourceInitializationError: failed to validate logger args: create stream has been "
    "retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The "
    "specified log group does not exist. : exit status 1"
)


def _now() -> datetime:
    return datetime.now(UTC)


# -- why an image cannot be pulled --------------------------------------------------------------


# Registries a task may pull from without credentials; their images are assumed to exist.
PUBLIC_REGISTRIES = frozenset(
    {
        "docker.io",
        "registry-1.docker.io",
        "index.docker.io",
        "public.ecr.aws",
        "ghcr.io",
        "quay.io",
        "gcr.io",
        "registry.k8s.io",
        "mcr.microsoft.com",
        "registry.gitlab.com",
    }
)


def _registry(image: str) -> str:
    first = image.split("/", maxsplit=1)[0]
    is_host = "/" in image and ("." in first or ":" in first or first == "localhost")
    return first if is_host else "docker.io"


def image_problem(image: str, account_id: str) -> str | None:
    """Why `image` cannot be pulled from its registry, or None. This account's ECR images must
    be in the local ECR; other accounts' ECR images and those of well-known public registries
    are assumed to exist; any other registry is unknown here, as a private one without
    credentials would be."""
    match = _ECR_IMAGE.match(image)
    if match is None:
        registry = _registry(image)
        if registry in PUBLIC_REGISTRIES:
            return None
        return (
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed "
            f'to resolve ref {image}: failed to do request: Head "https://{registry}/v2/": dial '
            f"tcp: lookup {registry.split(':')[0]}: no such host"
        )
    if match["account"] != account_id:
        return None
    reference = image if (match["tag"] or match["digest"]) else f"{image}:latest"
    if image_exists(
        account_id, match["region"], match["repository"], match["tag"], match["digest"]
    ):
        return None
    return (
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
        f"failed to resolve ref {reference}: {reference}: not found"
    )


def network_problem(image: str, task: FargateTask) -> str | None:
    """Why a task cannot reach the registry of `image` from its subnet, or None."""
    if reaches_internet(task.account_id, task.region_name, task.subnet_id, task.public_ip):
        return None
    match = _ECR_IMAGE.match(image)
    if match is not None:
        endpoint = f"com.amazonaws.{match['region']}.ecr.dkr"
        if has_interface_endpoint(task.account_id, task.region_name, task.subnet_id, endpoint):
            return None
        return (
            "ResourceInitializationError: unable to pull secrets or registry auth: execution "
            "resource retrieval failed: unable to retrieve ecr registry auth: service call has "
            "been retried 3 time(s): RequestError: send request failed caused by: Post "
            f'"https://api.ecr.{match["region"]}.amazonaws.com/": dial tcp: i/o timeout. '
            "Please check your task network configuration."
        )
    registry = _registry(image)
    registry = "registry-1.docker.io" if registry == "docker.io" else registry
    return (
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to "
        f'resolve ref {image}: failed to do request: Head "https://{registry}/v2/": dial tcp: '
        "i/o timeout"
    )


# -- the awslogs driver -------------------------------------------------------------------------


@dataclass(frozen=True)
class AwsLogs:
    """Where a container's awslogs driver writes: its logConfiguration's options."""

    group: str
    region: str
    prefix: str | None
    create_group: bool

    @classmethod
    def of(cls, configuration: Mapping[str, Any] | None, task_region: str) -> AwsLogs | None:
        """The awslogs settings of a container definition's logConfiguration, or None (another
        driver, or no group to write to)."""
        if not configuration or configuration.get("logDriver") != "awslogs":
            return None
        options = configuration.get("options") or {}
        group = options.get("awslogs-group")
        if not group:
            return None
        return cls(
            group=str(group),
            region=str(options.get("awslogs-region") or task_region),
            prefix=options.get("awslogs-stream-prefix") or None,
            create_group=str(options.get("awslogs-create-group", "")).lower() == "true",
        )


@dataclass(frozen=True)
class ContainerRun:
    """What a running container does before it exits."""

    seconds: float
    exit_code: int
    lines: tuple[str, ...] = ()


def _present(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that have a value, timestamps in ISO form (as ECS's events write them)."""
    return {
        key: iso_millis(value) if isinstance(value, datetime) else value
        for key, value in fields.items()
        if value is not None
    }


# -- the model ----------------------------------------------------------------------------------


class TaskContainer:
    """One container of a task, as DescribeTasks shows it."""

    def __init__(self, task: FargateTask, definition: dict[str, Any], override: dict[str, Any]):
        self.container_arn = (
            f"arn:{task.partition}:ecs:{task.region_name}:{task.account_id}:container/"
            f"{task.cluster_name}/{task.id}/{uuid.uuid4()}"
        )
        self.task_arn = task.task_arn
        self.name = definition.get("name")
        self.image = definition.get("image")
        self.image_digest: str | None = None
        self.runtime_id: str | None = None
        self.last_status = "PENDING"
        self.exit_code: int | None = None
        self.reason: str | None = None
        self.network_bindings: list[dict[str, Any]] = []
        self.network_interfaces: list[dict[str, Any]] = []
        self.health_status = "UNKNOWN"
        self.cpu = str(definition.get("cpu", 0))
        memory = definition.get("memory")
        self.memory = str(memory) if memory is not None else None
        reservation = definition.get("memoryReservation")
        self.memory_reservation = str(reservation) if reservation is not None else None
        self.essential = bool(definition.get("essential", True))
        self.ports = {
            int(mapping["containerPort"])
            for mapping in definition.get("portMappings") or []
            if mapping.get("containerPort") is not None
        }
        self.has_health_check = bool(definition.get("healthCheck"))
        self.command = list(override.get("command") or definition.get("command") or [])
        self.awslogs = AwsLogs.of(definition.get("logConfiguration"), task.region_name)
        self.task_id = task.id
        self.rule: TaskFault | None = None  # the task rule that matched it at launch

    @property
    def log_stream(self) -> str:
        """The awslogs stream's name: ECS's `prefix/container/task id`, else Docker's (the
        container's id)."""
        prefix = self.awslogs.prefix if self.awslogs is not None else None
        if prefix:
            return f"{prefix}/{self.name}/{self.task_id}"
        return str(self.runtime_id)

    def planned_run(self, standalone: bool) -> ContainerRun | None:
        """What it does once RUNNING (the module docstring's order), or None: it runs until
        stopped."""
        if self.rule is not None:
            return ContainerRun(self.rule.seconds, self.rule.exit_code, tuple(self.rule.logs or ()))
        shot = self.one_shot()
        if shot is not None:
            return shot
        if standalone and self.command:
            return ContainerRun(DEFAULT_TASK_SECONDS, 0)
        return None

    def state_change_detail(self) -> dict[str, Any]:
        return _present(
            {
                "containerArn": self.container_arn,
                "lastStatus": self.last_status,
                "name": self.name,
                "image": self.image,
                "imageDigest": self.image_digest,
                "runtimeId": self.runtime_id,
                "taskArn": self.task_arn,
                "networkInterfaces": copy.deepcopy(self.network_interfaces),
                "cpu": self.cpu,
                "memory": self.memory,
                "memoryReservation": self.memory_reservation,
                "exitCode": self.exit_code,
                "reason": self.reason,
            }
        )

    def one_shot(self) -> ContainerRun | None:
        """Its run when the command is a plain one-shot, else None."""
        words = self.command
        if (
            len(words) >= 2
            and words[0] in ("sh", "/bin/sh", "bash", "/bin/bash")
            and (words[1] == "-c")
        ):
            words = words[2:]
        text = " ".join(words).strip()
        if not text:
            return None
        match = _ONE_SHOT.match(text)
        if match is None or not (match["sleep"] or match["code"] or match["word"]):
            return None
        code = int(match["code"]) if match["code"] else (1 if match["word"] == "false" else 0)
        return ContainerRun(float(match["sleep"] or 0), code)


class FargateTask:
    """A task as ECS keeps it; its status moves on the clock, never because it was described."""

    def __init__(
        self,
        *,
        backend: Any,
        cluster: Any,
        task_definition: Any,
        group: str,
        started_by: str,
        awsvpc: dict[str, Any],
        subnet_id: str,
        overrides: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
        platform_version: str | None = None,
        capacity_provider_name: str | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.account_id = backend.account_id
        self._account_id = backend.account_id
        self.region_name = cluster.region_name
        self.partition = cluster.arn.split(":")[1]
        self.cluster_name = cluster.name
        self.cluster_arn = cluster.arn
        self.task_definition_arn = task_definition.arn
        self.family = str(task_definition.family)
        self.group = group
        self.started_by = started_by
        self.launch_type = "" if capacity_provider_name else "FARGATE"
        self.capacity_provider_name = capacity_provider_name
        self.platform_version = (
            FARGATE_PLATFORM_VERSION
            if platform_version in (None, "", "LATEST")
            else platform_version
        )
        self.platform_family = "Linux"
        self.cpu = str(task_definition.cpu) if task_definition.cpu else None
        self.memory = str(task_definition.memory) if task_definition.memory else None
        self.ephemeral_storage = {"sizeInGiB": 20}
        self.overrides = {
            "containerOverrides": [],
            "inferenceAcceleratorOverrides": [],
            **(overrides or {}),
        }
        self.tags = tags or []
        self.desired_status = "RUNNING"
        self.status = "PROVISIONING"
        self.health_status = "UNKNOWN"
        self.version = 1
        self.enable_execute_command = False
        self.container_instance_arn: str | None = None
        self.resource_requirements: dict[str, Any] | None = None
        self.network_configuration = {"awsvpcConfiguration": awsvpc}
        self.subnet_id = subnet_id
        self.public_ip = awsvpc.get("assignPublicIp") == "ENABLED"
        self.availability_zone: str | None = None  # its network interface's, once made
        self.connectivity: str | None = None
        self.created_at = self.updated_at = _now()
        self.connectivity_at: datetime | None = None
        self.pull_started_at: datetime | None = None
        self.pull_stopped_at: datetime | None = None
        self.started_at: datetime | None = None
        self.stopping_at: datetime | None = None
        self.stopped_at: datetime | None = None
        self.execution_stopped_at: datetime | None = None
        self.stop_code: str | None = None
        self.stopped_reason: str | None = None
        self.attachments: list[dict[str, Any]] = []
        self.private_ip: str | None = None
        self.eni_id: str | None = None
        self.registered: list[tuple[str, str, int]] = []  # (target group ARN, id, port)
        self.stop_seen = False  # the scheduler has taken note that it is stopping
        by_name = {
            item.get("name"): item for item in self.overrides.get("containerOverrides") or []
        }
        self.containers = [
            TaskContainer(self, definition, by_name.get(definition.get("name"), {}))
            for definition in task_definition.container_definitions
        ]

    @property
    def task_arn(self) -> str:
        return (
            f"arn:{self.partition}:ecs:{self.region_name}:{self.account_id}:task/"
            f"{self.cluster_name}/{self.id}"
        )

    @property
    def last_status(self) -> str:
        return self.status

    @last_status.setter
    def last_status(self, value: str) -> None:
        self.status = value

    @property
    def standalone(self) -> bool:
        """Started by RunTask, not by a service's scheduler."""
        return not self.group.startswith("service:")

    def advance(self) -> None:
        """moto advances its own tasks per describe call; these follow the clock."""

    def touch(self) -> None:
        """Something of it changed: a new version, as ECS counts them."""
        self.version += 1
        self.updated_at = _now()

    def set_status(self, status: str) -> None:
        self.status = status
        self.touch()

    def state_change_detail(self) -> dict[str, Any]:
        """The detail of its "ECS Task State Change" event: DescribeTasks' Task with ISO
        timestamps, without the health status (as ECS sends it; events/ has an example)."""
        return _present(
            {
                "attachments": [{**item, "type": "eni"} for item in self.attachments],
                "availabilityZone": self.availability_zone,
                "capacityProviderName": self.capacity_provider_name,
                "clusterArn": self.cluster_arn,
                "connectivity": self.connectivity,
                "connectivityAt": self.connectivity_at,
                "containers": [item.state_change_detail() for item in self.containers],
                "cpu": self.cpu,
                "createdAt": self.created_at,
                "desiredStatus": self.desired_status,
                "enableExecuteCommand": self.enable_execute_command,
                "ephemeralStorage": dict(self.ephemeral_storage),
                "executionStoppedAt": self.execution_stopped_at,
                "group": self.group,
                "launchType": self.launch_type or None,
                "lastStatus": self.status,
                "memory": self.memory,
                "overrides": copy.deepcopy(self.overrides),
                "platformFamily": self.platform_family,
                "platformVersion": self.platform_version,
                "pullStartedAt": self.pull_started_at,
                "pullStoppedAt": self.pull_stopped_at,
                "startedAt": self.started_at,
                "startedBy": self.started_by or None,
                "stopCode": self.stop_code,
                "stoppedAt": self.stopped_at,
                "stoppedReason": self.stopped_reason,
                "stoppingAt": self.stopping_at,
                "taskArn": self.task_arn,
                "taskDefinitionArn": self.task_definition_arn,
                "updatedAt": self.updated_at,
                "version": self.version,
            }
        )


# -- the life cycle -----------------------------------------------------------------------------

Changed = Callable[[FargateTask], None]


class FargateTasks:
    """Starts and stops tasks on the clock; `on_change` hears every status change, `announce`
    every change at all (a desired status, a container's exit) and a task's creation."""

    def __init__(
        self,
        clock: Clock,
        faults: FaultBook,
        *,
        on_change: Changed,
        announce: Changed,
        register_targets: Callable[[FargateTask], list[tuple[str, str, int]]],
        deregister_targets: Callable[[FargateTask], float],
    ) -> None:
        self._clock = clock
        self._faults = faults
        self._on_change = on_change
        self._announce = announce
        self._register_targets = register_targets
        self._deregister_targets = deregister_targets

    def _changed(self, task: FargateTask) -> None:
        self._announce(task)
        self._on_change(task)

    def _start_phase(self, simulated: float) -> float:
        """Wall-clock seconds of one of a task's three starting phases."""
        profile = self._clock.profile
        if profile.rollout_seconds is not None:
            return profile.rollout_seconds / 3
        return self._clock.wall_seconds(simulated)

    def launch(self, task: FargateTask, failure: str | None = None) -> FargateTask:
        """Create the task's ENI and start its life; `failure` makes its start fail so (else a
        task rule may, or say what its containers do)."""
        awsvpc = task.network_configuration["awsvpcConfiguration"]
        attachment_id = str(uuid.uuid4())
        eni = create_task_interface(
            task.account_id,
            task.region_name,
            task.subnet_id,
            list(awsvpc.get("securityGroups") or []),
            f"arn:{task.partition}:ecs:{task.region_name}:{task.account_id}:attachment/"
            f"{attachment_id}",
        )
        task.eni_id, task.private_ip = eni.interface_id, eni.private_ip
        task.availability_zone = eni.availability_zone
        task.attachments = [
            {
                "id": attachment_id,
                "type": "ElasticNetworkInterface",
                "status": "PRECREATED",
                "details": [
                    {"name": "subnetId", "value": task.subnet_id},
                    {"name": "networkInterfaceId", "value": eni.interface_id},
                    {"name": "macAddress", "value": eni.mac_address},
                    {"name": "privateDnsName", "value": eni.private_dns_name},
                    {"name": "privateIPv4Address", "value": eni.private_ip},
                ],
            }
        ]
        for container in task.containers:
            container.network_interfaces = [
                {"attachmentId": attachment_id, "privateIpv4Address": eni.private_ip}
            ]
        if failure is None:
            failure = self._take_rule(task)
        self._announce(task)
        self._clock.after_wall(
            self._start_phase(self._clock.profile.task_provisioning),
            lambda: self._provisioned(task, failure),
        )
        return task

    def _take_rule(self, task: FargateTask) -> str | None:
        """Give the containers a task rule matches that rule; its `reason`, if it has one."""
        facts = [
            TaskContainerFacts(str(container.name), " ".join(container.command))
            for container in task.containers
        ]
        taken = self._faults.take_task_fault(task.cluster_name, task.family, task.group, facts)
        if taken is None:
            return None
        rule, names = taken
        for container in task.containers:
            if container.name in names:
                container.rule = rule
        return rule.reason

    def _provisioned(self, task: FargateTask, failure: str | None) -> None:
        if task.desired_status == "STOPPED":
            return
        task.attachments[0]["status"] = "ATTACHED"
        task.connectivity, task.connectivity_at = "CONNECTED", _now()
        task.pull_started_at = _now()
        task.set_status("PENDING")
        self._changed(task)
        failure = failure or self._pull_problem(task)
        if failure is not None:
            self._clock.after_wall(
                self._start_phase(self._clock.profile.image_pull_timeout),
                lambda: self._failed_to_start(task, failure),
            )
            return
        self._clock.after_wall(
            self._start_phase(self._clock.profile.task_pending), lambda: self._pulled(task)
        )

    @staticmethod
    def _pull_problem(task: FargateTask) -> str | None:
        for container in task.containers:
            image = str(container.image or "")
            problem = network_problem(image, task) or image_problem(image, task.account_id)
            if problem is not None:
                return problem
        return None

    @staticmethod
    def _logger_problem(task: FargateTask) -> str | None:
        for container in task.containers:
            logs = container.awslogs
            if logs is None or logs.create_group:
                continue
            if not log_group_exists(task.account_id, logs.region, logs.group):
                return LOG_GROUP_MISSING
        return None

    @staticmethod
    def _open_log_streams(task: FargateTask) -> None:
        for container in task.containers:
            logs = container.awslogs
            if logs is None:
                continue
            if logs.create_group:
                ensure_log_group(task.account_id, logs.region, logs.group)
            ensure_log_stream(task.account_id, logs.region, logs.group, container.log_stream)

    def _pulled(self, task: FargateTask) -> None:
        if task.desired_status == "STOPPED":
            return
        task.pull_stopped_at = _now()
        problem = self._logger_problem(task)
        if problem is not None:
            self._failed_to_start(task, problem)
            return
        for container in task.containers:
            container.last_status = "RUNNING"
            container.runtime_id = f"{task.id}-{uuid.uuid4().hex[:10]}"
        self._open_log_streams(task)
        task.set_status("ACTIVATING")
        task.registered = self._register_targets(task)
        self._changed(task)
        self._clock.after_wall(
            self._start_phase(self._clock.profile.task_activating), lambda: self._running(task)
        )

    def _running(self, task: FargateTask) -> None:
        if task.desired_status == "STOPPED":
            return
        task.started_at = _now()
        for container in task.containers:
            if container.has_health_check:
                container.health_status = "HEALTHY"
        if any(container.has_health_check for container in task.containers):
            task.health_status = "HEALTHY"
        task.set_status("RUNNING")
        self._changed(task)
        for container in task.containers:
            run = container.planned_run(task.standalone)
            if run is not None:
                self._run(task, container, run)

    def _run(self, task: FargateTask, container: TaskContainer, run: ContainerRun) -> None:
        """Write its lines spread over its run (the first at once), then exit."""
        for index, line in enumerate(run.lines):
            self._clock.after(
                run.seconds * index / len(run.lines), partial(self._write, task, container, line)
            )
        self._clock.after(run.seconds, lambda: self._exited(task, container, run.exit_code))

    @staticmethod
    def _write(task: FargateTask, container: TaskContainer, line: str) -> None:
        logs = container.awslogs
        if logs is None or container.last_status != "RUNNING":
            return
        put_log_line(
            task.account_id,
            logs.region,
            logs.group,
            container.log_stream,
            message=line,
            timestamp_ms=int(_now().timestamp() * 1000),
        )

    def _exited(self, task: FargateTask, container: TaskContainer, code: int) -> None:
        if task.desired_status == "STOPPED" or container.last_status == "STOPPED":
            return
        container.last_status, container.exit_code = "STOPPED", code
        if container.essential:
            self.stop(
                task,
                "EssentialContainerExited",
                "Essential container in task exited",
                exit_codes=False,
            )
        else:
            task.touch()
            self._changed(task)

    def _stop_wanted(self, task: FargateTask, stop_code: str, reason: str) -> None:
        """Its desired status turns STOPPED (an event of its own, before it starts stopping)."""
        task.desired_status = "STOPPED"
        task.stop_code, task.stopped_reason = stop_code, reason
        task.stopping_at = _now()
        task.touch()
        self._announce(task)

    def _failed_to_start(self, task: FargateTask, reason: str) -> None:
        if task.desired_status == "STOPPED":
            return
        for container in task.containers:
            container.last_status, container.reason = "STOPPED", reason
        self._stop_wanted(task, "TaskFailedToStart", reason)
        self._deprovision(task)

    def stop(
        self, task: FargateTask, stop_code: str, reason: str, *, exit_codes: bool = True
    ) -> None:
        """Stop the task (idempotent): drain its targets, stop its containers, free its ENI."""
        if task.desired_status == "STOPPED":
            return
        self._stop_wanted(task, stop_code, reason)
        if task.status in ("PROVISIONING", "PENDING"):
            for container in task.containers:
                container.last_status = "STOPPED"
            self._deprovision(task)
            return
        task.set_status("DEACTIVATING")
        self._changed(task)
        drain = self._deregister_targets(task) if task.registered else 0.0
        self._clock.after_wall(self._clock.delay(drain), lambda: self._stopping(task, exit_codes))

    def _stopping(self, task: FargateTask, exit_codes: bool) -> None:
        task.set_status("STOPPING")
        self._changed(task)

        def stopped() -> None:
            for container in task.containers:
                if container.last_status != "STOPPED":
                    container.last_status = "STOPPED"
                    container.exit_code = 0 if exit_codes else 137
            task.execution_stopped_at = _now()
            self._deprovision(task)

        self._clock.after_wall(self._clock.delay(self._clock.profile.task_stopping), stopped)

    def _deprovision(self, task: FargateTask) -> None:
        task.set_status("DEPROVISIONING")
        if task.attachments:
            task.attachments[0]["status"] = "DETACHING"
        self._changed(task)
        self._clock.after_wall(
            self._clock.delay(self._clock.profile.task_deprovisioning), lambda: self._gone(task)
        )

    def _gone(self, task: FargateTask) -> None:
        task.stopped_at = _now()
        task.execution_stopped_at = task.execution_stopped_at or task.stopped_at
        task.connectivity = "DISCONNECTED"
        if task.attachments:
            task.attachments[0]["status"] = "DELETED"
        if task.eni_id is not None:
            delete_interface(task.account_id, task.region_name, task.eni_id)
        task.set_status("STOPPED")
        self._changed(task)
