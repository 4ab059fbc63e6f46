"""EventBridge delivery as AWS does it, on top of moto's buses, rules and pattern matching.

moto delivers only to a few target types (Step Functions and Lambda raise NotImplementedError),
delivers from disabled rules, gives S3 events a float `time` and a fixed `id`, and its
InputTransformer fails on S3 events. Here every event (put_events, S3, ECR, ECS) goes through
`EventRouter.publish`: fault injection (drop/duplicate), then each enabled rule whose pattern
matches, then each target. Step Functions, Lambda, SQS and SNS targets are delivered here with
EventBridge's input semantics; other target types (logs, archives, other buses, API
destinations) keep moto's delivery.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from moto.awslambda.utils import get_backend as lambda_backend
from moto.events.exceptions import ValidationException
from moto.events.models import EventsBackend, Rule, events_backends
from moto.s3 import notifications
from moto.s3.models import S3Backend
from moto.s3.notifications import _detail_type
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends
from moto.stepfunctions.responses import get_backend as stepfunctions_backend
from moto.utilities.arns import parse_arn

from localcloud.clock import Clock
from localcloud.event_input import as_json_input, target_input_text
from localcloud.faults import FaultBook
from localcloud.patching import Patcher

LOG = logging.getLogger("localcloud.events")
# EventBridge's RetryPolicy defaults: 185 attempts within 24 hours
_DEFAULT_RETRIES = 185
_DEFAULT_MAX_AGE_SECONDS = 86400.0
_MAX_BACKOFF_SECONDS = 300.0
_ERROR_MESSAGE_CHARS = 1024
_EVENTBRIDGE_AGENT = "events.amazonaws.com"
_DELIVERY_CALLS = {
    "states": "states:StartExecution",
    "lambda": "lambda:Invoke",
    "sqs": "sqs:SendMessage",
    "sns": "sns:Publish",
}


class DeliveryFailure(Exception):
    """Why EventBridge could not deliver an event to a target."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status

    @property
    def retryable(self) -> bool:
        """Throttling and server errors are retried; the rest go to the queue at once."""
        return self.status >= 500 or self.status == 429 or "Throttl" in self.code

    @classmethod
    def of(cls, error: Exception) -> DeliveryFailure:
        if isinstance(error, DeliveryFailure):
            return error
        code = str(getattr(error, "code", None) or type(error).__name__)
        status = int(getattr(error, "status", None) or getattr(error, "code_status", 0) or 400)
        return cls(code, str(getattr(error, "message", None) or error), status)


_ENABLED_STATES = ("ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
_JOURNAL_SIZE = 1000  # events kept of each kind (source and detail-type)


def iso_time(value: Any = None) -> str:
    """EventBridge's `time`: ISO 8601 in UTC to the second."""
    if value is None:
        moment = datetime.now(UTC)
    elif isinstance(value, (int, float)):
        moment = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        return str(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(moment: datetime) -> str:
    """A timestamp inside an AWS event's detail: ISO 8601 in UTC to the millisecond."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def make_event(
    *,
    source: str,
    detail_type: str,
    detail: Mapping[str, Any],
    account: str,
    region: str,
    resources: list[str] | None = None,
    time_value: Any = None,
) -> dict[str, Any]:
    """An event in the envelope AWS services use."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": iso_time(time_value),
        "region": region,
        "resources": list(resources or []),
        "detail": dict(detail),
    }


def _moto_shaped(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event as moto's own delivery code expects it (unix `time`, `ingestion-time`)."""
    shaped = copy.deepcopy(dict(event))
    try:
        moment = datetime.strptime(str(event["time"]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        shaped["time"] = moment.timestamp()
    except ValueError:
        shaped["time"] = time.time()
    shaped["ingestion-time"] = time.time()
    return shaped


class EventRouter:
    """Publishes events on buses and delivers them to the targets of matching rules."""

    def __init__(
        self,
        faults: FaultBook,
        invoke_lambda_async: Callable[[Any, str], None],
        clock: Clock | None = None,
    ) -> None:
        """Without ``clock`` a failed delivery is not retried: it goes to the queue at once."""
        self._faults = faults
        self._clock = clock
        self._invoke_lambda_async = invoke_lambda_async
        # One bounded journal per kind, so that a chatty kind (every ECS task's every state
        # change) never pushes the others out; entries are numbered to be merged in order.
        self._journal: dict[tuple[str, str], deque[tuple[int, dict[str, Any]]]] = {}
        self._journaled = itertools.count()
        self._journal_lock = threading.Lock()
        self._moto_send_to_targets: Callable[..., None] | None = None

    # -- publishing ------------------------------------------------------------------------------

    def publish(self, account: str, region: str, bus_name: str, event: dict[str, Any]) -> None:
        copies = self._faults.event_copies(event)
        kind = (str(event.get("source")), str(event.get("detail-type")))
        entry = {"bus": bus_name, "copies": copies, "event": event}
        with self._journal_lock:
            journal = self._journal.setdefault(kind, deque(maxlen=_JOURNAL_SIZE))
            journal.append((next(self._journaled), entry))
        for _ in range(copies):
            self._deliver_on_bus(account, region, bus_name, event)

    def recent_events(self) -> list[dict[str, Any]]:
        """The last events published of each kind, oldest first."""
        with self._journal_lock:
            return [entry for _, entry in heapq.merge(*self._journal.values())]

    def _deliver_on_bus(
        self, account: str, region: str, bus_name: str, event: dict[str, Any]
    ) -> None:
        bus = events_backends[account][region].event_buses.get(bus_name)
        if bus is None:
            LOG.warning("event %s for unknown bus %s dropped", event.get("detail-type"), bus_name)
            return
        for rule in list(bus.rules.values()):
            self.deliver_to_rule(rule, event)

    # -- rules and targets -----------------------------------------------------------------------

    def deliver_to_rule(self, rule: Any, event: dict[str, Any]) -> None:
        if rule.state not in _ENABLED_STATES or rule.scheduled_expression:
            return
        if rule.event_pattern.dump() is None or not rule.event_pattern.matches_event(event):
            return
        for target in list(rule.targets):
            self._attempt(rule, target, event, attempt=1, first=time.monotonic())

    def _attempt(
        self,
        rule: Any,
        target: Mapping[str, Any],
        event: dict[str, Any],
        attempt: int,
        first: float,
    ) -> None:
        """Deliver to one target; a failure is retried as the target's RetryPolicy allows
        (throttling and 5xx only, with exponential back-off on the simulated clock), then
        goes to its DeadLetterConfig queue. One failing target never stops the others."""
        try:
            self._injected_failure(target)
            self._deliver_to_target(rule, target, event)
        except Exception as error:  # noqa: BLE001 - any failure is the delivery's outcome
            LOG.info("delivery of %s to %s failed", event.get("detail-type"), target.get("Arn"))
            failure = DeliveryFailure.of(error)
            policy = target.get("RetryPolicy") or {}
            retries = int(policy.get("MaximumRetryAttempts", _DEFAULT_RETRIES))
            max_age = float(policy.get("MaximumEventAgeInSeconds", _DEFAULT_MAX_AGE_SECONDS))
            wait = min(_MAX_BACKOFF_SECONDS, float(2 ** (attempt - 1)))
            age = time.monotonic() - first
            if (
                failure.retryable
                and attempt <= retries
                and self._clock is not None
                and age + self._clock.wall_seconds(wait) <= self._clock.wall_seconds(max_age)
            ):
                self._clock.after(
                    wait, lambda: self._attempt(rule, target, event, attempt + 1, first)
                )
                return
            self._dead_letter(rule, target, event, failure)

    def _injected_failure(self, target: Mapping[str, Any]) -> None:
        """An API fault on the call EventBridge makes to deliver (states:StartExecution,
        lambda:Invoke, sqs:SendMessage, sns:Publish) fails the delivery."""
        service = parse_arn(target["Arn"]).service
        call = _DELIVERY_CALLS.get(service)
        if call is None:
            return
        fault = self._faults.take_api_fault(call, user_agent=_EVENTBRIDGE_AGENT)
        if fault is not None and fault.error is not None:
            raise DeliveryFailure(fault.error, fault.error_message, fault.http_status)

    def _dead_letter(
        self, rule: Any, target: Mapping[str, Any], event: dict[str, Any], failure: DeliveryFailure
    ) -> None:
        queue_arn = (target.get("DeadLetterConfig") or {}).get("Arn")
        if not queue_arn or ":sqs:" not in str(queue_arn):
            LOG.warning(
                "delivery of %s to %s failed, no dead-letter queue: lost (%s)",
                event.get("detail-type"),
                target.get("Arn"),
                failure,
            )
            return
        arn = parse_arn(str(queue_arn))

        def attribute(value: str) -> dict[str, str]:
            return {"DataType": "String", "StringValue": value}

        sqs_backends[arn.account][arn.region].send_message(
            queue_name=arn.resource_id,
            message_body=json.dumps(_aws_shaped(event)),
            message_attributes={
                "RULE_ARN": attribute(str(rule.arn)),
                "TARGET_ARN": attribute(str(target["Arn"])),
                "ERROR_CODE": attribute(failure.code),
                "ERROR_MESSAGE": attribute(failure.message[:_ERROR_MESSAGE_CHARS]),
            },
        )
        LOG.warning(
            "delivery of %s to %s failed: sent to %s (%s)",
            event.get("detail-type"),
            target.get("Arn"),
            arn.resource_id,
            failure.code,
        )

    def _deliver_to_target(
        self, rule: Any, target: Mapping[str, Any], event: dict[str, Any]
    ) -> None:
        arn = parse_arn(target["Arn"])
        deliver = {
            "states": self._to_state_machine,
            "lambda": self._to_lambda,
            "sqs": self._to_queue,
            "sns": self._to_topic,
        }.get(arn.service)
        if deliver is None:
            self._with_moto(rule, target, event)
            return
        text = target_input_text(target, event, rule_name=rule.name, rule_arn=rule.arn)
        deliver(arn, target, text)

    @staticmethod
    def _to_state_machine(arn: Any, target: Mapping[str, Any], text: str) -> None:
        stepfunctions_backend(arn.account, arn.region).start_execution(
            target["Arn"], name=str(uuid.uuid4()), execution_input=as_json_input(text)
        )

    def _to_lambda(self, arn: Any, target: Mapping[str, Any], text: str) -> None:
        function = lambda_backend(arn.account, arn.region).get_function(target["Arn"])
        self._invoke_lambda_async(function, as_json_input(text))

    @staticmethod
    def _to_queue(arn: Any, target: Mapping[str, Any], text: str) -> None:
        group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
        sqs_backends[arn.account][arn.region].send_message(
            queue_name=arn.resource_id,
            message_body=text,
            group_id=group_id,
            deduplication_id=str(uuid.uuid4()) if group_id else None,
        )

    @staticmethod
    def _to_topic(arn: Any, target: Mapping[str, Any], text: str) -> None:
        sns_backends[arn.account][arn.region].publish(message=text, arn=target["Arn"])

    def _with_moto(self, rule: Any, target: Mapping[str, Any], event: dict[str, Any]) -> None:
        if self._moto_send_to_targets is None:
            raise RuntimeError("moto delivery is not installed")
        single_target_rule = copy.copy(rule)
        single_target_rule.targets = [dict(target)]
        self._moto_send_to_targets(single_target_rule, _moto_shaped(event))

    # -- moto patches ----------------------------------------------------------------------------

    def install(self, patcher: Patcher) -> None:
        router = self

        def send_to_targets(rule: Any, event: Any, transform_input: bool = True) -> None:
            router.deliver_to_rule(rule, _aws_shaped(event))

        self._moto_send_to_targets = patcher.replace(Rule, "send_to_targets", send_to_targets)

        def put_events(backend: Any, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return _put_events(router, backend, entries)

        patcher.replace(EventsBackend, "put_events", put_events)

        def send_s3_event(account_id: str, bucket: Any, event_name: str, key: Any) -> None:
            _publish_s3_event(router, account_id, bucket, event_name, key)

        patcher.replace(notifications, "_send_event_bridge_message", send_s3_event)
        original_delete = S3Backend.delete_object

        def delete_object(
            backend: Any, bucket_name: str, key_name: str, *args: Any, **kw: Any
        ) -> Any:
            result = original_delete(backend, bucket_name, key_name, *args, **kw)
            _announce_delete_marker(backend, bucket_name, key_name, result)
            return result

        patcher.replace(S3Backend, "delete_object", delete_object)


def _aws_shaped(event: Mapping[str, Any]) -> dict[str, Any]:
    shaped = {key: value for key, value in event.items() if key != "ingestion-time"}
    shaped["time"] = iso_time(event.get("time"))
    return shaped


def _entry_error(entry: Mapping[str, Any]) -> dict[str, str] | None:
    for field in ("Source", "DetailType", "Detail"):
        if not entry.get(field):
            return {
                "ErrorCode": "InvalidArgument",
                "ErrorMessage": f"Parameter {field} is not valid. "
                f"Reason: {field} is a required argument.",
            }
    try:
        json.loads(entry["Detail"])
    except ValueError:
        return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    return None


def _put_events(
    router: EventRouter, backend: Any, entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    if len(entries) > 10:
        raise ValidationException(
            "1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' failed "
            "to satisfy constraint: Member must have length less than or equal to 10"
        )
    results: list[dict[str, Any]] = []
    for entry in entries:
        error = _entry_error(entry)
        if error is not None:
            results.append(error)
            continue
        bus_name = backend._normalize_event_bus_arn(entry.get("EventBusName"))
        backend.describe_event_bus(bus_name)  # an unknown bus fails the call, as in moto
        event = make_event(
            source=entry["Source"],
            detail_type=entry["DetailType"],
            detail=json.loads(entry["Detail"]),
            account=backend.account_id,
            region=backend.region_name,
            resources=entry.get("Resources"),
            time_value=entry.get("Time"),
        )
        router.publish(backend.account_id, backend.region_name, bus_name, event)
        results.append({"EventId": event["id"]})
    return results


_S3_REASONS = {
    "Put": "PutObject",
    "Post": "PostObject",
    "Copy": "CopyObject",
    "CompleteMultipartUpload": "CompleteMultipartUpload",
    "Delete": "DeleteObject",
    "DeleteMarkerCreated": "DeleteObject",
}


def _s3_detail(account_id: str, bucket: Any, event_name: str, key: Any) -> dict[str, Any]:
    action = event_name.rsplit(":", maxsplit=1)[-1]
    version_id = getattr(key, "version_id", None)
    s3_object: dict[str, Any] = {"key": key.name, "sequencer": f"{time.time_ns():X}"}
    if "ObjectRemoved" not in event_name:
        s3_object.update({"size": key.size, "etag": key.etag.replace('"', "")})
    if version_id and version_id != "null":
        s3_object["version-id"] = version_id
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": bucket.name},
        "object": s3_object,
        "request-id": uuid.uuid4().hex[:16].upper(),
        "requester": account_id,
        "source-ip-address": "127.0.0.1",
        "reason": _S3_REASONS.get(action, action),
    }
    if "ObjectRemoved" in event_name:
        created_marker = action == "DeleteMarkerCreated"
        detail["deletion-type"] = (
            "Delete Marker Created" if created_marker else "Permanently Deleted"
        )
    return detail


def _announce_delete_marker(
    backend: Any, bucket_name: str, key_name: str, result: tuple[bool, dict[str, Any]]
) -> None:
    """S3 announces a delete marker ("Object Deleted", deletion-type "Delete Marker
    Created"); moto sends nothing when a delete in a versioned bucket creates one (deleting
    a version, or from an unversioned bucket, it announces itself)."""
    deleted, meta = result
    if not (deleted and meta.get("delete-marker") == "true"):
        return
    bucket = backend.get_bucket(bucket_name)
    marker = bucket.keys.get(key_name)
    if marker is None or str(getattr(marker, "version_id", "")) != meta.get("version-id"):
        return  # the version deleted was a marker itself: no new marker, nothing to tell
    notifications.send_event(
        backend.account_id,
        notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
        bucket,
        marker,
    )


def _publish_s3_event(
    router: EventRouter, account_id: str, bucket: Any, event_name: str, key: Any
) -> None:
    """S3's EventBridge notification: on the default bus of the bucket's region only."""

    try:
        event = make_event(
            source="aws.s3",
            detail_type=_detail_type(event_name),
            detail=_s3_detail(account_id, bucket, event_name, key),
            account=account_id,
            region=bucket.region_name,
            resources=[bucket.arn],
        )
        router.publish(account_id, bucket.region_name, "default", event)
    except Exception:  # S3 notifications are asynchronous: the S3 call succeeds anyway
        LOG.warning(
            "S3 event %s for %s/%s not published", event_name, bucket.name, key.name, exc_info=True
        )
