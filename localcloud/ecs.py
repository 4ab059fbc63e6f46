"""ECS as it behaves: a service scheduler with rolling deployments, tasks on the clock, targets.

moto's ECS service keeps one static deployment, starts no tasks and emits no events. Here:

- CreateService, and every UpdateService that changes the task definition or forces a new
  deployment, start a PRIMARY deployment beside the previous ones (ACTIVE) and emit "ECS
  Deployment State Change" SERVICE_DEPLOYMENT_IN_PROGRESS. The scheduler launches the new
  deployment's tasks (localcloud/ecs_tasks.py: PROVISIONING → … → RUNNING on the clock), spread
  over the service's subnets, registers them in the service's target groups, and stops an old
  task for each new one that is healthy (RUNNING, and its targets healthy), keeping
  minimumHealthyPercent of the desired count in service. Once every new task is healthy and
  every old one has stopped (after draining), the deployment is COMPLETED
  (SERVICE_DEPLOYMENT_COMPLETED, "has reached a steady state").
- A task that fails to start (an image missing from the local ECR, no route to the registry, a
  rollout fault) counts as a failed task, and the scheduler retries with ECS's throttle: the
  delay between launches grows up to 27 minutes, and a new deployment resets it. With the
  circuit breaker on, the deployment is FAILED once the failed tasks reach ECS's threshold
  (half the desired count, at least 3, at most 200; SERVICE_DEPLOYMENT_FAILED) and, with
  rollback on, ECS starts a deployment of the last completed task definition. With the breaker
  off the scheduler keeps retrying, so a service recovers once its image exists.
- A target that fails its health checks after the grace period gets its task stopped ("Task
  failed ELB health checks"), and replaced. Any task of a service that stops is replaced.
- RunTask, StopTask, DescribeTasks and ListTasks work on the same tasks; errors are ECS's
  (InvalidParameterException, ClusterNotFoundException, ClientException), never a 500.
- Every task (a service's or RunTask's) announces each change as "ECS Task State Change" on
  the default bus (resources: the task's ARN; detail: the task, localcloud/ecs_tasks.py).
"""

from __future__ import annotations

import copy
import itertools
import logging
import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.core.common_types import TYPE_RESPONSE
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.ecs.exceptions import (
    ClusterNotFoundException,
    EcsClientException,
    ECSException,
    InvalidParameterException,
    ServiceNotFoundException,
    TaskDefinitionNotFoundException,
)
from moto.ecs.models import EC2ContainerServiceBackend, ecs_backends
from moto.ecs.responses import DESCRIBE_TASKS_TAGS, EC2ContainerServiceResponse

from localcloud.clock import Clock
from localcloud.ec2 import security_group_exists, subnet_exists
from localcloud.ecs_deployments import (
    PROGRESSIVE,
    ConfigurationError,
    Roles,
    Rollout,
    ServiceDeployment,
    ServiceDeployments,
    check_configuration,
    lanes_of,
)
from localcloud.ecs_tasks import STARTING, FargateTask, FargateTasks
from localcloud.elbv2 import (
    PASSING,
    Probe,
    TargetHealth,
    balancers_forwarding_to,
    deregister_target,
    register_target,
    target_group_type,
)
from localcloud.events import EventRouter, iso_millis, make_event
from localcloud.faults import FaultBook, RolloutFault
from localcloud.patching import Patcher

LOG = logging.getLogger("localcloud.ecs")
_SERVICE_EVENTS_KEPT = 100
_CIRCUIT_BREAKER_REASON = "ECS deployment circuit breaker: tasks failed to start."
_UNHEALTHY = Probe(
    False, "Target.ResponseCodeMismatch", "Health checks failed with these codes: [503]"
)
_HEALTH_CHECK_FAILURE = "Task failed ELB health checks"
_NOT_LISTENING = Probe(False, "Target.Timeout", "Request timed out")
DEFAULT_DEPLOYMENT_CONFIGURATION: dict[str, Any] = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


class ServiceDeploymentNotFoundException(ECSException):
    code = "ServiceDeploymentNotFoundException"


def _now() -> datetime:
    return datetime.now(UTC)


def _new_deployment_id() -> str:
    return f"ecs-svc/{random.randint(10**18, 10**19 - 1)}"  # noqa: S311 - an identifier


def breaker_threshold(desired_count: int) -> int:
    """ECS's circuit breaker trips after this many failed tasks: half the desired count,
    at least 3 and at most 200."""
    return min(200, max(3, math.ceil(desired_count * 0.5)))


@dataclass(frozen=True)
class ServiceSnapshot:
    """A service as it was before an UpdateService call changed it."""

    task_definition: str
    desired_count: int
    deployment_configuration: dict[str, Any] | None


@dataclass
class _Deployment:
    """What the scheduler knows about one deployment beyond what describe shows."""

    deployment_id: str
    fault: RolloutFault | None = None
    failed: int = 0
    backoff: float = 0.0  # simulated seconds until the next launch after a failure
    next_launch: float = 0.0  # time.monotonic() before which nothing is launched
    throttled_once: bool = False
    groups: dict[str, str] = field(default_factory=dict)  # service's group -> the tasks' own
    rollout: Rollout | None = None  # BLUE_GREEN, LINEAR, CANARY


@dataclass
class _ServiceState:
    last_completed: tuple[str, str] | None = None  # (deployment id, task definition ARN)
    rollback_ids: set[str] = field(default_factory=set)
    deployments: dict[str, _Deployment] = field(default_factory=dict)
    subnet_turn: itertools.count[int] = field(default_factory=itertools.count)
    tasks: list[FargateTask] = field(default_factory=list)
    wake_at: float = 0.0


class EcsServices:
    """The ECS service scheduler, the task life cycle and target registration."""

    def __init__(
        self, router: EventRouter, faults: FaultBook, clock: Clock, targets: TargetHealth
    ) -> None:
        self._router = router
        self._faults = faults
        self._clock = clock
        self._targets = targets
        self._lock = targets.lock  # one lock for ECS and its targets (see TargetHealth)
        self._states: dict[str, _ServiceState] = {}
        self._services: dict[str, Any] = {}  # service ARN -> moto Service
        self._by_target: dict[tuple[str, str], FargateTask] = {}  # (group ARN, ip) -> task
        self._by_ip: dict[str, FargateTask] = {}
        self._service_of: dict[str, str] = {}  # task id -> service ARN
        self.deployments = ServiceDeployments()
        self.roles: Roles | None = None  # set by the cloud: what ECS does as a service's role
        self.lock = self._lock
        self.tasks = FargateTasks(
            clock,
            faults,
            on_change=self._task_changed,
            announce=self._announce_task,
            register_targets=self._register,
            deregister_targets=self._deregister,
        )
        targets.add_prober(self._probe)
        targets.add_listener(self._target_changed)

    # -- deployments -----------------------------------------------------------------------------

    def _state(self, service: Any) -> _ServiceState:
        return self._states.setdefault(service.arn, _ServiceState())

    def on_created(
        self, backend: Any, service: Any, deployment_configuration: dict[str, Any] | None
    ) -> None:
        with self._lock:
            service.deployment_configuration = _merged_configuration(None, deployment_configuration)
            self._services[service.arn] = service
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
        with self._lock:
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
                primary = service.deployments[0] if service.deployments else None
                if primary is not None:
                    _replace(
                        service,
                        {**primary, "desiredCount": service.desired_count, "updatedAt": _now()},
                    )
                self._reconcile(service)

    def on_deleted(self, service: Any) -> None:
        with self._lock:
            self._services.pop(service.arn, None)  # its tasks' changes concern nobody now
            for task in self._state(service).tasks:
                self.tasks.stop(task, "ServiceSchedulerInitiated", "Service deleted")
            service.deployments = [{**item, "desiredCount": 0} for item in service.deployments]
            self._refresh_counts(service)

    def _start_deployment(
        self, backend: Any, service: Any, task_definition: str, rollback_of: str | None = None
    ) -> None:
        state = self._state(service)
        deployment = self._new_deployment(service, task_definition, rollback_of)
        fault = self._faults.take_rollout_fault(service.cluster_name, service.name)
        info = _Deployment(deployment["id"], fault=fault)
        state.deployments[deployment["id"]] = info
        if rollback_of is not None:
            state.rollback_ids.add(deployment["id"])
        rolled_back = self._record_of(service)
        previous = [{**old, "status": "ACTIVE"} for old in service.deployments]
        for old in previous:
            self._supersede(old["id"])
        service.deployments = [deployment, *previous]
        service.task_definition = task_definition
        configuration = service.deployment_configuration or DEFAULT_DEPLOYMENT_CONFIGURATION
        if rollback_of is not None and rolled_back is not None:
            self.deployments.alias(deployment["id"], rolled_back)
        else:
            record = self.deployments.start(
                service, deployment["id"], task_definition, configuration
            )
            record.breaker_threshold = breaker_threshold(int(service.desired_count or 0))
            if configuration.get("strategy") in PROGRESSIVE:
                info.rollout = self._rollout(service, record, has_blue=bool(previous))
                info.groups = info.rollout.group_map()
        self._emit(service, "SERVICE_DEPLOYMENT_IN_PROGRESS", deployment)
        if info.rollout is not None:
            info.rollout.start()
        self._reconcile(service)

    def _rollout(self, service: Any, record: ServiceDeployment, has_blue: bool) -> Rollout:
        lanes = lanes_of(service._account_id, service.region_name, service.load_balancers or [])
        rollout = Rollout(self, self._clock, service, record, lanes, self.roles, has_blue)
        self.deployments.rollouts[record.deployment_id] = rollout
        return rollout

    def _record_of(self, service: Any) -> ServiceDeployment | None:
        """The service deployment of the service's primary deployment."""
        primary = service.deployments[0] if service.deployments else None
        return self.deployments.by_id(primary["id"]) if primary else None

    def _supersede(self, deployment_id: str) -> None:
        """A newer deployment replaces one still in progress: it stops where it is."""
        record = self.deployments.by_id(deployment_id)
        if record is not None and record.status == "IN_PROGRESS":
            record.touch(
                status="STOPPED", status_reason="A newer deployment started.", stopped_at=_now()
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
            "pendingCount": 0,
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

    # -- the scheduler ---------------------------------------------------------------------------

    def _reconcile(self, service: Any) -> None:
        """Move the service towards its primary deployment: launch, stop, complete or fail."""
        if service.status != "ACTIVE" or not service.deployments:
            self._refresh_counts(service)
            return
        state = self._state(service)
        primary = service.deployments[0]
        info = state.deployments.get(primary["id"])
        if info is None:
            return
        if not _subnets(service):
            LOG.warning("service %s: tasks not simulated (no awsvpc subnets)", service.name)
            self._maybe_complete(service, primary, [], 0)
            return
        desired = int(service.desired_count or 0)
        mine = [task for task in state.tasks if task.started_by == primary["id"]]
        alive = [task for task in mine if task.desired_status == "RUNNING"]
        healthy = [task for task in alive if self._healthy(service, task)]
        if info.rollout is not None:
            self._reconcile_rollout(service, primary, info, alive, len(healthy), desired)
            return
        if primary["rolloutState"] != "FAILED":
            if len(alive) > desired:  # scaled in
                for task in sorted(alive, key=lambda item: item.status == "RUNNING")[
                    : len(alive) - desired
                ]:
                    self._stop(
                        service, task, f"Scaling activity initiated by (deployment {primary['id']})"
                    )
            elif len(alive) < desired:
                self._launch(service, primary, info, desired - len(alive))
        self._stop_old(service, primary, len(healthy), desired)
        self._refresh_counts(service)
        self._maybe_complete(service, primary, healthy, desired)

    def _reconcile_rollout(  # noqa: PLR0917 - the scheduler's counts, passed on
        self,
        service: Any,
        primary: dict[str, Any],
        info: _Deployment,
        alive: list[FargateTask],
        healthy: int,
        desired: int,
    ) -> None:
        """A blue/green, linear or canary deployment: the rollout decides when to launch and
        when the old tasks go; the scheduler launches and counts."""
        rollout = info.rollout
        assert rollout is not None
        if rollout.launching and len(alive) < desired:
            self._launch(service, primary, info, desired - len(alive))
        self._refresh_counts(service)
        others = [
            task
            for task in self._state(service).tasks
            if task.started_by != primary["id"] and task.status != "STOPPED"
        ]
        still = [task for task in self._state(service).tasks if task.started_by == primary["id"]]
        green_left = sum(1 for task in still if task.status != "STOPPED")
        rollout.reconciled(healthy, green_left, desired, len(others))

    # -- what a rollout asks of the scheduler (localcloud/ecs_deployments.py) ------------------

    def reconcile(self, service: Any) -> None:
        self._reconcile(service)

    def stop_tasks(self, service: Any, deployment_id: str | None, reason: str) -> None:
        primary = service.deployments[0]["id"] if service.deployments else None
        stopping = [
            task
            for task in self._state(service).tasks
            if task.desired_status == "RUNNING"
            and (
                task.started_by == deployment_id
                if deployment_id is not None
                else task.started_by != primary
            )
        ]
        for task in stopping:
            self._stop(service, task, reason)
        if stopping:
            names = " ".join(f"(task {task.id})" for task in stopping)
            self._record(
                service,
                f"(service {service.name}) has stopped {len(stopping)} running tasks: {names}.",
            )

    def rollout_completed(self, service: Any, rollout: Rollout) -> None:
        primary = service.deployments[0]
        self._complete(service, primary)

    def rollout_failed(self, service: Any, rollout: Rollout, reason: str) -> None:
        primary = next(
            (item for item in service.deployments if item["id"] == rollout.deployment_id), None
        )
        if primary is None:
            return
        failed = {
            **primary,
            "rolloutState": "FAILED",
            "rolloutStateReason": reason,
            "updatedAt": _now(),
        }
        _replace(service, failed)
        rest = [item for item in service.deployments if item["id"] != rollout.deployment_id]
        if rest:
            # ECS rolls back to the source revision: from now on describe-services names its
            # task definition, as a rolling update's rollback does at once (an UpdateService
            # with it while the green tasks stop starts no new deployment)
            service.task_definition = rest[0]["taskDefinition"]
        self._record(
            service,
            f"(service {service.name}) (deployment {failed['id']}) deployment failed: {reason}",
        )
        self._emit(service, "SERVICE_DEPLOYMENT_FAILED", failed)

    def rollout_rolled_back(self, service: Any, rollout: Rollout) -> None:
        state = self._state(service)
        rest = [item for item in service.deployments if item["id"] != rollout.deployment_id]
        if not rest:
            return
        restored = {**rest[0], "status": "PRIMARY", "updatedAt": _now()}
        service.deployments = [restored]
        service.task_definition = restored["taskDefinition"]
        state.tasks = [task for task in state.tasks if task.status != "STOPPED"]
        self._refresh_counts(service)
        self.deployments.settle(service, restored["id"])
        self._record(
            service,
            f"(service {service.name}) (deployment {rollout.deployment_id}) rolled back to "
            f"(deployment {restored['id']}).",
        )

    def record(self, service: Any, message: str) -> None:
        self._record(service, message)

    def _launch(
        self, service: Any, deployment: dict[str, Any], info: _Deployment, count: int
    ) -> None:
        now = time.monotonic()
        if info.next_launch > now:
            self._wake(service, info.next_launch - now)
            return
        backend = ecs_backends[service._account_id][service.region_name]
        awsvpc = service.network_configuration["awsvpcConfiguration"]
        try:
            task_definition = backend.describe_task_definition(deployment["taskDefinition"])
            cluster = backend._get_cluster(service.cluster_name)
        except ServiceException:
            return
        state = self._state(service)
        subnets = list(awsvpc["subnets"])
        started: list[FargateTask] = []
        failure = None
        if info.fault is not None and info.fault.health != "unhealthy":
            failure = info.fault.reason
        for _ in range(count):
            subnet = subnets[next(state.subnet_turn) % len(subnets)]
            task = FargateTask(
                backend=backend,
                cluster=cluster,
                task_definition=task_definition,
                group=f"service:{service.name}",
                started_by=deployment["id"],
                awsvpc=awsvpc,
                subnet_id=subnet,
                platform_version=service.platform_version,
            )
            backend.tasks.setdefault(cluster.name, {})[task.task_arn] = task  # type: ignore[assignment]
            state.tasks.append(task)
            self._service_of[task.id] = service.arn
            self.tasks.launch(task, failure)
            self._by_ip[str(task.private_ip)] = task
            started.append(task)
        if started:
            names = " ".join(f"(task {task.id})" for task in started)
            self._record(
                service, f"(service {service.name}) has started {len(started)} tasks: {names}."
            )

    def _stop_old(self, service: Any, primary: dict[str, Any], healthy: int, desired: int) -> None:
        """Stop old tasks as new ones become healthy, keeping minimumHealthyPercent in service."""
        configuration = service.deployment_configuration or DEFAULT_DEPLOYMENT_CONFIGURATION
        minimum = math.ceil(desired * int(configuration.get("minimumHealthyPercent", 100)) / 100)
        if primary["rolloutState"] == "FAILED":
            return
        state = self._state(service)
        old = [
            task
            for task in state.tasks
            if task.started_by != primary["id"] and task.desired_status == "RUNNING"
        ]
        keep = max(0, minimum - healthy)
        surplus = sorted(old, key=lambda task: task.status == "RUNNING")  # not-yet-running first
        stopping = surplus[: max(0, len(old) - keep)]
        if stopping:
            reason = f"Scaling activity initiated by (deployment {primary['id']})"
            for task in stopping:
                self._stop(service, task, reason)
            names = " ".join(f"(task {task.id})" for task in stopping)
            self._record(
                service,
                f"(service {service.name}) has stopped {len(stopping)} running tasks: {names}.",
            )

    def _maybe_complete(
        self, service: Any, primary: dict[str, Any], healthy: list[FargateTask], desired: int
    ) -> None:
        if primary["rolloutState"] != "IN_PROGRESS" or len(healthy) < desired:
            return
        state = self._state(service)
        if any(
            task.started_by != primary["id"] and task.status != "STOPPED" for task in state.tasks
        ):
            return  # old tasks still draining
        self._complete(service, primary)

    def _complete(self, service: Any, primary: dict[str, Any]) -> None:
        state = self._state(service)
        completed = {
            **primary,
            "rolloutState": "COMPLETED",
            "rolloutStateReason": f"ECS deployment {primary['id']} completed.",
            "updatedAt": _now(),
        }
        service.deployments = [completed]
        self._refresh_counts(service)
        completed = service.deployments[0]
        state.last_completed = (completed["id"], completed["taskDefinition"])
        record = self.deployments.by_id(completed["id"])
        if record is not None:
            if record.status == "IN_PROGRESS":
                record.touch(status="SUCCESSFUL", finished_at=_now())
            elif record.status == "ROLLBACK_IN_PROGRESS":
                record.touch(status="ROLLBACK_SUCCESSFUL", finished_at=_now())
            self.deployments.settle(service, completed["id"])
        state.tasks = [task for task in state.tasks if task.status != "STOPPED"]
        self._record(
            service,
            f"(service {service.name}) (deployment {completed['id']}) deployment completed.",
        )
        self._record(service, f"(service {service.name}) has reached a steady state.")
        self._emit(service, "SERVICE_DEPLOYMENT_COMPLETED", completed)

    def _failed_task(self, service: Any, task: FargateTask) -> None:
        """A task of the primary deployment failed: throttle, and trip the breaker if due."""
        primary = service.deployments[0] if service.deployments else None
        if primary is None or task.started_by != primary["id"]:
            return
        if primary["rolloutState"] != "IN_PROGRESS":
            return  # the breaker has tripped; nothing more to count
        info = self._state(service).deployments[primary["id"]]
        info.failed += 1
        record = self.deployments.by_id(primary["id"])
        if record is not None:
            record.touch(breaker_failures=info.failed)
        primary = {**primary, "failedTasks": info.failed, "updatedAt": _now()}
        _replace(service, primary)
        profile = self._clock.profile
        if task.stop_code == "TaskFailedToStart":
            info.backoff = min(
                profile.launch_backoff_max,
                max(profile.launch_backoff_first, info.backoff * 2),
            )
            if not info.throttled_once:
                info.throttled_once = True
                self._record(
                    service,
                    f"(service {service.name}) is unable to consistently start tasks "
                    "successfully. For more information, see the Troubleshooting section of "
                    "the Amazon ECS Developer Guide.",
                )
            delay = info.backoff
        else:
            delay = profile.replacement_delay
        info.next_launch = time.monotonic() + self._clock.delay(delay)
        breaker = (service.deployment_configuration or {}).get("deploymentCircuitBreaker") or {}
        threshold = breaker_threshold(int(primary["desiredCount"] or 0))
        if breaker.get("enable") and info.failed >= threshold:
            self._trip(service, primary, breaker)

    def _trip(self, service: Any, primary: dict[str, Any], breaker: dict[str, Any]) -> None:
        state = self._state(service)
        failed = {
            **primary,
            "rolloutState": "FAILED",
            "rolloutStateReason": _CIRCUIT_BREAKER_REASON,
            "updatedAt": _now(),
        }
        _replace(service, failed)  # its tasks still starting fail on their own, or are
        self._refresh_counts(service)  # stopped by the rollback as old tasks
        self._record(
            service,
            f"(service {service.name}) (deployment {failed['id']}) deployment failed: "
            "tasks failed to start.",
        )
        self._emit(service, "SERVICE_DEPLOYMENT_FAILED", failed)
        is_rollback = failed["id"] in state.rollback_ids
        record = self.deployments.by_id(failed["id"])
        if breaker.get("rollback") and not is_rollback and state.last_completed is not None:
            self._roll_back_rolling(service, record, _CIRCUIT_BREAKER_REASON)
        elif record is not None:
            status = "ROLLBACK_FAILED" if is_rollback else "STOPPED"
            record.touch(status=status, status_reason=_CIRCUIT_BREAKER_REASON, stopped_at=_now())

    def _roll_back_rolling(
        self, service: Any, record: ServiceDeployment | None, reason: str
    ) -> None:
        """ECS rolls a rolling deployment back by deploying the last completed revision."""
        state = self._state(service)
        if state.last_completed is None:
            return
        rollback_id, task_definition = state.last_completed
        if record is not None:
            source = record.sources[0].arn if record.sources else None
            record.touch(
                status="ROLLBACK_IN_PROGRESS",
                status_reason=reason,
                rollback={"reason": reason, "startedAt": _now(), "serviceRevisionArn": source},
            )
        backend = ecs_backends[service._account_id][service.region_name]
        self._start_deployment(backend, service, task_definition, rollback_of=rollback_id)

    # -- tasks and targets -----------------------------------------------------------------------

    def _healthy(self, service: Any, task: FargateTask) -> bool:
        """A task counts for the rollout once RUNNING and healthy in every target group."""
        if task.status != "RUNNING" or task.desired_status != "RUNNING":
            return False
        return all(
            self._targets.state(group_arn, target_id) == "healthy"
            for group_arn, target_id, _ in task.registered
        )

    def _stop(self, service: Any, task: FargateTask, reason: str) -> None:
        self.tasks.stop(task, "ServiceSchedulerInitiated", reason)

    def _task_changed(self, task: FargateTask) -> None:
        with self._lock:
            service_arn = self._service_of.get(task.id)
            service = self._services.get(service_arn) if service_arn else None
            if service is None:
                return
            stopping = task.status in ("DEACTIVATING", "DEPROVISIONING") and not task.stop_seen
            if stopping:
                task.stop_seen = True
            if task.status == "STOPPED":
                self._forget(service, task)
            elif stopping and _failed(task):
                self._failed_task(service, task)
            elif stopping and task.stop_code != "ServiceSchedulerInitiated":
                info = self._state(service).deployments.get(task.started_by)
                if info is not None:  # stopped by hand, or its essential container exited
                    info.next_launch = time.monotonic() + self._clock.delay(
                        self._clock.profile.replacement_delay
                    )
            self._reconcile(service)

    def _forget(self, service: Any, task: FargateTask) -> None:
        """A stopped task leaves the scheduler's books (DescribeTasks still shows it)."""
        self._by_ip.pop(str(task.private_ip), None)
        for group_arn, target_id, _ in task.registered:
            self._by_target.pop((group_arn, target_id), None)
        self._service_of.pop(task.id, None)
        state = self._state(service)
        state.tasks = [item for item in state.tasks if item is not task]

    def _register(self, task: FargateTask) -> list[tuple[str, str, int]]:
        """ACTIVATING: register the task's IP in each of its service's target groups."""
        with self._lock:
            service = self._services.get(self._service_of.get(task.id, ""))
            if service is None or not service.load_balancers:
                return []
            registered: list[tuple[str, str, int]] = []
            info = self._state(service).deployments.get(task.started_by)
            for balancer in service.load_balancers:
                group_arn = balancer.get("targetGroupArn")
                if not group_arn or task.private_ip is None:
                    continue
                if info is not None:  # a blue/green deployment's tasks: their own group
                    group_arn = info.groups.get(group_arn, group_arn)
                port = int(balancer.get("containerPort") or 0)
                self._by_target[(group_arn, task.private_ip)] = task
                if not register_target(
                    task.account_id, task.region_name, group_arn, task.private_ip, port
                ):
                    continue
                registered.append((group_arn, task.private_ip, port))
                self._record(
                    service,
                    f"(service {service.name}) registered 1 targets in (target-group {group_arn})",
                )
            return registered

    def _deregister(self, task: FargateTask) -> float:
        """DEACTIVATING: drain the task's targets; the longest deregistration delay (simulated)."""
        longest = 0.0
        for group_arn, target_id, port in task.registered:
            delay = deregister_target(task.account_id, task.region_name, group_arn, target_id, port)
            longest = max(longest, delay)
        return longest

    def _probe(self, group_arn: str, target_id: str, port: int) -> Probe | None:
        with self._lock:
            task = self._by_target.get((group_arn, target_id)) or self._by_ip.get(target_id)
            if task is None:
                return None
            if task.status not in ("ACTIVATING", "RUNNING"):
                return _NOT_LISTENING
            if not any(port in container.ports for container in task.containers):
                return _NOT_LISTENING
            service = self._services.get(self._service_of.get(task.id, ""))
            if service is not None:
                info = self._state(service).deployments.get(task.started_by)
                if info is not None and info.fault is not None and info.fault.health == "unhealthy":
                    return _UNHEALTHY
            return PASSING

    def _target_changed(self, group_arn: str, target_id: str, state: str) -> None:
        with self._lock:
            task = self._by_target.get((group_arn, target_id))
            if task is None:
                return
            service = self._services.get(self._service_of.get(task.id, ""))
            if service is None:
                return
            if state == "unhealthy" and task.desired_status == "RUNNING":
                self._record(
                    service,
                    f"(service {service.name}) (port {_port_of(task, group_arn)}) is unhealthy in "
                    f"(target-group {group_arn}) due to (reason Health checks failed).",
                )
                grace = float(getattr(service, "health_check_grace_period_seconds", 0) or 0)
                ran = 0.0
                if task.started_at is not None:
                    ran = (_now() - task.started_at).total_seconds() / max(
                        self._clock.time_scale, 1e-9
                    )
                reason = f"{_HEALTH_CHECK_FAILURE} in (target-group {group_arn})"
                self._clock.after(
                    max(0.0, grace - ran),
                    lambda: self._stop_unhealthy(service, task, reason),
                )
                return
            self._reconcile(service)

    def _stop_unhealthy(self, service: Any, task: FargateTask, reason: str) -> None:
        with self._lock:
            if task.desired_status == "RUNNING":
                self._stop(service, task, reason)

    # -- bookkeeping -----------------------------------------------------------------------------

    def _wake(self, service: Any, seconds: float) -> None:
        state = self._state(service)
        due = time.monotonic() + seconds
        if state.wake_at > time.monotonic() and state.wake_at <= due + 1e-3:
            return
        state.wake_at = due

        def wake() -> None:
            with self._lock:
                self._reconcile(service)

        self._clock.after_wall(seconds + 1e-3, wake)

    def _refresh_counts(self, service: Any) -> None:
        state = self._state(service)
        updated = []
        for deployment in service.deployments:
            mine = [task for task in state.tasks if task.started_by == deployment["id"]]
            running = sum(1 for task in mine if task.status == "RUNNING")
            pending = sum(1 for task in mine if task.status in STARTING)
            if (deployment["runningCount"], deployment["pendingCount"]) == (running, pending):
                updated.append(deployment)
            else:
                updated.append({**deployment, "runningCount": running, "pendingCount": pending})
        service.deployments = updated
        service.running_count = sum(int(item["runningCount"]) for item in updated)
        service.pending_count = sum(int(item["pendingCount"]) for item in updated)

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
            "updatedAt": iso_millis(deployment["updatedAt"]),
            "reason": deployment["rolloutStateReason"],
        }
        self._publish(
            service._account_id,
            service.region_name,
            "ECS Deployment State Change",
            detail,
            _service_arn(service),
        )

    def _announce_task(self, task: FargateTask) -> None:
        """ECS's "ECS Task State Change": the task as it is now (its version counts changes)."""
        self._publish(
            task.account_id,
            task.region_name,
            "ECS Task State Change",
            task.state_change_detail(),
            task.task_arn,
        )

    def _publish(
        self, account: str, region: str, detail_type: str, detail: dict[str, Any], resource: str
    ) -> None:
        """An ECS event about one resource, on the account's default bus."""
        event = make_event(
            source="aws.ecs",
            detail_type=detail_type,
            detail=detail,
            account=account,
            region=region,
            resources=[resource],
        )
        self._router.publish(account, region, "default", event)

    # -- tasks run by hand -------------------------------------------------------------------------

    def run_task(self, response: Any) -> ActionResult:
        backend = response.ecs_backend
        param = response._get_param
        cluster = _cluster(backend, param("cluster", "default"))
        count = int(param("count", 1) or 1)
        if not 1 <= count <= 10:
            raise InvalidParameterException("count must be between 1 and 10.")
        task_definition = _task_definition(backend, param("taskDefinition"))
        launch_type = param("launchType")
        strategy = param("capacityProviderStrategy")
        if launch_type and strategy:
            raise InvalidParameterException(
                "Specify either Launch Type or Capacity Provider Strategy, but not both."
            )
        if launch_type not in (None, "FARGATE"):
            raise InvalidParameterException(
                f"localcloud runs Fargate tasks only; launchType {launch_type} is not emulated."
            )
        awsvpc = (param("networkConfiguration") or {}).get("awsvpcConfiguration")
        if not awsvpc:
            raise InvalidParameterException(
                "Network Configuration must be provided when networkMode 'awsvpc' is specified."
            )
        subnets = list(awsvpc.get("subnets") or [])
        if not subnets:
            raise InvalidParameterException("subnets can not be empty.")
        _check_network(backend, subnets, list(awsvpc.get("securityGroups") or []))
        group = param("group") or f"family:{task_definition.family}"
        started_by = param("startedBy") or ""
        tasks = []
        with self._lock:
            for index in range(count):
                task = FargateTask(
                    backend=backend,
                    cluster=cluster,
                    task_definition=task_definition,
                    group=group,
                    started_by=started_by,
                    awsvpc=awsvpc,
                    subnet_id=subnets[index % len(subnets)],
                    overrides=param("overrides"),
                    tags=param("tags"),
                    platform_version=param("platformVersion"),
                    capacity_provider_name=(strategy or [{}])[0].get("capacityProvider"),
                )
                backend.tasks.setdefault(cluster.name, {})[task.task_arn] = task
                self.tasks.launch(task)
                tasks.append(task)
        return ActionResult({"tasks": tasks, "failures": []})

    def stop_task(self, response: Any) -> ActionResult:
        backend = response.ecs_backend
        cluster = _cluster(backend, response._get_param("cluster", "default"))
        wanted = str(response._get_param("task") or "")
        task = _find_task(backend, cluster.name, wanted)
        if task is None:
            raise InvalidParameterException("The referenced task was not found.")
        reason = response._get_param("reason") or "Task stopped by user"
        with self._lock:
            if isinstance(task, FargateTask):
                self.tasks.stop(task, "UserInitiated", reason)
            else:  # one of moto's own (EC2 launch type)
                task.desired_status, task.stopped_reason = "STOPPED", reason
        return ActionResult({"task": task})

    def describe_tasks(self, response: Any) -> ActionResult:
        backend = response.ecs_backend
        cluster = _cluster(backend, response._get_param("cluster", "default"))
        wanted = list(response._get_param("tasks") or [])
        if not wanted:
            raise InvalidParameterException("Tasks cannot be empty.")
        found, failures = [], []
        for name in wanted:
            task = _find_task(backend, cluster.name, name)
            if task is None:
                failures.append({"arn": name, "reason": "MISSING"})
            else:
                found.append(task)
        if "TAGS" in (response._get_param("include") or []):
            response._include_in_response(DESCRIBE_TASKS_TAGS)
        else:
            response._exclude_from_response(DESCRIBE_TASKS_TAGS)
        return ActionResult({"tasks": found, "failures": failures})

    def list_tasks(self, response: Any) -> ActionResult:
        backend = response.ecs_backend
        param = response._get_param
        cluster = _cluster(backend, param("cluster", "default"))
        desired = param("desiredStatus") or "RUNNING"
        service_name = param("serviceName")
        family = param("family")
        started_by = param("startedBy")
        arns = []
        for task in backend.tasks.get(cluster.name, {}).values():
            if task.desired_status != desired:
                continue
            if service_name and task.group != f"service:{str(service_name).split('/')[-1]}":
                continue
            if started_by and task.started_by != started_by:
                continue
            if family and task.task_definition_arn.split("/")[-1].split(":")[0] != family:
                continue
            arns.append(task.task_arn)
        return ActionResult({"taskArns": arns})

    # -- service deployments and revisions ---------------------------------------------------------

    def list_service_deployments(self, response: Any) -> ActionResult:
        param = response._get_param
        backend = response.ecs_backend
        cluster = _cluster(backend, param("cluster", "default"))
        try:
            service = backend._get_service(cluster.name, param("service"))
        except ServiceNotFoundException:
            raise
        except Exception as error:
            raise ServiceNotFoundException from error
        wanted = set(param("status") or [])
        created = param("createdAt") or {}
        with self._lock:
            records = self.deployments.of_service(_service_arn(service))
            found = [
                record.brief()
                for record in records
                if (not wanted or record.status in wanted) and _created_within(record, created)
            ]
        return ActionResult({"serviceDeployments": found[: int(param("maxResults") or 20)]})

    def describe_service_deployments(self, response: Any) -> ActionResult:
        arns = list(response._get_param("serviceDeploymentArns") or [])
        if not arns:
            raise InvalidParameterException("serviceDeploymentArns can not be empty.")
        found, failures = [], []
        with self._lock:
            for arn in arns[:20]:
                record = self.deployments.find(arn)
                if record is None:
                    failures.append({"arn": arn, "reason": "MISSING"})
                else:
                    found.append(record.describe(self._counts))
        return ActionResult({"serviceDeployments": found, "failures": failures})

    def describe_service_revisions(self, response: Any) -> ActionResult:
        arns = list(response._get_param("serviceRevisionArns") or [])
        if not arns:
            raise InvalidParameterException("serviceRevisionArns can not be empty.")
        found, failures = [], []
        for arn in arns[:20]:
            revision = self.deployments.revision(arn)
            if revision is None:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(revision.describe())
        return ActionResult({"serviceRevisions": found, "failures": failures})

    def stop_service_deployment(self, response: Any) -> ActionResult:
        arn = str(response._get_param("serviceDeploymentArn") or "")
        stop_type = response._get_param("stopType") or "ROLLBACK"
        with self._lock:
            record, service = self._deployment_and_service(arn)
            if record.status not in ("PENDING", "IN_PROGRESS"):
                raise InvalidParameterException(
                    f"The service deployment is {record.status} and cannot be stopped."
                )
            reason = "Service deployment stopped by user."
            rollout = self.deployments.rollouts.get(record.deployment_id)
            if stop_type == "ABORT":
                if rollout is not None:  # it moves on from IN_PROGRESS itself
                    rollout.stop(reason)
                else:
                    record.touch(status="STOPPED", status_reason=reason, stopped_at=_now())
                    primary = service.deployments[0] if service.deployments else None
                    if primary is not None and primary["id"] == record.deployment_id:
                        self.rollout_failed_rolling(service, primary, reason)
            elif rollout is not None:  # it moves on from IN_PROGRESS itself
                rollout.roll_back(reason)
            else:
                record.touch(status="ROLLBACK_REQUESTED")
                self._stop_rolling(service, record, reason)
        return ActionResult({"serviceDeploymentArn": arn})

    def continue_service_deployment(self, response: Any) -> ActionResult:
        arn = str(response._get_param("serviceDeploymentArn") or "")
        hook_id = str(response._get_param("hookId") or "")
        action = response._get_param("action") or "CONTINUE"
        with self._lock:
            record, _ = self._deployment_and_service(arn)
            rollout = self.deployments.rollouts.get(record.deployment_id)
            if rollout is None or not rollout.continue_hook(hook_id, action):
                raise InvalidParameterException(
                    f"The service deployment has no paused lifecycle hook {hook_id}."
                )
        return ActionResult({"serviceDeploymentArn": arn})

    def _deployment_and_service(self, arn: str) -> tuple[ServiceDeployment, Any]:
        record = self.deployments.find(arn)
        service = self._service_running(record.deployment_id) if record else None
        if record is None or service is None:
            raise ServiceDeploymentNotFoundException(
                f"The service deployment {arn} does not exist."
            )
        return record, service

    def _service_running(self, deployment_id: str) -> Any | None:
        for service in self._services.values():
            if any(item["id"] == deployment_id for item in service.deployments):
                return service
        return None

    def _counts(self, deployment_id: str) -> tuple[int, int, int]:
        service = self._service_running(deployment_id)
        for item in service.deployments if service is not None else []:
            if item["id"] == deployment_id:
                return (
                    int(item["desiredCount"]),
                    int(item["runningCount"]),
                    int(item["pendingCount"]),
                )
        return 0, 0, 0

    def _stop_rolling(self, service: Any, record: ServiceDeployment, reason: str) -> None:
        """StopServiceDeployment ROLLBACK of a rolling deployment: deploy the last completed
        revision (with no completed one there is nothing to return to: it stops)."""
        if self._state(service).last_completed is None:
            record.touch(status="STOPPED", status_reason=reason, stopped_at=_now())
            return
        primary = service.deployments[0]
        self.rollout_failed_rolling(service, primary, reason)
        self._roll_back_rolling(service, record, reason)

    def rollout_failed_rolling(self, service: Any, primary: dict[str, Any], reason: str) -> None:
        failed = {
            **primary,
            "rolloutState": "FAILED",
            "rolloutStateReason": reason,
            "updatedAt": _now(),
        }
        _replace(service, failed)
        self._emit(service, "SERVICE_DEPLOYMENT_FAILED", failed)

    # -- moto patches ----------------------------------------------------------------------------

    def install(self, patcher: Patcher) -> None:
        services = self
        original_create = EC2ContainerServiceResponse.create_service
        original_update = EC2ContainerServiceResponse.update_service
        original_delete = EC2ContainerServiceBackend.delete_service
        original_call_action = EC2ContainerServiceResponse.call_action

        def create_service(response: Any) -> Any:
            _check_load_balancers(response)
            _check_strategy(response, None)
            result = original_create(response)
            service = _service_in(result)
            _as_aws_describes(service, response._get_param)
            services.on_created(
                response.ecs_backend, service, response._get_param("deploymentConfiguration")
            )
            return result

        def update_service(response: Any) -> Any:
            _check_load_balancers(response)
            service = response.ecs_backend._get_service(
                response._get_param("cluster", "default"), response._get_param("service")
            )
            _check_strategy(response, service)
            before = ServiceSnapshot(
                service.task_definition,
                service.desired_count,
                copy.deepcopy(getattr(service, "deployment_configuration", None)),
            )
            result = original_update(response)
            force = bool(response._get_param("forceNewDeployment", False))
            requested = response._get_param("deploymentConfiguration")
            services.on_updated(response.ecs_backend, _service_in(result), before, requested, force)
            return result

        def delete_service(backend: Any, cluster_name: str, service_name: str, force: bool) -> Any:
            service = original_delete(backend, cluster_name, service_name, force)
            services.on_deleted(service)
            return service

        def call_action(response: Any) -> TYPE_RESPONSE:
            try:
                return original_call_action(response)
            except ServiceException:
                raise
            except Exception as error:
                LOG.warning(
                    "ECS %s failed inside moto: %s", response._get_action(), error, exc_info=True
                )
                fault = InvalidParameterException(str(error) or type(error).__name__)
                status, headers, body = response.serialized(ActionResult(fault))
                headers, body = response._enrich_response(headers, body)
                return status, headers, body

        patcher.replace(EC2ContainerServiceResponse, "create_service", create_service)
        patcher.replace(EC2ContainerServiceResponse, "update_service", update_service)
        patcher.replace(EC2ContainerServiceBackend, "delete_service", delete_service)
        # moto finds an action's handler among the response class's functions
        for name in (
            "run_task",
            "stop_task",
            "describe_tasks",
            "list_tasks",
            "list_service_deployments",
            "describe_service_deployments",
            "describe_service_revisions",
            "stop_service_deployment",
            "continue_service_deployment",
        ):
            patcher.replace(EC2ContainerServiceResponse, name, _handler(getattr(services, name)))
        patcher.replace(EC2ContainerServiceResponse, "call_action", call_action)


def _handler(method: Callable[[Any], ActionResult]) -> Callable[[Any], ActionResult]:
    def handle(response: Any) -> ActionResult:
        return method(response)

    return handle


# -- ECS's validation ---------------------------------------------------------------------------


def _cluster(backend: Any, name: str) -> Any:
    try:
        return backend._get_cluster(name)
    except ClusterNotFoundException:
        raise
    except Exception as error:
        raise ClusterNotFoundException from error


def _task_definition(backend: Any, name: str | None) -> Any:
    if not name:
        raise InvalidParameterException("Task Definition can not be blank.")
    try:
        definition = backend.describe_task_definition(name)
    except TaskDefinitionNotFoundException:
        raise EcsClientException("Unable to describe task definition.") from None
    if definition.status != "ACTIVE":
        raise EcsClientException("TaskDefinition is inactive")
    return definition


def _check_network(backend: Any, subnets: list[str], groups: list[str]) -> None:
    account, region = backend.account_id, backend.region_name
    for subnet in subnets:
        if not subnet_exists(account, region, subnet):
            raise InvalidParameterException(
                f"Error retrieving subnet information for [{subnet}]: The subnet ID '{subnet}' "
                "does not exist"
            )
    for group in groups:
        if not security_group_exists(account, region, group):
            raise InvalidParameterException(
                f"Error retrieving security group information for [{group}]: The security group "
                f"'{group}' does not exist"
            )


def _check_load_balancers(response: Any) -> None:
    """CreateService checks each load balancer entry as ECS does, before anything is made."""
    balancers = response._get_param("loadBalancers") or []
    if not balancers:
        return
    backend = response.ecs_backend
    revision = response._get_param("taskDefinition")
    if revision is None:  # UpdateService without a new revision: the service's own
        service = backend._get_service(
            response._get_param("cluster", "default"), response._get_param("service")
        )
        revision = service.task_definition
    definition = _task_definition(backend, revision)
    for balancer in balancers:
        group_arn = balancer.get("targetGroupArn")
        name, port = balancer.get("containerName"), balancer.get("containerPort")
        container = next(
            (item for item in definition.container_definitions if item.get("name") == name), None
        )
        if container is None:
            raise InvalidParameterException(
                f"The container {name} does not exist in the task definition."
            )
        ports = {mapping.get("containerPort") for mapping in container.get("portMappings") or []}
        if port not in ports:
            raise InvalidParameterException(
                f"The container {name} did not have a container port {port} defined."
            )
        if group_arn:
            kind = target_group_type(backend.account_id, backend.region_name, group_arn)
            if kind is None:
                raise InvalidParameterException(
                    "Unable to assume role and validate the specified targetGroupArn. Please "
                    "verify that the ECS service role being passed has the proper permissions."
                )
            if definition.network_mode == "awsvpc" and kind != "ip":
                raise InvalidParameterException(
                    f"The provided target group {group_arn} has target type "
                    f"{kind}, which is incompatible with the awsvpc network mode "
                    "specified in the task definition."
                )
            if not balancers_forwarding_to(backend.account_id, backend.region_name, group_arn):
                raise InvalidParameterException(
                    f"The target group with targetGroupArn {group_arn} does not have an "
                    "associated load balancer."
                )


def _check_strategy(response: Any, service: Any | None) -> None:
    """What ECS checks of a deployment strategy and its load balancers' advanced
    configuration (UpdateService: over what the service has)."""
    requested = response._get_param("deploymentConfiguration")
    balancers = response._get_param("loadBalancers")
    if requested is None and balancers is None:
        return
    current = getattr(service, "deployment_configuration", None) if service else None
    configuration = _merged_configuration(current, requested)
    if balancers is None:
        balancers = list(service.load_balancers or []) if service is not None else []
    backend = response.ecs_backend
    try:
        check_configuration(backend.account_id, backend.region_name, configuration, balancers)
    except ConfigurationError as error:
        raise InvalidParameterException(str(error)) from None


def _created_within(record: ServiceDeployment, window: dict[str, Any]) -> bool:
    after, before = window.get("after"), window.get("before")
    created = record.created_at.timestamp()
    return (after is None or created >= _epoch(after)) and (
        before is None or created <= _epoch(before)
    )


def _epoch(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value)).timestamp()


def _find_task(backend: Any, cluster_name: str, wanted: str) -> Any | None:
    if not wanted:
        return None
    wanted_id = wanted.rsplit("/", maxsplit=1)[-1]
    for arn, task in backend.tasks.get(cluster_name, {}).items():
        if arn == wanted or arn.split("/")[-1] == wanted_id:
            return task
    return None


def _failed(task: FargateTask) -> bool:
    """Whether a stopping task counts as failed: it never started, or failed its checks."""
    return task.stop_code == "TaskFailedToStart" or (task.stopped_reason or "").startswith(
        _HEALTH_CHECK_FAILURE
    )


def _subnets(service: Any) -> list[str]:
    awsvpc = (service.network_configuration or {}).get("awsvpcConfiguration") or {}
    return list(awsvpc.get("subnets") or [])


def _port_of(task: FargateTask, group_arn: str) -> int:
    return next((port for arn, _, port in task.registered if arn == group_arn), 0)


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
