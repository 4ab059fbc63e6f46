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

Every container of the task definition is listed with its own status and exit code. A container
whose command is a plain one-shot (`exit N`, `true`, `false`, `sleep N`, `sleep N; exit N`, alone
or under `sh -c`) exits with that code after that time; any other container runs until stopped.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from localcloud.clock import Clock
from localcloud.ec2 import (
    create_task_interface,
    delete_interface,
    has_interface_endpoint,
    reaches_internet,
)
from localcloud.ecr import image_exists

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

    def one_shot(self) -> tuple[float, int] | None:
        """(seconds, exit code) when the command is a plain one-shot, else None."""
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
        return float(match["sleep"] or 0), code


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
        self.created_at = _now()
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

    def advance(self) -> None:
        """moto advances its own tasks per describe call; these follow the clock."""

    def set_status(self, status: str) -> None:
        self.status = status
        self.version += 1


# -- the life cycle -----------------------------------------------------------------------------

Changed = Callable[[FargateTask], None]


class FargateTasks:
    """Starts and stops tasks on the clock; `on_change` hears every status change."""

    def __init__(
        self,
        clock: Clock,
        on_change: Changed,
        register_targets: Callable[[FargateTask], list[tuple[str, str, int]]],
        deregister_targets: Callable[[FargateTask], float],
    ) -> None:
        self._clock = clock
        self._on_change = on_change
        self._register_targets = register_targets
        self._deregister_targets = deregister_targets

    def _start_phase(self, simulated: float) -> float:
        """Wall-clock seconds of one of a task's three starting phases."""
        profile = self._clock.profile
        if profile.rollout_seconds is not None:
            return profile.rollout_seconds / 3
        return self._clock.wall_seconds(simulated)

    def launch(self, task: FargateTask, failure: str | None = None) -> FargateTask:
        """Create the task's ENI and start its life; `failure` makes its start fail so."""
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
        self._clock.after_wall(
            self._start_phase(self._clock.profile.task_provisioning),
            lambda: self._provisioned(task, failure),
        )
        return task

    def _provisioned(self, task: FargateTask, failure: str | None) -> None:
        if task.desired_status == "STOPPED":
            return
        task.attachments[0]["status"] = "ATTACHED"
        task.connectivity, task.connectivity_at = "CONNECTED", _now()
        task.pull_started_at = _now()
        task.set_status("PENDING")
        self._on_change(task)
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

    def _pulled(self, task: FargateTask) -> None:
        if task.desired_status == "STOPPED":
            return
        task.pull_stopped_at = _now()
        for container in task.containers:
            container.last_status = "RUNNING"
            container.runtime_id = f"{task.id}-{uuid.uuid4().hex[:10]}"
        task.set_status("ACTIVATING")
        task.registered = self._register_targets(task)
        self._on_change(task)
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
        self._on_change(task)
        for container in task.containers:
            shot = container.one_shot()
            if shot is not None:
                self._exit_later(task, container, *shot)

    def _exit_later(
        self, task: FargateTask, container: TaskContainer, seconds: float, code: int
    ) -> None:
        self._clock.after(seconds, lambda: self._exited(task, container, code))

    def _exited(self, task: FargateTask, container: TaskContainer, code: int) -> None:
        if task.desired_status == "STOPPED" or container.last_status == "STOPPED":
            return
        container.last_status, container.exit_code = "STOPPED", code
        task.version += 1
        if container.essential:
            self.stop(
                task,
                "EssentialContainerExited",
                "Essential container in task exited",
                exit_codes=False,
            )
        else:
            self._on_change(task)

    def _failed_to_start(self, task: FargateTask, reason: str) -> None:
        if task.desired_status == "STOPPED":
            return
        task.desired_status = "STOPPED"
        task.stop_code, task.stopped_reason = "TaskFailedToStart", reason
        task.stopping_at = _now()
        for container in task.containers:
            container.last_status, container.reason = "STOPPED", reason
        self._deprovision(task)

    def stop(
        self, task: FargateTask, stop_code: str, reason: str, *, exit_codes: bool = True
    ) -> None:
        """Stop the task (idempotent): drain its targets, stop its containers, free its ENI."""
        if task.desired_status == "STOPPED":
            return
        task.desired_status = "STOPPED"
        task.stop_code, task.stopped_reason = stop_code, reason
        task.stopping_at = _now()
        if task.status in ("PROVISIONING", "PENDING"):
            for container in task.containers:
                container.last_status = "STOPPED"
            self._deprovision(task)
            return
        task.set_status("DEACTIVATING")
        self._on_change(task)
        drain = self._deregister_targets(task) if task.registered else 0.0
        self._clock.after_wall(self._clock.delay(drain), lambda: self._stopping(task, exit_codes))

    def _stopping(self, task: FargateTask, exit_codes: bool) -> None:
        task.set_status("STOPPING")
        self._on_change(task)

        def stopped() -> None:
            for container in task.containers:
                if container.last_status != "STOPPED":
                    container.last_status = "STOPPED"
                    container.exit_code = 0 if exit_codes else 137
            self._deprovision(task)

        self._clock.after_wall(self._clock.delay(self._clock.profile.task_stopping), stopped)

    def _deprovision(self, task: FargateTask) -> None:
        task.set_status("DEPROVISIONING")
        if task.attachments:
            task.attachments[0]["status"] = "DETACHING"
        self._on_change(task)
        self._clock.after_wall(
            self._clock.delay(self._clock.profile.task_deprovisioning), lambda: self._gone(task)
        )

    def _gone(self, task: FargateTask) -> None:
        task.stopped_at = task.execution_stopped_at = _now()
        task.connectivity = "DISCONNECTED"
        if task.attachments:
            task.attachments[0]["status"] = "DELETED"
        if task.eni_id is not None:
            delete_interface(task.account_id, task.region_name, task.eni_id)
        task.set_status("STOPPED")
        self._on_change(task)
