"""ECS's native deployment strategies (BLUE_GREEN, LINEAR, CANARY) and service deployments.

Imports nothing of moto: localcloud/ecs.py (the scheduler) calls in, and reads and moves listener
rules through localcloud/elbv2.py and alarms through localcloud/cloudwatch.py.

Every deployment ECS starts is a *service deployment* (ListServiceDeployments,
DescribeServiceDeployments) from the service's previous revisions to a new *service revision*
(DescribeServiceRevisions). A rolling one is IN_PROGRESS until the scheduler completes it
(SUCCESSFUL) or its circuit breaker fails it (ROLLBACK_IN_PROGRESS → ROLLBACK_SUCCESSFUL, or
STOPPED without rollback). A BLUE_GREEN, LINEAR or CANARY one is a `Rollout` walking ECS's
lifecycle stages on the clock:

    (RECONCILE_SERVICE) PRE_SCALE_UP SCALE_UP POST_SCALE_UP TEST_TRAFFIC_SHIFT
    POST_TEST_TRAFFIC_SHIFT PRODUCTION_TRAFFIC_SHIFT POST_PRODUCTION_TRAFFIC_SHIFT BAKE_TIME
    CLEAN_UP

SCALE_UP starts the green tasks (the full desired count) and registers them in the target group
that takes no production traffic (the alternate one at first; the roles swap with every
deployment: ECS tells blue from green by the production listener rule's weights);
TEST_TRAFFIC_SHIFT points the test listener rule at green; PRODUCTION_TRAFFIC_SHIFT rewrites the
production rule's forward weights (BLUE_GREEN at once, CANARY canaryPercent then 100 % after
canaryBakeTimeInMinutes, LINEAR stepPercent per step with stepBakeTimeInMinutes between);
BAKE_TIME waits bakeTimeInMinutes; CLEAN_UP stops the blue tasks. Each stage's lifecycle hooks
run once its work is done (a PAUSE hook waits for ContinueServiceDeployment or its timeout; a
Lambda hook is invoked until it answers SUCCEEDED or FAILED), except during the production
shift: as the ECS API Reference has it, PRE_PRODUCTION_TRAFFIC_SHIFT hooks (a hook stage, never
a lifecycleStage of the deployment) run before every step and PRODUCTION_TRAFFIC_SHIFT hooks at
every step, once its weights are set, before the step's bake. Alarms (`alarms.enable`) are
watched until the bake ends; an alarm in ALARM, a failed hook, or StopServiceDeployment roll
back: production and test traffic return to blue and the green tasks stop.
"""

from __future__ import annotations

import json
import logging
import math
import random
import string
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from ecsdrop.aws.ecs import ecs_enum, lifecycle_stages
from localcloud.clock import Clock
from localcloud.cloudwatch import alarms_in_alarm
from localcloud.elbv2 import forward_weights, set_forward_weights, target_group_type

LOG = logging.getLogger("localcloud.ecs")

PROGRESSIVE = frozenset({"BLUE_GREEN", "LINEAR", "CANARY"})
STAGES = lifecycle_stages()
HOOK_STAGES = frozenset(ecs_enum("DeploymentLifecycleHookStage"))
TRAFFIC_SHIFT_STAGES = frozenset({"TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"})
LINEAR_DEFAULTS = {"stepPercent": 10.0, "stepBakeTimeInMinutes": 6}
CANARY_DEFAULTS = {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 10}
HOOK_CALLBACK_DELAY = 30.0  # seconds before an IN_PROGRESS Lambda hook is invoked again
HOOK_TIMEOUT_MINUTES = 1440
ALARM_POLL_SECONDS = 15.0  # how often a deployment looks at its alarms (simulated)


class ConfigurationError(ValueError):
    """What ECS answers with InvalidParameterException."""


def _now() -> datetime:
    return datetime.now(UTC)


def _digits(count: int) -> str:
    return "".join(random.choices(string.digits, k=count))  # noqa: S311 - identifiers


def _deployment_suffix() -> str:
    return "".join(random.choices(string.ascii_letters + string.digits + "-_", k=22))  # noqa: S311


# -- what ECS validates ---------------------------------------------------------------------------


def check_configuration(
    account: str, region: str, configuration: Mapping[str, Any], balancers: list[dict[str, Any]]
) -> None:
    """Raise ConfigurationError for what ECS refuses in a deployment configuration and its load
    balancers' advanced configuration (ranges from the ECS API Reference)."""
    strategy = configuration.get("strategy") or "ROLLING"
    _check_minutes(configuration.get("bakeTimeInMinutes"), "bakeTimeInMinutes")
    linear = configuration.get("linearConfiguration")
    canary = configuration.get("canaryConfiguration")
    if linear is not None and strategy != "LINEAR":
        raise ConfigurationError("linearConfiguration is only valid with the LINEAR strategy.")
    if canary is not None and strategy != "CANARY":
        raise ConfigurationError("canaryConfiguration is only valid with the CANARY strategy.")
    if linear:
        _check_percent(linear.get("stepPercent"), 3.0, "linearConfiguration.stepPercent")
        _check_minutes(
            linear.get("stepBakeTimeInMinutes"), "linearConfiguration.stepBakeTimeInMinutes"
        )
    if canary:
        _check_percent(canary.get("canaryPercent"), 0.1, "canaryConfiguration.canaryPercent")
        _check_minutes(
            canary.get("canaryBakeTimeInMinutes"), "canaryConfiguration.canaryBakeTimeInMinutes"
        )
    alarms = configuration.get("alarms") or {}
    if alarms.get("enable") and not alarms.get("alarmNames"):
        raise ConfigurationError("alarmNames can not be empty when alarms are enabled.")
    for hook in configuration.get("lifecycleHooks") or []:
        _check_hook(hook)
    if strategy in PROGRESSIVE:
        for balancer in balancers:
            _check_advanced(account, region, balancer)


def _check_minutes(value: Any, name: str) -> None:
    if value is not None and not 0 <= int(value) <= 1440:
        raise ConfigurationError(f"{name} must be between 0 and 1440.")


def _check_percent(value: Any, lowest: float, name: str) -> None:
    if value is None:
        return
    tenths = float(value) * 10
    if not lowest <= float(value) <= 100.0 or abs(tenths - round(tenths)) > 1e-6:
        raise ConfigurationError(
            f"{name} must be a multiple of 0.1 from {lowest:.1f} to 100.0, not {value}."
        )


def _check_hook(hook: Mapping[str, Any]) -> None:
    kind = hook.get("targetType") or "AWS_LAMBDA"
    stages = list(hook.get("lifecycleStages") or [])
    if not stages:
        raise ConfigurationError("lifecycleStages can not be empty.")
    for stage in stages:
        if stage not in HOOK_STAGES:
            raise ConfigurationError(f"A lifecycle hook cannot run at the {stage} stage.")
        if kind == "PAUSE" and stage in TRAFFIC_SHIFT_STAGES:
            raise ConfigurationError(f"A PAUSE hook cannot run at the {stage} stage.")
    if kind == "AWS_LAMBDA" and not (hook.get("hookTargetArn") and hook.get("roleArn")):
        raise ConfigurationError(
            "An AWS_LAMBDA lifecycle hook needs a hookTargetArn and a roleArn."
        )
    timeout = (hook.get("timeoutConfiguration") or {}).get("timeoutInMinutes")
    if timeout is not None and not 1 <= int(timeout) <= 20160:
        raise ConfigurationError("timeoutInMinutes must be between 1 and 20160.")


def _check_advanced(account: str, region: str, balancer: Mapping[str, Any]) -> None:
    advanced = balancer.get("advancedConfiguration") or {}
    missing = [
        name
        for name in ("alternateTargetGroupArn", "productionListenerRule", "roleArn")
        if not advanced.get(name)
    ]
    if missing:
        raise ConfigurationError(
            "advancedConfiguration with "
            + ", ".join(missing)
            + " is required for each load balancer of a BLUE_GREEN, LINEAR or CANARY deployment."
        )
    alternate = advanced["alternateTargetGroupArn"]
    if target_group_type(account, region, alternate) is None:
        raise ConfigurationError(f"The alternate target group {alternate} does not exist.")
    if alternate == balancer.get("targetGroupArn"):
        raise ConfigurationError("The alternate target group must differ from targetGroupArn.")
    for key in ("productionListenerRule", "testListenerRule"):
        rule = advanced.get(key)
        if rule and forward_weights(account, region, rule) is None:
            raise ConfigurationError(f"The listener rule {rule} ({key}) does not exist.")


# -- records: service revisions and service deployments ----------------------------------------


@dataclass
class ServiceRevision:
    arn: str
    service_arn: str
    cluster_arn: str
    task_definition: str
    launch_type: str | None
    platform_version: str | None
    load_balancers: list[dict[str, Any]]
    network_configuration: dict[str, Any] | None
    created_at: datetime = field(default_factory=_now)

    def describe(self) -> dict[str, Any]:
        return {
            "serviceRevisionArn": self.arn,
            "serviceArn": self.service_arn,
            "clusterArn": self.cluster_arn,
            "taskDefinition": self.task_definition,
            "launchType": self.launch_type,
            "platformVersion": self.platform_version,
            "platformFamily": "Linux",
            "loadBalancers": self.load_balancers,
            "networkConfiguration": self.network_configuration,
            "createdAt": self.created_at,
        }


@dataclass
class ServiceDeployment:
    arn: str
    deployment_id: str  # the ecs-svc/… id of describe-services' deployment
    service_arn: str
    cluster_arn: str
    target: ServiceRevision
    sources: list[ServiceRevision]
    configuration: dict[str, Any]
    status: str = "IN_PROGRESS"
    status_reason: str | None = None
    lifecycle_stage: str | None = None
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)
    finished_at: datetime | None = None
    stopped_at: datetime | None = None
    rollback: dict[str, Any] | None = None
    alarm_status: str = "DISABLED"
    triggered_alarms: list[str] = field(default_factory=list)
    breaker_failures: int = 0
    breaker_threshold: int = 0
    hooks: list[dict[str, Any]] = field(default_factory=list)
    production_weight: float = 100.0  # of the target revision (green)
    test_weight: float = 100.0

    def touch(self, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(self, name, value)
        self.updated_at = _now()

    def brief(self) -> dict[str, Any]:
        return _without_none(
            {
                "serviceDeploymentArn": self.arn,
                "serviceArn": self.service_arn,
                "clusterArn": self.cluster_arn,
                "startedAt": self.created_at,
                "createdAt": self.created_at,
                "finishedAt": self.finished_at,
                "targetServiceRevisionArn": self.target.arn,
                "status": self.status,
                "statusReason": self.status_reason,
            }
        )

    def describe(self, counts: Callable[[str], tuple[int, int, int]]) -> dict[str, Any]:
        requested, running, pending = counts(self.deployment_id)
        target = {
            "arn": self.target.arn,
            "requestedTaskCount": requested,
            "runningTaskCount": running,
            "pendingTaskCount": pending,
            "requestedProductionTrafficWeight": self.production_weight,
            "requestedTestTrafficWeight": self.test_weight,
        }
        sources = [
            {
                "arn": source.arn,
                "requestedProductionTrafficWeight": 100.0 - self.production_weight,
                "requestedTestTrafficWeight": 100.0 - self.test_weight,
            }
            for source in self.sources
        ]
        alarms = self.configuration.get("alarms") or {}
        breaker = self.configuration.get("deploymentCircuitBreaker") or {}
        return _without_none(
            {
                **self.brief(),
                "updatedAt": self.updated_at,
                "stoppedAt": self.stopped_at,
                "sourceServiceRevisions": sources,
                "targetServiceRevision": target,
                "lifecycleStage": self.lifecycle_stage,
                "lifecycleHookDetails": [dict(hook) for hook in self.hooks] or None,
                "deploymentConfiguration": self.configuration,
                "rollback": self.rollback,
                "deploymentCircuitBreaker": {
                    "status": "MONITORING" if breaker.get("enable") else "DISABLED",
                    "failureCount": self.breaker_failures,
                    "threshold": self.breaker_threshold,
                },
                "alarms": {
                    "status": self.alarm_status,
                    "alarmNames": list(alarms.get("alarmNames") or []),
                    "triggeredAlarmNames": list(self.triggered_alarms),
                },
            }
        )


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


# -- traffic ------------------------------------------------------------------------------------


def production_steps(configuration: Mapping[str, Any]) -> list[tuple[float, float]]:
    """(green's percent of production traffic, minutes to wait after it) per shift step."""
    strategy = configuration.get("strategy")
    if strategy == "CANARY":
        canary = {**CANARY_DEFAULTS, **(configuration.get("canaryConfiguration") or {})}
        percent = float(canary["canaryPercent"])
        if percent < 100.0:
            return [(percent, float(canary["canaryBakeTimeInMinutes"])), (100.0, 0.0)]
    if strategy == "LINEAR":
        linear = {**LINEAR_DEFAULTS, **(configuration.get("linearConfiguration") or {})}
        step = float(linear["stepPercent"])
        count = math.ceil(100.0 / step - 1e-9)
        bake = float(linear["stepBakeTimeInMinutes"])
        return [(round(step * n, 1), bake) for n in range(1, count)] + [(100.0, 0.0)]
    return [(100.0, 0.0)]


def weights_for(percent: float) -> tuple[int, int]:
    """(green, blue) forward weights for green's share: out of 100 for whole percents, out of
    1,000 for tenths (an ELB weight is an integer from 0 to 999)."""
    if abs(percent - round(percent)) < 1e-9:
        return round(percent), 100 - round(percent)
    green = round(percent * 10)
    return green, 1000 - green


@dataclass
class Lane:
    """One load balancer entry of the service: where production and test traffic go."""

    configured: str  # the entry's targetGroupArn
    blue: str  # the group serving production now
    green: str  # the group the new tasks register in
    production_rule: str
    test_rule: str | None
    role: str  # the infrastructure role ECS rewrites the rules as
    test_before: dict[str, int] | None = None


def lanes_of(account: str, region: str, balancers: list[dict[str, Any]]) -> list[Lane]:
    """ECS's reading of the production rules: the group of the pair with the larger production
    weight is blue (the entry's own group when neither has any), the other one green."""
    lanes = []
    for balancer in balancers:
        advanced = balancer.get("advancedConfiguration") or {}
        primary, alternate = balancer.get("targetGroupArn"), advanced.get("alternateTargetGroupArn")
        rule = advanced.get("productionListenerRule")
        if not (primary and alternate and rule):
            continue
        weights = forward_weights(account, region, rule) or {}
        blue = alternate if weights.get(alternate, 0) > weights.get(primary, 0) else primary
        green = primary if blue == alternate else alternate
        test_rule = advanced.get("testListenerRule")
        test_before = forward_weights(account, region, test_rule) if test_rule else None
        role = str(advanced.get("roleArn") or "")
        lanes.append(Lane(primary, blue, green, rule, test_rule, role, test_before))
    return lanes


# -- the service scheduler as a rollout sees it ---------------------------------------------------


class RolloutHost(Protocol):
    """What localcloud/ecs.py does for a rollout (every call is made holding `lock`)."""

    lock: threading.RLock

    def reconcile(self, service: Any) -> None: ...

    def stop_tasks(self, service: Any, deployment_id: str | None, reason: str) -> None:
        """Stop the deployment's tasks (None: every task of the other deployments)."""

    def rollout_completed(self, service: Any, rollout: Rollout) -> None: ...

    def rollout_failed(self, service: Any, rollout: Rollout, reason: str) -> None:
        """The deployment failed: FAILED in describe-services, SERVICE_DEPLOYMENT_FAILED."""

    def rollout_rolled_back(self, service: Any, rollout: Rollout) -> None:
        """The green tasks have stopped: the previous deployment is the service's again."""

    def record(self, service: Any, message: str) -> None: ...


class Roles(Protocol):
    """ECS acting as a role (localcloud/ecs_roles.py)."""

    def refusal(self, role_arn: str, action: str, resource: str) -> str | None: ...

    def invoke_hook(
        self, role_arn: str, function_arn: str, payload: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, str | None]:
        """The function's answer, or why it could not be had."""


class Rollout:
    """One BLUE_GREEN, LINEAR or CANARY deployment walking ECS's lifecycle stages."""

    def __init__(  # noqa: PLR0917 - a rollout's parts, each named at its one call
        self,
        host: RolloutHost,
        clock: Clock,
        service: Any,
        record: ServiceDeployment,
        lanes: list[Lane],
        roles: Roles | None,
        has_blue: bool,
    ) -> None:
        self._host = host
        self._clock = clock
        self._service = service
        self.record = record
        self.lanes = lanes
        self._roles = roles
        self._has_blue = has_blue
        self._account, self._region = service._account_id, service.region_name
        self._stage_index = -1
        self._steps = production_steps(record.configuration)
        self._waiting: str | None = None  # "scale-up", "clean-up", "green-stopped"
        self._paused: dict[str, Callable[[str], None]] = {}  # hook id -> resume(action)
        self.record.production_weight = 0.0
        self.record.test_weight = 0.0

    # -- what the scheduler asks ----------------------------------------------------------

    @property
    def deployment_id(self) -> str:
        return self.record.deployment_id

    @property
    def launching(self) -> bool:
        """Green tasks start at SCALE_UP (and are kept until a rollback stops them)."""
        return self._stage_index >= STAGES.index("SCALE_UP") and self.active

    @property
    def active(self) -> bool:
        return self.record.status == "IN_PROGRESS"

    def group_map(self) -> dict[str, str]:
        """The entry's target group -> the group green tasks register in."""
        return {lane.configured: lane.green for lane in self.lanes}

    def reconciled(self, healthy: int, alive: int, desired: int, others_alive: int) -> None:
        """The scheduler's view after each change: green tasks healthy and not yet stopped,
        tasks of the other deployments not yet stopped."""
        if self._waiting == "scale-up" and healthy >= desired:
            self._waiting = None
            self._stage_done()
        elif self._waiting == "clean-up" and others_alive == 0:
            self._waiting = None
            self.record.touch(status="SUCCESSFUL", finished_at=_now())
            self._host.rollout_completed(self._service, self)
        elif self._waiting == "green-stopped" and alive == 0:
            self._waiting = None
            self.record.touch(status="ROLLBACK_SUCCESSFUL", finished_at=_now())
            self._host.rollout_rolled_back(self._service, self)

    # -- stages ---------------------------------------------------------------------------

    def start(self) -> None:
        alarms = self.record.configuration.get("alarms") or {}
        if alarms.get("enable"):
            self.record.alarm_status = "MONITORING"
            self._clock.after(ALARM_POLL_SECONDS, self._watch_alarms)
        multiple = len(self.record.sources) > 1
        self._enter(STAGES.index("RECONCILE_SERVICE" if multiple else "PRE_SCALE_UP"))

    def _enter(self, index: int) -> None:
        if not self.active:
            return
        self._stage_index = index
        stage = STAGES[index]
        self.record.touch(lifecycle_stage=stage)
        if stage == "SCALE_UP":
            # ECS makes the rule a weighted forward to both groups
            if all(self._set_production(lane, 0.0) for lane in self.lanes):
                self._waiting = "scale-up"
                self._host.reconcile(self._service)
        elif stage == "TEST_TRAFFIC_SHIFT":
            self._shift_test()
        elif stage == "PRODUCTION_TRAFFIC_SHIFT":
            self._shift(0)
        elif stage == "BAKE_TIME":
            minutes = float(self.record.configuration.get("bakeTimeInMinutes") or 0)
            self._later(minutes * 60, self._stage_done)
        elif stage == "CLEAN_UP":
            self._alarms_done()
            self._waiting = "clean-up"
            reason = f"Clean up initiated by (deployment {self.deployment_id})"
            self._host.stop_tasks(self._service, None, reason)
            self._host.reconcile(self._service)
        else:
            self._stage_done()

    def _shift_test(self) -> None:
        for lane in self.lanes:
            if lane.test_rule and not self._modify(
                lane, lane.test_rule, {lane.green: 100, lane.blue: 0}
            ):
                return
        self.record.test_weight = 100.0
        self._stage_done()

    def _shift(self, step: int) -> None:
        """One step of the production shift: its PRE_PRODUCTION_TRAFFIC_SHIFT hooks, the new
        weights, its PRODUCTION_TRAFFIC_SHIFT hooks, then its bake (or the next stage)."""
        if not self.active:
            return
        percent, bake_minutes = self._steps[step]

        def after_step() -> None:
            if step + 1 < len(self._steps):
                self._later(bake_minutes * 60, lambda: self._shift(step + 1))
            else:
                self._enter(self._stage_index + 1)

        def shift() -> None:
            for lane in self.lanes:
                if not self._set_production(lane, percent):
                    return
            self._host.record(
                self._service,
                f"(service {self._service.name}) (deployment {self.deployment_id}) shifted "
                f"{percent:g}% of production traffic to the new service revision.",
            )
            self._run_hooks(
                "PRODUCTION_TRAFFIC_SHIFT", self._hooks_at("PRODUCTION_TRAFFIC_SHIFT"), after_step
            )

        pre = "PRE_PRODUCTION_TRAFFIC_SHIFT"  # a hook stage, not a lifecycleStage
        self._run_hooks(pre, self._hooks_at(pre), shift)

    def _set_production(self, lane: Lane, percent: float) -> bool:
        green, blue = weights_for(percent)
        if not self._modify(lane, lane.production_rule, {lane.blue: blue, lane.green: green}):
            return False
        self.record.touch(production_weight=percent)
        return True

    def _modify(self, lane: Lane, rule: str, weights: dict[str, int]) -> bool:
        """ModifyRule as the lane's role; a refusal fails the deployment (False)."""
        why = (
            self._roles.refusal(lane.role, "elasticloadbalancing:ModifyRule", rule)
            if (self._roles)
            else None
        )
        if why is not None:
            self.roll_back(
                f"ECS deployment {self.deployment_id} failed: could not modify the listener "
                f"rule {rule}: {why}"
            )
            return False
        set_forward_weights(self._account, self._region, rule, weights)
        return True

    def _stage_done(self) -> None:
        """The stage's work is done: its hooks run, then the next stage."""
        if not self.active:
            return
        stage = STAGES[self._stage_index]
        self._run_hooks(stage, self._hooks_at(stage), lambda: self._enter(self._stage_index + 1))

    def _hooks_at(self, stage: str) -> list[dict[str, Any]]:
        return [
            hook
            for hook in self.record.configuration.get("lifecycleHooks") or []
            if stage in (hook.get("lifecycleStages") or [])
        ]

    def _later(self, simulated: float, step: Callable[[], None]) -> None:
        def run() -> None:
            with self._host.lock:
                if self.active:
                    step()

        self._clock.after(simulated, run)

    # -- lifecycle hooks ------------------------------------------------------------------

    def _run_hooks(self, stage: str, hooks: list[dict[str, Any]], then: Callable[[], None]) -> None:
        if not hooks:
            then()
            return
        hook, rest = hooks[0], hooks[1:]
        timeout: dict[str, Any] = {"timeoutInMinutes": HOOK_TIMEOUT_MINUTES, "action": "ROLLBACK"}
        timeout.update(hook.get("timeoutConfiguration") or {})
        pause = hook.get("targetType") == "PAUSE"
        detail = _without_none(
            {
                "hookId": str(uuid.uuid4()),
                "targetType": hook.get("targetType") or "AWS_LAMBDA",
                "targetArn": None if pause else hook.get("hookTargetArn"),
                "status": "AWAITING_ACTION" if pause else "IN_PROGRESS",
                "expiresAt": _now()
                + timedelta(
                    seconds=self._clock.wall_seconds(float(timeout["timeoutInMinutes"]) * 60)
                ),
                "timeoutAction": timeout["action"],
            }
        )
        self.record.hooks.append(detail)
        self.record.touch()
        settled = threading.Event()

        def settle(status: str, action: str) -> None:
            if settled.is_set() or not self.active:
                return
            settled.set()
            self._paused.pop(detail["hookId"], None)
            detail["status"] = status
            self.record.touch()
            if action == "CONTINUE":
                self._run_hooks(stage, rest, then)
            else:
                self.roll_back(f"ECS deployment {self.deployment_id}: lifecycle hook {status}.")

        def timed_out() -> None:
            with self._host.lock:
                settle("TIMED_OUT", str(timeout["action"]))

        self._clock.after(float(timeout["timeoutInMinutes"]) * 60, timed_out)
        if pause:
            self._paused[detail["hookId"]] = lambda action: settle(
                "SUCCEEDED" if action == "CONTINUE" else "FAILED", action
            )
            return
        self._call_lambda(stage, hook, hook.get("hookDetails"), settle, settled)

    def _call_lambda(
        self,
        stage: str,
        hook: dict[str, Any],
        details: Any,
        settle: Callable[[str, str], None],
        settled: threading.Event,
    ) -> None:
        payload = self.hook_payload(stage, details)
        roles = self._roles

        def call() -> None:
            answer: dict[str, Any] | None
            error: str | None
            if roles is None:
                answer, error = None, "no Lambda runtime"
            else:
                role, target = str(hook["roleArn"]), str(hook["hookTargetArn"])
                answer, error = roles.invoke_hook(role, target, payload)
            with self._host.lock:
                if settled.is_set() or not self.active:
                    return
                status = (answer or {}).get("hookStatus")
                if error is not None or status not in ("SUCCEEDED", "FAILED", "IN_PROGRESS"):
                    LOG.info("lifecycle hook %s: %s", hook.get("hookTargetArn"), error or answer)
                    settle("FAILED", "ROLLBACK")
                elif status == "SUCCEEDED":
                    settle("SUCCEEDED", "CONTINUE")
                elif status == "FAILED":
                    settle("FAILED", "ROLLBACK")
                else:
                    delay = float((answer or {}).get("callBackDelay") or HOOK_CALLBACK_DELAY)
                    carried = (answer or {}).get("hookDetails", details)
                    self._later(
                        delay, lambda: self._call_lambda(stage, hook, carried, settle, settled)
                    )

        threading.Thread(target=call, name="ecs-lifecycle-hook", daemon=True).start()

    def hook_payload(self, stage: str, details: Any) -> dict[str, Any]:
        """What ECS passes a Lambda hook: the traffic weights of each revision, the stage."""
        green = self.record.target.arn
        production = {green: self.record.production_weight}
        test = {green: self.record.test_weight}
        for source in self.record.sources:
            production[source.arn] = 100.0 - self.record.production_weight
            test[source.arn] = 100.0 - self.record.test_weight
        payload: dict[str, Any] = {
            "executionDetails": {
                "testTrafficWeights": test,
                "productionTrafficWeights": production,
                "serviceArn": self.record.service_arn,
                "targetServiceRevisionArn": green,
            },
            "executionId": str(uuid.uuid4()),
            "lifecycleStage": stage,
            "resourceArn": self.record.arn,
        }
        if details is not None:
            payload["hookDetails"] = details
        return payload

    def continue_hook(self, hook_id: str, action: str) -> bool:
        """ContinueServiceDeployment: False when no PAUSE hook with that id is waiting."""
        resume = self._paused.get(hook_id)
        if resume is None:
            return False
        resume(action)
        return True

    # -- alarms and rollback ----------------------------------------------------------------

    def _watch_alarms(self) -> None:
        with self._host.lock:
            if not self.active or self.record.alarm_status != "MONITORING":
                return
            alarms = self.record.configuration.get("alarms") or {}
            names = list(alarms.get("alarmNames") or [])
            firing = alarms_in_alarm(self._account, self._region, names)
            if not firing:
                self._clock.after(ALARM_POLL_SECONDS, self._watch_alarms)
                return
            self.record.touch(alarm_status="TRIGGERED", triggered_alarms=firing)
            reason = (
                f"ECS deployment {self.deployment_id} failed: alarm(s) "
                f"{', '.join(firing)} in ALARM state."
            )
            if alarms.get("rollback"):
                self.roll_back(reason)
            else:
                self.stop(reason)

    def _alarms_done(self) -> None:
        if self.record.alarm_status == "MONITORING":
            self.record.touch(alarm_status="MONITORING_COMPLETE")

    def roll_back(self, reason: str) -> None:
        """Production and test traffic back to blue; the green tasks stop."""
        if not self.active:
            return
        source = self.record.sources[0].arn if self.record.sources else None
        self.record.touch(
            status="ROLLBACK_IN_PROGRESS",
            status_reason=reason,
            rollback=_without_none(
                {"reason": reason, "startedAt": _now(), "serviceRevisionArn": source}
            ),
        )
        for lane in self.lanes:
            green, blue = weights_for(0.0)
            set_forward_weights(
                self._account,
                self._region,
                lane.production_rule,
                {lane.blue: blue, lane.green: green},
            )
            if lane.test_rule and lane.test_before is not None:
                set_forward_weights(self._account, self._region, lane.test_rule, lane.test_before)
        self.record.production_weight = self.record.test_weight = 0.0
        self._host.rollout_failed(self._service, self, reason)
        if not self._has_blue:  # nothing to roll back to: the green tasks stay
            self.record.touch(status="ROLLBACK_FAILED", finished_at=_now())
            return
        self._waiting = "green-stopped"
        self._host.stop_tasks(
            self._service,
            self.deployment_id,
            f"Rollback initiated by (deployment {self.deployment_id})",
        )
        self._host.reconcile(self._service)

    def stop(self, reason: str) -> None:
        """Stop where it is (an alarm without rollback, StopServiceDeployment ABORT)."""
        if not self.active:
            return
        self.record.touch(status="STOPPED", status_reason=reason, stopped_at=_now())
        self._host.rollout_failed(self._service, self, reason)


# -- the registry ---------------------------------------------------------------------------------


class ServiceDeployments:
    """Every service deployment and revision, for the List/Describe/Stop/Continue APIs."""

    def __init__(self) -> None:
        self._by_arn: dict[str, ServiceDeployment] = {}
        self._by_id: dict[str, ServiceDeployment] = {}
        self._revisions: dict[str, ServiceRevision] = {}
        self._current: dict[str, ServiceRevision] = {}  # service ARN -> its revision now
        self.rollouts: dict[str, Rollout] = {}  # ecs-svc id -> rollout

    def revision_for(self, service: Any, task_definition: str) -> ServiceRevision:
        partition, region, account = (
            service.arn.split(":")[1],
            service.region_name,
            service._account_id,
        )
        arn = (
            f"arn:{partition}:ecs:{region}:{account}:service-revision/"
            f"{service.cluster_name}/{service.name}/{_digits(19)}"
        )
        revision = ServiceRevision(
            arn=arn,
            service_arn=_long_service_arn(service),
            cluster_arn=service.cluster_arn,
            task_definition=task_definition,
            launch_type=service.launch_type,
            platform_version=service.platform_version,
            load_balancers=json.loads(json.dumps(service.load_balancers or [])),
            network_configuration=service.network_configuration or None,
        )
        self._revisions[arn] = revision
        return revision

    def start(
        self, service: Any, deployment_id: str, task_definition: str, configuration: dict[str, Any]
    ) -> ServiceDeployment:
        """A new service deployment from what the service runs now to `task_definition`."""
        previous = self._current.get(service.arn)
        target = self.revision_for(service, task_definition)
        partition, region, account = (
            service.arn.split(":")[1],
            service.region_name,
            service._account_id,
        )
        record = ServiceDeployment(
            arn=(
                f"arn:{partition}:ecs:{region}:{account}:service-deployment/"
                f"{service.cluster_name}/{service.name}/{_deployment_suffix()}"
            ),
            deployment_id=deployment_id,
            service_arn=target.service_arn,
            cluster_arn=service.cluster_arn,
            target=target,
            sources=[previous] if previous is not None else [],
            configuration=json.loads(json.dumps(configuration, default=str)),
        )
        self._by_arn[record.arn] = record
        self._by_id[deployment_id] = record
        return record

    def alias(self, deployment_id: str, record: ServiceDeployment) -> None:
        """A rolling rollback's own ECS deployment belongs to the service deployment it
        rolls back."""
        self._by_id[deployment_id] = record

    def settle(self, service: Any, deployment_id: str) -> None:
        """The deployment is the service's now (completed, or what a rollback returned to)."""
        record = self._by_id.get(deployment_id)
        if record is not None:
            self._current[service.arn] = record.target

    def by_id(self, deployment_id: str) -> ServiceDeployment | None:
        return self._by_id.get(deployment_id)

    def find(self, arn: str) -> ServiceDeployment | None:
        return self._by_arn.get(arn)

    def of_service(self, service_arn: str) -> list[ServiceDeployment]:
        found = [r for r in self._by_arn.values() if r.service_arn == service_arn]
        return sorted(found, key=lambda record: record.created_at, reverse=True)

    def revision(self, arn: str) -> ServiceRevision | None:
        return self._revisions.get(arn)


def _long_service_arn(service: Any) -> str:
    partition = service.arn.split(":")[1]
    return (
        f"arn:{partition}:ecs:{service.region_name}:{service._account_id}:"
        f"service/{service.cluster_name}/{service.name}"
    )
