"""Lambda's asynchronous invocation as AWS runs it: retries, event age, dead-letter queues.

An asynchronous invocation (InvocationType=Event; EventBridge rule targets) is queued and run
once. When the function fails (an error it raised, a timeout) Lambda tries again up to the
MaximumRetryAttempts of its event invoke configuration (default 2): one simulated minute after
the first attempt, two after the second. A throttled attempt (no concurrency free) is tried
again a simulated half minute later without using a retry. No attempt starts once the event
is older than MaximumEventAgeInSeconds (default 6 hours). An event that finally fails goes
to the function's DeadLetterConfig target (an SQS queue; the event itself as the body, with
the RequestID, ErrorCode and ErrorMessage attributes) and to the OnFailure destination of its
event invoke configuration (an SQS queue; Lambda's invocation record), both sent with the
function role's credentials, so with IAM on the role must allow sqs:SendMessage, as in AWS.
Every invocation that failed at least once is journaled (`journal`).

moto keeps no DeadLetterConfig and retries nothing: this module keeps the former on the
function (CreateFunction, UpdateFunctionConfiguration, GetFunctionConfiguration) and does
the latter.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction

from localcloud.clock import Clock
from localcloud.lambda_runtime.workers import InvocationResult
from localcloud.patching import Patcher

LOG = logging.getLogger("localcloud.lambda")
DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE_SECONDS = 6 * 3600
THROTTLE_RETRY_SECONDS = 30.0
_JOURNAL_SIZE = 1000
_ERROR_MESSAGE_BYTES = 1024
ClientFactory = Callable[..., Any]
Credentials = Callable[[str, str], tuple[str, str, str]]


@dataclass(frozen=True)
class Attempt:
    """One asynchronous invocation's progress: its request id, how many times the function
    ran (``invocations``), and when the event arrived (wall-clock, time.monotonic())."""

    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invocations: int = 0
    arrived: float = field(default_factory=time.monotonic)

    def ran(self) -> Attempt:
        return replace(self, invocations=self.invocations + 1)


Rerun = Callable[[Any, str, Attempt], None]


class AsyncFailures:
    """What becomes of an asynchronous invocation that failed: ``rerun`` runs it again."""

    def __init__(
        self,
        clock: Clock,
        client: ClientFactory,
        credentials: Credentials | None,
        rerun: Rerun,
    ) -> None:
        self._clock = clock
        self._client = client
        self._credentials = credentials
        self._rerun = rerun
        self._journal: deque[dict[str, Any]] = deque(maxlen=_JOURNAL_SIZE)
        self._lock = threading.Lock()

    def journal(self) -> list[dict[str, Any]]:
        """The asynchronous invocations that failed at least once, oldest first: function,
        requestId, invocations, outcome (retrying, dead-lettered, dropped), error."""
        with self._lock:
            return [dict(entry) for entry in self._journal]

    def failed(
        self, function: Any, event_json: str, attempt: Attempt, result: InvocationResult
    ) -> None:
        """``attempt`` (the function run ``attempt.invocations`` times, the last included)
        ended in ``result``, an error or a throttle: try again, or give the event up."""
        config = _event_invoke_config(function)
        retries = int(config.get("MaximumRetryAttempts", DEFAULT_RETRIES))
        max_age = float(config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_SECONDS))
        if result.throttled:
            wait, invocations = THROTTLE_RETRY_SECONDS, attempt.invocations - 1
            attempt = replace(attempt, invocations=invocations)
        else:
            wait = 60.0 * attempt.invocations
        age = time.monotonic() - attempt.arrived + self._clock.wall_seconds(wait)
        too_old = age > self._clock.wall_seconds(max_age)
        if (result.throttled or attempt.invocations <= retries) and not too_old:
            self._record(function, attempt, "retrying", result)
            self._clock.after(wait, lambda: self._rerun(function, event_json, attempt))
            return
        condition = "EventAgeExceeded" if too_old else "RetriesExhausted"
        sent = self._dead_letter(function, event_json, attempt, result)
        sent += self._on_failure(function, event_json, attempt, result, condition)
        self._record(function, attempt, "dead-lettered" if sent else "dropped", result)

    # -- where a failed event goes ---------------------------------------------------------------

    def _dead_letter(
        self, function: Any, event_json: str, attempt: Attempt, result: InvocationResult
    ) -> int:
        target = (getattr(function, "dead_letter_config", None) or {}).get("TargetArn")
        if not target:
            return 0

        def attribute(data_type: str, value: str) -> dict[str, str]:
            return {"DataType": data_type, "StringValue": value}

        message = _error_message(result)
        return self._send(
            function,
            target,
            event_json,
            {
                "RequestID": attribute("String", attempt.request_id),
                "ErrorCode": attribute("Number", "200"),
                "ErrorMessage": attribute("String", message),
            },
        )

    def _on_failure(
        self,
        function: Any,
        event_json: str,
        attempt: Attempt,
        result: InvocationResult,
        condition: str,
    ) -> int:
        destination = (
            (_event_invoke_config(function).get("DestinationConfig") or {}).get("OnFailure") or {}
        ).get("Destination")
        if not destination:
            return 0
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "requestContext": {
                "requestId": attempt.request_id,
                "functionArn": f"{function.function_arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": attempt.invocations,
            },
            "requestPayload": _parsed(event_json),
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": _parsed(result.payload),
        }
        return self._send(function, destination, json.dumps(record), {})

    def _send(self, function: Any, queue_arn: str, body: str, attributes: dict[str, Any]) -> int:
        """Send ``body`` to the queue as the function's role: 1 when sent, 0 when not."""
        if ":sqs:" not in queue_arn:
            LOG.warning(
                "%s: only SQS failure targets are emulated (%s)", function.function_name, queue_arn
            )
            return 0
        _, _, _, _, account, name = queue_arn.split(":", 5)
        try:
            # Lambda needs only sqs:SendMessage of the role: the queue's URL is not its call.
            url = self._client("sqs").get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)[
                "QueueUrl"
            ]
            self._sqs_as(function).send_message(
                QueueUrl=url, MessageBody=body, MessageAttributes=attributes
            )
        except (ClientError, BotoCoreError) as error:
            # As in AWS: the event is lost (Lambda counts a DeadLetterErrors metric).
            LOG.warning(
                "%s: could not send its failed event to %s: %s", function.function_name, name, error
            )
            return 0
        return 1

    def _sqs_as(self, function: Any) -> Any:
        if self._credentials is None:
            return self._client("sqs")
        key, secret, token = self._credentials(function.function_name, str(function.role or ""))
        return self._client(
            "sqs", aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token
        )

    def _record(
        self, function: Any, attempt: Attempt, outcome: str, result: InvocationResult
    ) -> None:
        entry = {
            "function": function.function_name,
            "requestId": attempt.request_id,
            "invocations": attempt.invocations,
            "outcome": outcome,
            "error": _error_message(result),
        }
        LOG.log(
            logging.INFO if outcome == "retrying" else logging.WARNING,
            "async invocation of %s: %s after %d (%s)",
            function.function_name,
            outcome,
            attempt.invocations,
            entry["error"],
        )
        with self._lock:
            self._journal.append(entry)


def _event_invoke_config(function: Any) -> dict[str, Any]:
    configs = getattr(function, "event_invoke_config", None) or []
    return dict(configs[0].config) if configs else {}


def _error_message(result: InvocationResult) -> str:
    parsed = _parsed(result.payload)
    text = (
        str(parsed.get("errorMessage") or parsed.get("errorType") or result.payload)
        if isinstance(parsed, dict)
        else result.payload
    )
    return text.encode()[:_ERROR_MESSAGE_BYTES].decode("utf-8", "ignore")


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def keep_dead_letter_config(patcher: Patcher) -> None:
    """moto drops DeadLetterConfig: keep it on the function and answer it back."""
    moto_create = LambdaBackend.create_function
    moto_update = LambdaFunction.update_configuration
    moto_configuration = LambdaFunction.get_configuration

    def create_function(backend: Any, spec: dict[str, Any]) -> Any:
        created: Any = moto_create(backend, spec)
        if spec.get("DeadLetterConfig"):
            stored = backend.get_function(spec["FunctionName"])
            stored.dead_letter_config = dict(spec["DeadLetterConfig"])
            created.dead_letter_config = stored.dead_letter_config
        return created

    def update_configuration(function: Any, updates: dict[str, Any]) -> Any:
        if "DeadLetterConfig" in updates:
            function.dead_letter_config = dict(updates["DeadLetterConfig"] or {})
        return moto_update(function, updates)

    def get_configuration(function: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        configuration: dict[str, Any] = moto_configuration(function, *args, **kwargs)
        if (getattr(function, "dead_letter_config", None) or {}).get("TargetArn"):
            configuration["DeadLetterConfig"] = dict(function.dead_letter_config)
        return configuration

    patcher.replace(LambdaBackend, "create_function", create_function)
    patcher.replace(LambdaFunction, "update_configuration", update_configuration)
    patcher.replace(LambdaFunction, "get_configuration", get_configuration)
