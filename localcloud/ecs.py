"""ECS rolling deployments that progress: IN_PROGRESS, then COMPLETED, or FAILED and rolled back.

moto's ECS service keeps one static deployment and never emits events. Here CreateService and
every UpdateService that changes the task definition (or forces a new deployment) start a new
PRIMARY deployment beside the previous ones (ACTIVE), emit "ECS Deployment State Change"
SERVICE_DEPLOYMENT_IN_PROGRESS, and after `rollout_seconds` either complete (old deployments
and their tasks go away, SERVICE_DEPLOYMENT_COMPLETED) or fail when a task cannot start: an
image of this account's ECR registry that is not in the local ECR, or a rollout fault.

A failure behaves as ECS's deployment circuit breaker does: with the breaker on, the deployment
is FAILED (SERVICE_DEPLOYMENT_FAILED, eventType ERROR), and with rollback on ECS starts a new
deployment of the last completed task definition. With the breaker off ECS keeps trying, so the
deployment stays IN_PROGRESS and no event is sent (as in AWS).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import random
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ecr.models import ecr_backends
from moto.ecs.exceptions import InvalidParameterException
from moto.ecs.models import EC2ContainerServiceBackend, Task, ecs_backends
from moto.ecs.responses import EC2ContainerServiceResponse

from localcloud.clock import Clock
from localcloud.events import EventRouter, make_event
from localcloud.faults import FaultBook
from localcloud.patching import Patcher

LOG = logging.getLogger("localcloud.ecs")
_SERVICE_EVENTS_KEPT = 100
_CIRCUIT_BREAKER_REASON = "ECS deployment circuit breaker: tasks failed to start."
_ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]+))?$"
)
DEFAULT_DEPLOYMENT_CONFIGURATION: dict[str, Any] = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


def image_pull_failure(image: str, account_id: str) -> str | None:
    """Why `image` cannot be pulled, or None. Only this account's ECR registry is checked;
    images of other registries are assumed pullable."""
    match = _ECR_IMAGE.match(image)
    if match is None or match["account"] != account_id:
        return None
    reference = image if (match["tag"] or match["digest"]) else f"{image}:latest"
    not_found = (
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
        f"failed to resolve ref {reference}: {reference}: not found"
    )
    repository = ecr_backends[account_id][match["region"]].repositories.get(match["repository"])
    if repository is None:
        return not_found
    if match["digest"]:
        found = any(stored.get_image_digest() == match["digest"] for stored in repository.images)
    else:
        tag = match["tag"] or "latest"
        found = any(tag in stored.image_tags for stored in repository.images)
    return None if found else not_found


@dataclass(frozen=True)
class ServiceSnapshot:
    """A service as it was before an UpdateService call changed it."""

    task_definition: str
    desired_count: int
    deployment_configuration: dict[str, Any] | None


@dataclass
class _ServiceLedger:
    """What ECS remembers about a service between API calls."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    generation: int = 0
    last_completed: tuple[str, str] | None = None  # (deployment id, task definition ARN)
    rollback_ids: set[str] = field(default_factory=set)


def _now() -> datetime:
    return datetime.now(UTC)


def _new_deployment_id() -> str:
    return f"ecs-svc/{random.randint(10**18, 10**19 - 1)}"  # noqa: S311 - an identifier, not a secret


class ServiceTask(Task):
    """A task started by a service; its status is driven by the rollout, not by describes."""

    created_at: datetime
    started_at: datetime
    stopped_at: datetime
    stop_code: str

    @property
    def status(self) -> str:
        return str(self._service_task_status)

    @status.setter
    def status(self, value: str) -> None:
        self._service_task_status = value

    def advance(self) -> None:
        """Describing a service task does not move it (moto's own tasks advance per describe)."""


class EcsRollouts:
    def __init__(self, router: EventRouter, faults: FaultBook, clock: Clock) -> None:
        self._router = router
        self._faults = faults
        self._clock = clock
        self._ledgers: dict[str, _ServiceLedger] = {}
        self._ledgers_lock = threading.Lock()

    # -- hooks called by the patched ECS API ----------------------------------------------------

    def on_created(
        self, backend: Any, service: Any, deployment_configuration: dict[str, Any] | None
    ) -> None:
        service.deployment_configuration = _merged_configuration(None, deployment_configuration)
        if service.deployment_controller.get("type", "ECS") != "ECS":
            return
        service.deployments = []
        self._start_deployment(backend, service, service.task_definition)

    def on_updated(
        self,
        backend: Any,
        service: Any,
        before: ServiceSnapshot,
        requested_configuration: dict[str, Any] | None,
        force: bool,
    ) -> None:
        ledger = self._ledger(service)
        with ledger.lock:
            service.deployment_configuration = _merged_configuration(
                before.deployment_configuration, requested_configuration
            )
            if service.deployment_controller.get("type", "ECS") != "ECS":
                return  # CodeDeploy/external deployments are not simulated
            target = backend.describe_task_definition(service.task_definition).arn
            service.task_definition = target
            if target != before.task_definition or force:
                self._start_deployment(backend, service, target)
            elif service.desired_count != before.desired_count:
                self._scale(backend, service)

    def on_deleted(self, backend: Any, service: Any) -> None:
        ledger = self._ledger(service)
        with ledger.lock:
            ledger.generation += 1
            for deployment in service.deployments:
                self._stop_tasks(backend, service, deployment["id"], "Service deleted")
            self._refresh_counts(service)

    # -- deployments -----------------------------------------------------------------------------

    def _ledger(self, service: Any) -> _ServiceLedger:
        with self._ledgers_lock:
            return self._ledgers.setdefault(service.arn, _ServiceLedger())

    def _start_deployment(
        self, backend: Any, service: Any, task_definition: str, rollback_of: str | None = None
    ) -> None:
        ledger = self._ledger(service)
        with ledger.lock:
            ledger.generation += 1
            generation = ledger.generation
            deployment = self._new_deployment(service, task_definition, rollback_of)
            if rollback_of is not None:
                ledger.rollback_ids.add(deployment["id"])
            previous = [{**old, "status": "ACTIVE"} for old in service.deployments]
            service.deployments = [deployment, *previous]
            service.task_definition = task_definition
            task_ids = self._launch_tasks(backend, service, deployment)
            self._refresh_counts(service)
            started = " ".join(f"(task {task_id})" for task_id in task_ids)
            if task_ids:
                self._record(
                    service,
                    f"(service {service.name}) has started {len(task_ids)} tasks: {started}.",
                )
            self._emit(service, "SERVICE_DEPLOYMENT_IN_PROGRESS", deployment)
        profile = self._clock.profile
        self._clock.after_wall(
            profile.rollout_seconds
            if profile.rollout_seconds is not None
            else self._clock.wall_seconds(profile.task_start_seconds()),
            lambda: self._finish(backend, service, deployment["id"], generation),
        )

    def _new_deployment(
        self, service: Any, task_definition: str, rollback_of: str | None
    ) -> dict[str, Any]:
        deployment_id = _new_deployment_id()
        reason = (
            f"ECS deployment circuit breaker: rolling back to deploymentId {rollback_of}."
            if rollback_of
            else f"ECS deployment {deployment_id} in progress."
        )
        now = _now()
        return {
            "id": deployment_id,
            "status": "PRIMARY",
            "taskDefinition": task_definition,
            "desiredCount": service.desired_count,
            "pendingCount": service.desired_count,
            "runningCount": 0,
            "failedTasks": 0,
            "createdAt": now,
            "updatedAt": now,
            "launchType": service.launch_type,
            "platformVersion": service.platform_version or "LATEST",
            "platformFamily": "Linux",
            "networkConfiguration": service.network_configuration or None,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": reason,
        }

    def _finish(self, backend: Any, service: Any, deployment_id: str, generation: int) -> None:
        ledger = self._ledger(service)
        with ledger.lock:
            if ledger.generation != generation or service.status != "ACTIVE":
                return  # superseded by a newer deployment, or the service is gone
            deployment = _find(service, deployment_id)
            failure = self._failure_reason(backend, service, deployment)
            if failure is None:
                self._complete(backend, service, deployment, ledger)
                return
            rollback_to = self._fail(backend, service, deployment, failure, ledger)
        if rollback_to is not None:
            self._start_deployment(backend, service, rollback_to[1], rollback_of=rollback_to[0])

    def _failure_reason(self, backend: Any, service: Any, deployment: dict[str, Any]) -> str | None:
        injected = self._faults.take_rollout_fault(service.cluster_name, service.name)
        if injected is not None:
            return injected
        task_definition = backend.describe_task_definition(deployment["taskDefinition"])
        for container in task_definition.container_definitions:
            reason = image_pull_failure(container.get("image", ""), backend.account_id)
            if reason is not None:
                return reason
        return None

    def _complete(
        self, backend: Any, service: Any, deployment: dict[str, Any], ledger: _ServiceLedger
    ) -> None:
        for old in service.deployments:
            if old["id"] != deployment["id"]:
                self._stop_tasks(
                    backend,
                    service,
                    old["id"],
                    f"Scaling activity initiated by (deployment {deployment['id']})",
                )
        self._set_task_status(service, deployment["id"], "RUNNING")
        completed = {
            **deployment,
            "runningCount": deployment["desiredCount"],
            "pendingCount": 0,
            "rolloutState": "COMPLETED",
            "rolloutStateReason": f"ECS deployment {deployment['id']} completed.",
            "updatedAt": _now(),
        }
        service.deployments = [completed]
        self._refresh_counts(service)
        ledger.last_completed = (completed["id"], completed["taskDefinition"])
        self._record(
            service,
            f"(service {service.name}) (deployment {completed['id']}) deployment completed.",
        )
        self._record(service, f"(service {service.name}) has reached a steady state.")
        self._emit(service, "SERVICE_DEPLOYMENT_COMPLETED", completed)

    def _fail(
        self,
        backend: Any,
        service: Any,
        deployment: dict[str, Any],
        reason: str,
        ledger: _ServiceLedger,
    ) -> tuple[str, str] | None:
        """Mark the failure; return the (deployment id, task definition) to roll back to, if any."""
        self._stop_tasks(backend, service, deployment["id"], reason, stop_code="TaskFailedToStart")
        self._record(
            service,
            f"(service {service.name}) is unable to consistently start tasks successfully. "
            "For more information, see the Troubleshooting section of the Amazon ECS "
            "Developer Guide.",
        )
        breaker = (service.deployment_configuration or {}).get("deploymentCircuitBreaker") or {}
        updated = {
            **deployment,
            "failedTasks": deployment["desiredCount"],
            "pendingCount": 0,
            "updatedAt": _now(),
        }
        if not breaker.get("enable"):
            _replace(service, updated)  # ECS keeps retrying: still IN_PROGRESS, no event
            self._refresh_counts(service)
            return None
        failed = {
            **updated,
            "rolloutState": "FAILED",
            "rolloutStateReason": _CIRCUIT_BREAKER_REASON,
        }
        _replace(service, failed)
        self._refresh_counts(service)
        self._record(
            service,
            f"(service {service.name}) (deployment {failed['id']}) deployment failed: "
            "tasks failed to start.",
        )
        self._emit(service, "SERVICE_DEPLOYMENT_FAILED", failed)
        is_rollback = failed["id"] in ledger.rollback_ids
        if breaker.get("rollback") and not is_rollback and ledger.last_completed is not None:
            return ledger.last_completed
        return None

    def _scale(self, backend: Any, service: Any) -> None:
        """A desired-count change without a new deployment: the primary follows it."""
        primary = service.deployments[0] if service.deployments else None
        if primary is None:
            return
        primary = {**primary, "desiredCount": service.desired_count, "updatedAt": _now()}
        if primary["rolloutState"] == "COMPLETED":
            primary["runningCount"] = service.desired_count
            self._stop_tasks(backend, service, primary["id"], "Scaling activity")
            task_ids = self._launch_tasks(backend, service, primary)
            self._set_task_status(service, primary["id"], "RUNNING")
            self._record(service, f"(service {service.name}) has started {len(task_ids)} tasks.")
        _replace(service, primary)
        self._refresh_counts(service)

    # -- tasks -----------------------------------------------------------------------------------

    @staticmethod
    def _launch_tasks(backend: Any, service: Any, deployment: dict[str, Any]) -> list[str]:
        cluster = backend._get_cluster(service.cluster_name)
        task_definition = backend.describe_task_definition(deployment["taskDefinition"])
        task_ids: list[str] = []
        for _ in range(int(deployment["desiredCount"] or 0)):
            try:
                task = ServiceTask(
                    cluster=cluster,
                    task_definition=task_definition,
                    container_instance_arn=None,
                    resource_requirements={},
                    backend=backend,
                    group=f"service:{service.name}",
                    launch_type=service.launch_type or "FARGATE",
                    started_by=deployment["id"],
                    networking_configuration=service.network_configuration or None,
                    platform_version=service.platform_version,
                )
            except InvalidParameterException:
                LOG.warning(
                    "service %s: tasks not simulated (no network configuration)", service.name
                )
                return task_ids
            task.status = "PROVISIONING"
            task.created_at = _now()
            backend.tasks.setdefault(cluster.name, {})[task.task_arn] = task
            task_ids.append(task.id)
        return task_ids

    @staticmethod
    def _service_tasks(service: Any, deployment_id: str) -> list[Any]:
        backend = ecs_backends[service._account_id][service.region_name]
        return [
            task
            for task in backend.tasks.get(service.cluster_name, {}).values()
            if task.started_by == deployment_id and task.group == f"service:{service.name}"
        ]

    def _set_task_status(self, service: Any, deployment_id: str, status: str) -> None:
        for task in self._service_tasks(service, deployment_id):
            if task.status != "STOPPED":
                task.status = status
                task.started_at = _now()

    def _stop_tasks(
        self,
        backend: Any,
        service: Any,
        deployment_id: str,
        reason: str,
        stop_code: str = "ServiceSchedulerInitiated",
    ) -> None:
        ec2 = _ec2_backend(backend)
        for task in self._service_tasks(service, deployment_id):
            if task.status == "STOPPED":
                continue
            task.status = "STOPPED"
            task.desired_status = "STOPPED"
            task.stopped_reason = reason
            task.stop_code = stop_code
            task.stopped_at = _now()
            for attachment in task.attachments:
                for detail in attachment.get("details", []):
                    if detail["name"] == "networkInterfaceId":
                        with contextlib.suppress(Exception):
                            ec2.delete_network_interface(detail["value"])

    # -- bookkeeping -----------------------------------------------------------------------------

    @staticmethod
    def _refresh_counts(service: Any) -> None:
        service.running_count = sum(int(item["runningCount"]) for item in service.deployments)
        service.pending_count = sum(int(item["pendingCount"]) for item in service.deployments)

    @staticmethod
    def _record(service: Any, message: str) -> None:
        """ECS's service event log (describe_services `events`, newest first)."""
        entry = {"id": str(uuid.uuid4()), "createdAt": _now(), "message": message}
        service.events = [entry, *service.events][:_SERVICE_EVENTS_KEPT]

    def _emit(self, service: Any, event_name: str, deployment: dict[str, Any]) -> None:
        detail = {
            "eventType": "ERROR" if event_name == "SERVICE_DEPLOYMENT_FAILED" else "INFO",
            "eventName": event_name,
            "deploymentId": deployment["id"],
            "updatedAt": deployment["updatedAt"].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "reason": deployment["rolloutStateReason"],
        }
        event = make_event(
            source="aws.ecs",
            detail_type="ECS Deployment State Change",
            detail=detail,
            account=service._account_id,
            region=service.region_name,
            resources=[_service_arn(service)],
        )
        self._router.publish(service._account_id, service.region_name, "default", event)

    # -- moto patches ----------------------------------------------------------------------------

    def install(self, patcher: Patcher) -> None:
        rollouts = self
        original_create = EC2ContainerServiceResponse.create_service
        original_update = EC2ContainerServiceResponse.update_service
        original_delete = EC2ContainerServiceBackend.delete_service
        original_list_tasks = EC2ContainerServiceBackend.list_tasks

        def create_service(response: Any) -> Any:
            result = original_create(response)
            service = _service_in(result)
            _as_aws_describes(service, response._get_param)
            rollouts.on_created(
                response.ecs_backend, service, response._get_param("deploymentConfiguration")
            )
            return result

        def update_service(response: Any) -> Any:
            service = response.ecs_backend._get_service(
                response._get_param("cluster", "default"), response._get_param("service")
            )
            before = ServiceSnapshot(
                service.task_definition,
                service.desired_count,
                copy.deepcopy(getattr(service, "deployment_configuration", None)),
            )
            result = original_update(response)
            force = bool(response._get_param("forceNewDeployment", False))
            requested = response._get_param("deploymentConfiguration")
            rollouts.on_updated(response.ecs_backend, _service_in(result), before, requested, force)
            return result

        def delete_service(backend: Any, cluster_name: str, service_name: str, force: bool) -> Any:
            service = original_delete(backend, cluster_name, service_name, force)
            rollouts.on_deleted(backend, service)
            return service

        def list_tasks(backend: Any, *args: Any, **kwargs: Any) -> list[Any]:
            tasks = original_list_tasks(backend, *args, **kwargs)
            desired_status = kwargs.get("desiredStatus") or (args[5] if len(args) > 5 else None)
            if not desired_status:  # ECS lists only tasks meant to run unless asked otherwise
                tasks = [task for task in tasks if task.desired_status == "RUNNING"]
            service_name = kwargs.get("service_name") or (args[4] if len(args) > 4 else None)
            if not service_name:
                return tasks
            return [
                task for task in tasks if task.group == f"service:{service_name.split('/')[-1]}"
            ]

        patcher.replace(EC2ContainerServiceResponse, "create_service", create_service)
        patcher.replace(EC2ContainerServiceResponse, "update_service", update_service)
        patcher.replace(EC2ContainerServiceBackend, "delete_service", delete_service)
        patcher.replace(EC2ContainerServiceBackend, "list_tasks", list_tasks)
        # moto's awsvpc tasks read the ENI's private DNS name, which it sets only in VPCs with
        # DNS hostnames enabled: give every ENI a default so such tasks can be created.
        patcher.replace(NetworkInterface, "private_dns_name", None)


def _as_aws_describes(service: Any, param: Callable[..., Any]) -> None:
    """Settings CreateService takes that moto forgets, and the values ECS reports for those
    not given: a Fargate service runs platform LATEST, ECS Exec is off, a service behind a
    load balancer has a grace period (0 when none was given)."""
    fargate = (service.launch_type or "FARGATE") == "FARGATE"
    service.platform_version = param("platformVersion") or ("LATEST" if fargate else None)
    service.enable_execute_command = bool(param("enableExecuteCommand", False))
    service.enable_ecs_managed_tags = bool(param("enableECSManagedTags", False))
    grace = param("healthCheckGracePeriodSeconds")
    if grace is not None or service.load_balancers:
        service.health_check_grace_period_seconds = int(grace or 0)


def _service_in(result: Any) -> Any:
    """The Service model inside an ECS ActionResult (`{"service": Service}`)."""
    return result.result["service"]


def _merged_configuration(
    base: dict[str, Any] | None, requested: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The deployment configuration after a call: what was set (or ECS's defaults), updated
    with what the call asked for."""
    merged = copy.deepcopy(base or DEFAULT_DEPLOYMENT_CONFIGURATION)
    for key, value in (requested or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _find(service: Any, deployment_id: str) -> dict[str, Any]:
    return next(item for item in service.deployments if item["id"] == deployment_id)


def _replace(service: Any, deployment: dict[str, Any]) -> None:
    """Swap in a new version of a deployment (a new list: describes may be reading the old one)."""
    service.deployments = [
        deployment if item["id"] == deployment["id"] else item for item in service.deployments
    ]


def _service_arn(service: Any) -> str:
    """The long ARN form ECS puts in deployment events."""
    partition = service.arn.split(":")[1]
    return (
        f"arn:{partition}:ecs:{service.region_name}:{service._account_id}:"
        f"service/{service.cluster_name}/{service.name}"
    )


def _ec2_backend(backend: Any) -> Any:
    return ec2_backends[backend.account_id][backend.region_name]
