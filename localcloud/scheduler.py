"""EventBridge Scheduler that fires: moto stores schedules, this runs them on the local clock.

Every ENABLED schedule is armed on the clock for its next fire time (localcloud/
schedule_times.py) in its time zone, between its StartDate and EndDate. Simulated time starts
at the wall-clock time the cloud started and runs `1 / time_scale` times as fast, so
`rate(1 minute)` fires every 0.6 wall seconds at time_scale 0.01; `time_scale=0` arms
nothing (use `fire`). A FLEXIBLE window fires at its start: deterministic, and inside the
window as AWS promises.

At a fire time the schedule's target is called as its role, as Scheduler does: the role must
exist and trust scheduler.amazonaws.com, and its policies must allow the call (ecs:RunTask on
the task definition with iam:PassRole for the task's roles, or lambda:InvokeFunction); the
call itself goes over HTTP with the role's credentials, the path a boto3 call takes. ECS
targets start tasks through RunTask (Input, when it is a JSON object, is RunTask's
`overrides`; startedBy stays unset, Group is passed on); Lambda targets are invoked
asynchronously with Input as the event. A throttled or failing (5xx) call is retried
(RetryPolicy: up to MaximumRetryAttempts, a simulated minute apart, within
MaximumEventAgeInSeconds); a call that finally fails goes to Target.DeadLetterConfig's SQS
queue, with Scheduler's message attributes. Every firing is journaled (`runs`).

moto's scheduler is fixed where the deployer relies on it: CreateSchedule/UpdateSchedule
check the expression, the time zone and the group (ResourceNotFoundException, not a 500);
UpdateSchedule keeps State ENABLED when none is given and takes ActionAfterCompletion.
This is the one module that touches moto's scheduler internals.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botocore.exceptions import ClientError
from moto.scheduler.exceptions import ValidationException
from moto.scheduler.models import EventBridgeSchedulerBackend, Schedule, scheduler_backends
from moto.scheduler.responses import EventBridgeSchedulerResponse

from localcloud.clock import Clock
from localcloud.iam import Authorizer, RoleSessions
from localcloud.iam_policy import Check, ConditionContext
from localcloud.patching import Patcher
from localcloud.schedule_times import check_expression, is_one_time, next_fire_time

LOG = logging.getLogger("localcloud.scheduler")
_SCHEDULER = "scheduler.amazonaws.com"
_RETRY_DELAY = 60.0  # simulated seconds between attempts
_RETRYABLE = frozenset(
    {"ThrottlingException", "Throttling", "ServerException", "ServiceUnavailable"}
)

ClientFactory = Callable[..., Any]


class RunRefused(Exception):
    """The target was not called: the role may not, or the call failed for good."""

    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.retryable = retryable


class SchedulerEmulation:
    """Fires moto's schedules on the clock and journals each run."""

    def __init__(
        self,
        clock: Clock,
        client: ClientFactory,
        *,
        account_id: str,
        region: str,
        partition: str,
        sessions: RoleSessions,
        authorizer: Authorizer | None,
    ) -> None:
        self._clock = clock
        self._client = client
        self._account_id = account_id
        self._region = region
        self._partition = partition
        self._sessions = sessions
        self._authorizer = authorizer  # None: IAM is off, the target is called as the admin
        self._started_wall = datetime.now(UTC)
        self._started_monotonic = time.monotonic()
        self._generation: dict[tuple[str, str], int] = {}
        self._runs: list[dict[str, Any]] = []
        self._lock = threading.RLock()

    # -- simulated time ------------------------------------------------------------------------

    def now(self) -> datetime:
        """Simulated time: the start's wall-clock time plus the elapsed time, decompressed."""
        elapsed = time.monotonic() - self._started_monotonic
        scale = self._clock.time_scale
        return self._started_wall + timedelta(seconds=elapsed / scale if scale else 0.0)

    # -- the journal and the test seam ---------------------------------------------------------

    def runs(self, name: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(run) for run in self._runs if name is None or run["schedule"] == name]

    def fire(self, name: str, group: str = "default") -> dict[str, Any] | None:
        """Fire the schedule now as if its time had come; its journal entry (None: disabled)."""
        schedule = self._backend().get_schedule(group, name)
        return self._fire(schedule, self.now())

    # -- arming --------------------------------------------------------------------------------

    def _backend(self) -> EventBridgeSchedulerBackend:
        backend: EventBridgeSchedulerBackend = scheduler_backends[self._account_id][self._region]
        return backend

    def _arm(self, schedule: Schedule, after: datetime | None = None) -> None:
        key = (schedule.group_name, schedule.name)
        with self._lock:
            generation = self._generation.get(key, 0) + 1
            self._generation[key] = generation
        if schedule.state != "ENABLED" or not self._clock.time_scale:
            return
        moment = after or self.now()
        start, end = _moment(schedule.start_date), _moment(schedule.end_date)
        created = datetime.fromtimestamp(schedule.creation_date, UTC)
        due = next_fire_time(
            schedule.schedule_expression,
            schedule.schedule_expression_timezone,
            max(moment, start) if start else moment,
            start=start or created,
        )
        if due is None or (end is not None and due > end):
            return
        delay = (due - self.now()).total_seconds()
        self._clock.after(delay, lambda: self._when_due(key, generation, due))

    def _forget(self, group: str, name: str) -> None:
        with self._lock:
            self._generation[(group, name)] = self._generation.get((group, name), 0) + 1

    def _when_due(self, key: tuple[str, str], generation: int, due: datetime) -> None:
        with self._lock:
            if self._generation.get(key) != generation:
                return  # updated or deleted since it was armed
        group = self._backend().schedule_groups.get(key[0])
        schedule = group.schedules.get(key[1]) if group is not None else None
        if schedule is None:
            return
        self._arm(schedule, after=due)  # the next one is due whatever this one takes

        # off the clock's thread: a call and its retries must not hold up every task's steps
        threading.Thread(
            target=self._fire, args=(schedule, due), name="localcloud-schedule", daemon=True
        ).start()

    # -- firing --------------------------------------------------------------------------------

    def _fire(self, schedule: Schedule, at: datetime) -> dict[str, Any] | None:
        if schedule.state != "ENABLED":
            return None
        target: Mapping[str, Any] = schedule.target
        run: dict[str, Any] = {
            "schedule": schedule.name,
            "group": schedule.group_name,
            "at": at.isoformat(),
            "target": target["Arn"],
        }
        try:
            run["task_arns"] = self._call_with_retries(schedule, target)
            run["outcome"] = "started"
        except RunRefused as refused:
            run.update(outcome="failed", error=str(refused))
            self._dead_letter(schedule, target, refused)
        with self._lock:
            self._runs.append(run)
        if is_one_time(schedule.schedule_expression) and (
            schedule.action_after_completion == "DELETE"
        ):
            self._forget(schedule.group_name, schedule.name)
            self._backend().schedule_groups[schedule.group_name].schedules.pop(schedule.name, None)
        return dict(run)

    def _call_with_retries(self, schedule: Schedule, target: Mapping[str, Any]) -> list[str]:
        policy = target.get("RetryPolicy") or {}
        attempts_left = int(policy.get("MaximumRetryAttempts", 185))
        age_left = float(policy.get("MaximumEventAgeInSeconds", 86400))
        while True:
            try:
                return self._call(schedule, target)
            except RunRefused as refused:
                if not refused.retryable or attempts_left < 1 or age_left < _RETRY_DELAY:
                    raise
                attempts_left -= 1
                age_left -= _RETRY_DELAY
                time.sleep(self._clock.wall_seconds(_RETRY_DELAY))

    def _call(self, schedule: Schedule, target: Mapping[str, Any]) -> list[str]:
        try:
            return self._call_target(schedule, target)
        except ClientError as e:  # the target's API refused (no such task definition, ...)
            raise _refusal(e) from None

    def _call_target(self, schedule: Schedule, target: Mapping[str, Any]) -> list[str]:
        arn = str(target["Arn"])
        role = str(target.get("RoleArn", ""))
        if ":ecs:" in arn:
            ecs = target.get("EcsParameters") or {}
            self._authorize(role, self._ecs_checks(ecs, arn))
            return self._run_task(self._client_as("ecs", role, schedule), arn, ecs, target)
        if ":lambda:" in arn:
            self._authorize(role, [Check("lambda:InvokeFunction", (arn,))])
            self._client_as("lambda", role, schedule).invoke(
                FunctionName=arn, InvocationType="Event", Payload=target.get("Input") or "{}"
            )
            return []
        raise RunRefused("ValidationException", f"the local cloud fires ECS and Lambda, not {arn}")

    def _ecs_checks(self, ecs: Mapping[str, Any], cluster: str) -> list[Check]:
        definition_arn = str(ecs.get("TaskDefinitionArn", ""))
        checks = [
            Check(
                "ecs:RunTask",
                (definition_arn,),
                ConditionContext({"ecs:cluster": (cluster,)}),
            )
        ]
        described = self._client("ecs").describe_task_definition(taskDefinition=definition_arn)
        definition = described["taskDefinition"]
        for key in ("taskRoleArn", "executionRoleArn"):
            if definition.get(key):
                checks.append(
                    Check(
                        "iam:PassRole",
                        (definition[key],),
                        ConditionContext({"iam:passedtoservice": ("ecs-tasks.amazonaws.com",)}),
                    )
                )
        return checks

    def _authorize(self, role_arn: str, checks: list[Check]) -> None:
        if self._authorizer is None:
            return
        why = self._authorizer.refusal(role_arn, _SCHEDULER, checks)
        if why is not None:
            raise RunRefused("AccessDeniedException", why)

    def _client_as(self, service: str, role_arn: str, schedule: Schedule) -> Any:
        if self._authorizer is None:
            return self._client(service)
        session = f"scheduler-{schedule.name}"
        key, secret, token = self._sessions.credentials_for(session, role_arn)
        return self._client(
            service, aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token
        )

    @staticmethod
    def _run_task(
        ecs_client: Any, cluster: str, ecs: Mapping[str, Any], target: Mapping[str, Any]
    ) -> list[str]:
        answer = ecs_client.run_task(**_run_task_request(cluster, ecs, target.get("Input")))
        if answer.get("failures"):
            reasons = "; ".join(str(f.get("reason")) for f in answer["failures"])
            raise RunRefused("RunTaskFailure", reasons)
        return [str(task["taskArn"]) for task in answer["tasks"]]

    def _dead_letter(self, schedule: Schedule, target: Mapping[str, Any], why: RunRefused) -> None:
        queue_arn = (target.get("DeadLetterConfig") or {}).get("Arn")
        if not queue_arn or ":sqs:" not in queue_arn:
            return
        _, _, _, region, account, name = queue_arn.split(":", 5)
        sqs = self._client("sqs")
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]

        def attribute(value: str) -> dict[str, str]:
            return {"DataType": "String", "StringValue": value}

        sqs.send_message(
            QueueUrl=url,
            MessageBody=target.get("Input") or "{}",
            MessageAttributes={
                "ERROR_CODE": attribute(why.code),
                "ERROR_MESSAGE": attribute(str(why)),
                "SCHEDULE_ARN": attribute(schedule.arn),
                "TARGET_ARN": attribute(str(target["Arn"])),
            },
        )
        LOG.info("schedule %s: sent to %s (%s in %s)", schedule.name, name, why.code, region)

    # -- moto, fixed and hooked ----------------------------------------------------------------

    def install(self, patcher: Patcher) -> None:
        emulation = self
        backend_class = EventBridgeSchedulerBackend
        moto_create = backend_class.create_schedule
        moto_update = backend_class.update_schedule
        moto_delete = backend_class.delete_schedule

        def create_schedule(backend: Any, **given: Any) -> Any:
            backend.get_schedule_group(given.get("group_name"))
            _check_request(given)
            schedule = moto_create(backend, **given)
            emulation._arm(schedule)
            return schedule

        def update_schedule(backend: Any, **given: Any) -> Any:
            _check_request(given)
            given["state"] = given.get("state") or "ENABLED"
            schedule = moto_update(backend, **given)
            emulation._arm(schedule)
            return schedule

        def delete_schedule(backend: Any, group_name: str | None, name: str) -> None:
            moto_delete(backend, group_name, name)
            emulation._forget(group_name or "default", name)

        patcher.replace(backend_class, "create_schedule", create_schedule)
        patcher.replace(backend_class, "update_schedule", update_schedule)
        patcher.replace(backend_class, "delete_schedule", delete_schedule)
        _take_action_after_completion_on_update(patcher)


def _take_action_after_completion_on_update(patcher: Patcher) -> None:
    """moto's UpdateSchedule reads no ActionAfterCompletion: set it once moto has updated."""
    moto_response = EventBridgeSchedulerResponse.update_schedule

    def update_schedule(response: Any) -> str:
        result: str = moto_response(response)
        name = response.uri.split("?")[0].split("/")[-1]
        schedule = response.scheduler_backend.get_schedule(response._get_param("GroupName"), name)
        schedule.action_after_completion = response._get_param("ActionAfterCompletion")
        return result

    patcher.replace(EventBridgeSchedulerResponse, "update_schedule", update_schedule)


def _refusal(error: ClientError) -> RunRefused:
    """A target API's error as a refusal: retryable when throttled or the service failed."""
    code = str(error.response["Error"].get("Code"))
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
    return RunRefused(
        code,
        str(error.response["Error"].get("Message")),
        retryable=code in _RETRYABLE or status >= 500,
    )


def _check_request(given: Mapping[str, Any]) -> None:
    expression = str(given.get("schedule_expression") or "")
    try:
        check_expression(expression)
    except ValueError as e:
        raise ValidationException(f"Invalid Schedule Expression {expression}: {e}") from None
    zone = given.get("schedule_expression_timezone") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationException(f"Invalid ScheduleExpressionTimezone {zone}") from None
    if not given.get("flexible_time_window"):
        raise ValidationException("FlexibleTimeWindow is required")
    target = given.get("target") or {}
    if not target.get("Arn") or not target.get("RoleArn"):
        raise ValidationException("Target needs an Arn and a RoleArn")


def _run_task_request(
    cluster: str, ecs: Mapping[str, Any], given_input: str | None
) -> dict[str, Any]:
    """RunTask's request from a target's EcsParameters (Scheduler's names, capitalised)."""
    request: dict[str, Any] = {
        "cluster": cluster,
        "taskDefinition": ecs["TaskDefinitionArn"],
        "count": int(ecs.get("TaskCount", 1)),
    }
    simple = {
        "LaunchType": "launchType",
        "PlatformVersion": "platformVersion",
        "Group": "group",
        "PropagateTags": "propagateTags",
        "EnableECSManagedTags": "enableECSManagedTags",
        "EnableExecuteCommand": "enableExecuteCommand",
        "ReferenceId": "referenceId",
    }
    request.update({ours: ecs[theirs] for theirs, ours in simple.items() if theirs in ecs})
    vpc = (ecs.get("NetworkConfiguration") or {}).get("awsvpcConfiguration")
    if vpc:
        request["networkConfiguration"] = {
            "awsvpcConfiguration": {
                "subnets": vpc.get("Subnets", []),
                "securityGroups": vpc.get("SecurityGroups", []),
                "assignPublicIp": vpc.get("AssignPublicIp", "DISABLED"),
            }
        }
    tags = ecs.get("Tags") or []
    if tags:  # Scheduler's Tags: a list of one-pair maps
        request["tags"] = [{"key": k, "value": v} for pair in tags for k, v in pair.items()]
    overrides = _json_object(given_input)
    if overrides:
        request["overrides"] = overrides
    return request


def _json_object(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _moment(value: Any) -> datetime | None:
    """StartDate/EndDate as moto stores them (epoch seconds from the JSON body)."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromisoformat(str(value)).astimezone(UTC)
