"""A function whose workers all stay busy answers Invoke as Lambda does when its concurrency
is used up: a 429 TooManyRequestsException the caller retries (Step Functions names it
Lambda.TooManyRequestsException, which the workflow's Retry blocks list), not a function
error that ends the execution."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaFunction

from localcloud.lambda_runtime.moto_adapter import install_lambda_runtime
from localcloud.lambda_runtime.workers import InvocationResult
from localcloud.patching import Patcher


class _Busy:
    """The runtime's answer when no worker came free before the deadline."""

    @staticmethod
    def invoke(function: Any, event_json: str) -> InvocationResult:
        payload = json.dumps({"errorType": "TooManyRequestsException", "errorMessage": "Rate"})
        return InvocationResult(payload, True, throttled=True)

    @staticmethod
    def tail(result: InvocationResult) -> str:
        return ""


class _Done(_Busy):
    @staticmethod
    def invoke(function: Any, event_json: str) -> InvocationResult:
        return InvocationResult('{"ok": true}', False)


def _invoke(runtime: Any) -> tuple[Any, dict[str, str]]:
    patcher = Patcher()
    install_lambda_runtime(patcher, runtime)
    try:
        headers: dict[str, str] = {}
        payload = LambdaFunction.invoke(object(), "{}", {}, headers)  # type: ignore[arg-type]
        return payload, headers
    finally:
        patcher.restore()


def test_a_busy_function_refuses_the_invocation_with_a_429() -> None:
    with pytest.raises(LambdaClientError) as refused:
        _invoke(_Busy())
    assert refused.value.code == 429
    assert refused.value.error_type == "TooManyRequestsException"


def test_a_function_that_ran_answers_its_payload() -> None:
    payload, headers = _invoke(_Done())
    assert payload == b'{"ok": true}'
    assert "x-amz-function-error" not in headers
