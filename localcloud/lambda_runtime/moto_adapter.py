"""Plug the runtime into moto's Lambda: its Docker-based invoke is replaced.

Step Functions (`lambda:invoke` and plain function ARNs), `lambda.invoke` and moto's own event
sources all end up in `LambdaFunction.invoke` or `LambdaFunction._invoke_lambda`.
"""

from __future__ import annotations

import json
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaFunction

from localcloud.lambda_runtime.runtime import LambdaRuntime
from localcloud.patching import Patcher


def install_lambda_runtime(patcher: Patcher, runtime: LambdaRuntime) -> None:
    def invoke(
        function: Any, body: str, request_headers: Any, response_headers: Any
    ) -> bytes | str:
        event_json = body or "{}"
        invocation_type = (request_headers or {}).get("x-amz-invocation-type", "RequestResponse")
        if invocation_type == "Event":
            runtime.invoke_async(function, event_json)
            return ""  # moto answers 202 Accepted
        if invocation_type == "DryRun":
            return ""
        result = runtime.invoke(function, event_json)
        if result.throttled:
            # As Lambda answers when the function's concurrency is used up: a 429 the caller
            # retries (Step Functions names it Lambda.TooManyRequestsException), not a
            # function error.
            raise _TooManyRequests(json.loads(result.payload)["errorMessage"])
        if result.errored:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-log-result"] = runtime.tail(result)
        return result.payload.encode()

    def invoke_lambda(function: Any, event: Any = None) -> tuple[str, bool, str]:
        event_json = event if isinstance(event, str) else json.dumps({} if event is None else event)
        result = runtime.invoke(function, event_json)
        return result.payload, result.errored, "\n".join(result.log_lines)

    patcher.replace(LambdaFunction, "invoke", invoke)
    patcher.replace(LambdaFunction, "_invoke_lambda", invoke_lambda)


class _TooManyRequests(LambdaClientError):
    code = 429

    def __init__(self, message: str) -> None:
        super().__init__("TooManyRequestsException", message)
