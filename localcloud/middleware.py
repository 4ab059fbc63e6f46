"""The HTTP layer in front of moto: API call counting, fault injection and the control API.

Everything that talks to the local cloud goes through here (tests' boto3, the handlers in their
workers, the Step Functions engine, the AWS CLI), so every client sees the same faults and
every call is counted.

Control API (reserved path prefix `/_localcloud/`):

    GET    /_localcloud/health   {"status": "ok"}
    GET    /_localcloud/calls    {"calls": {"ecs:UpdateService": 3, ...}}
    DELETE /_localcloud/calls    reset the counters
    GET    /_localcloud/faults   {"faults": [...]} still active
    POST   /_localcloud/faults   add faults (one JSON object or a list, see faults.py)
    DELETE /_localcloud/faults   remove every fault
    GET    /_localcloud/stack    endpoint, region, account, outputs, resources
    GET    /_localcloud/events   recent events published on the buses
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from localcloud.api_calls import ApiCall, identify_call
from localcloud.error_responses import ErrorResponse, render_error, send_error
from localcloud.errors import FaultSpecError
from localcloud.faults import ApiFault, FaultBook, fault_to_dict, parse_faults_json

CONTROL_PREFIX = "/_localcloud/"
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
# Decides a call: None lets it through, an error response refuses it.
Authorize = Callable[[dict[str, Any], ApiCall], ErrorResponse | None]


class CallCounter:
    """Counts API calls by `service:Action`."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def record(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


def peek_body(environ: dict[str, Any]) -> bytes:
    """The request body; put back for the service to read."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    return raw


def _drained(body: Iterable[bytes]) -> list[bytes]:
    """A WSGI body read to its end (and closed), so the call is complete before it is held."""
    try:
        return list(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def _respond(start_response: StartResponse, status: int, document: Any = None) -> list[bytes]:
    reasons = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 404: "Not Found"}
    body = b"" if document is None else json.dumps(document, default=str).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(f"{status} {reasons.get(status, '')}".strip(), headers)
    return [body]


class LocalCloudMiddleware:
    def __init__(
        self,
        app: WsgiApp,
        *,
        faults: FaultBook,
        calls: CallCounter,
        stack_info: Callable[[], dict[str, Any]],
        recent_events: Callable[[], list[dict[str, Any]]],
    ) -> None:
        self._app = app
        self._faults = faults
        self._calls = calls
        self._stack_info = stack_info
        self._recent_events = recent_events

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self._control(environ, start_response, path[len(CONTROL_PREFIX) :].strip("/"))
        call = identify_call(environ)
        if call is not None:
            self._calls.record(call.name)
            wanted = self._faults.wants_bodies()
            body = peek_body(environ).decode("utf-8", errors="replace") if wanted else ""
            fault = self._faults.take_api_fault(call.name, environ.get("HTTP_USER_AGENT", ""), body)
            if fault is not None:
                return self._inject(fault, call.protocol, environ, start_response)
        return self._app(environ, start_response)

    def _inject(
        self, fault: ApiFault, protocol: str, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        if fault.error is None:  # a late answer: the call is made, its answer held back
            answer = _drained(self._app(environ, start_response))
            time.sleep(fault.delay or 0)
            return answer
        if fault.delay:
            time.sleep(fault.delay)
        error = render_error(protocol, fault.error, fault.error_message, fault.http_status)
        return send_error(start_response, error, "Injected Fault")

    def _control(
        self, environ: dict[str, Any], start_response: StartResponse, resource: str
    ) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if resource == "health" and method == "GET":
            return _respond(start_response, 200, {"status": "ok"})
        if resource == "calls":
            return self._control_calls(method, start_response)
        if resource == "faults":
            return self._control_faults(environ, method, start_response)
        if resource == "stack" and method == "GET":
            return _respond(start_response, 200, self._stack_info())
        if resource == "events" and method == "GET":
            return _respond(start_response, 200, {"events": self._recent_events()})
        return _respond(
            start_response, 404, {"message": f"no such control resource: {method} {resource}"}
        )

    def _control_calls(self, method: str, start_response: StartResponse) -> list[bytes]:
        if method == "DELETE":
            self._calls.reset()
            return _respond(start_response, 204)
        return _respond(start_response, 200, {"calls": self._calls.snapshot()})

    def _control_faults(
        self, environ: dict[str, Any], method: str, start_response: StartResponse
    ) -> list[bytes]:
        if method == "DELETE":
            self._faults.clear()
            return _respond(start_response, 204)
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                added = parse_faults_json(environ["wsgi.input"].read(length))
            except FaultSpecError as error:
                return _respond(start_response, 400, {"message": str(error)})
            self._faults.add(*added)
            return _respond(
                start_response, 201, {"faults": [fault_to_dict(fault) for fault in added]}
            )
        return _respond(start_response, 200, {"faults": self._faults.describe()})


class AuthorizationMiddleware:
    """Refuses the calls `authorize` denies before they reach the service (IAM, localcloud/iam.py);
    it sits behind the counting and the call log, so refused calls are counted and logged."""

    def __init__(self, app: WsgiApp, *, authorize: Authorize) -> None:
        self._app = app
        self._authorize = authorize

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        call = identify_call(environ)
        denial = self._authorize(environ, call) if call is not None else None
        if denial is None:
            return self._app(environ, start_response)
        return send_error(start_response, denial, "Access Denied")
