"""One Lambda execution environment: a fresh interpreter that imports one handler and serves it.

Run as a script (never imported by the local cloud), with `python -I -S -u worker.py REQ RESP
CONFIG`: `-I -S` keep the parent's environment, `sys.path` and `.pth` hooks out, so only the
function's folder, its layers and the plain site-packages are importable, as in Lambda.
Requests and responses are JSON lines on two inherited pipes; the handler's stdout/stderr are
the function's log, read by the parent. Sleeps are compressed by the cloud's time scale.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
import traceback
from typing import Any, SupportsIndex


class LambdaContext:
    """The attributes Lambda's Python runtime passes as `context` (and Powertools reads)."""

    def __init__(self, config: dict[str, Any], request: dict[str, Any]) -> None:
        self.function_name: str = config["function_name"]
        self.function_version: str = config["function_version"]
        self.invoked_function_arn: str = config["function_arn"]
        self.memory_limit_in_mb: int = int(config["memory_size"])
        self.aws_request_id: str = request["request_id"]
        self.log_group_name: str = config["log_group_name"]
        self.log_stream_name: str = config["log_stream_name"]
        self.identity = None
        self.client_context = None
        self._deadline_ms: int = int(request["deadline_ms"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(CLOCK.now() * 1000))


class HandlerLoadError(Exception):
    """The handler could not be loaded; `error_type` is the name Lambda reports."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def load_handler(handler: str) -> Any:
    module_path, _, function_name = handler.rpartition(".")
    if not module_path:
        raise HandlerLoadError("Runtime.MalformedHandlerName", f"Bad handler '{handler}'")
    try:
        module = importlib.import_module(module_path.replace("/", "."))
    except ImportError as error:
        raise HandlerLoadError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_path}': {error}"
        ) from error
    except SyntaxError as error:
        raise HandlerLoadError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_path}': {error}"
        ) from error
    function = getattr(module, function_name, None)
    if function is None:
        raise HandlerLoadError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_path}'",
        )
    return function


def error_payload(error: BaseException, error_type: str | None = None) -> dict[str, Any]:
    """Lambda's error document; the stack trace shows the user's frames, not this runner's."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename != __file__ and "importlib" not in frame.filename
    ]
    return {
        "errorMessage": str(error),
        "errorType": error_type or type(error).__name__,
        "stackTrace": traceback.format_list(frames),
    }


def _emit(line: str, stream: Any = None) -> None:
    """Write one runtime log line (the runtime's own lines, beside the handler's)."""
    (stream or sys.stdout).write(line + "\n")


def _log_error(payload: dict[str, Any]) -> None:
    """The runtime's own error line, as it appears in CloudWatch."""
    _emit(f"[ERROR] {payload['errorType']}: {payload['errorMessage']}", sys.stderr)
    _emit("Traceback (most recent call last):", sys.stderr)
    sys.stderr.write("".join(payload["stackTrace"]))


def run_handler(handler: Any, event: Any, context: LambdaContext) -> dict[str, Any]:
    try:
        result = handler(event, context)
    except Exception as error:  # noqa: BLE001 - any handler failure is the invocation's error
        payload = error_payload(error)
        _log_error(payload)
        return {"errored": True, "payload": json.dumps(payload)}
    try:
        return {"errored": False, "payload": json.dumps(result)}
    except (TypeError, ValueError) as error:
        payload = error_payload(error, "Runtime.MarshalError")
        payload["errorMessage"] = f"Unable to marshal response: {error}"
        _log_error(payload)
        return {"errored": True, "payload": json.dumps(payload)}


def _max_memory_mb() -> int:
    """Peak resident memory of this environment (ru_maxrss would count the parent's, pre-exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _report(request_id: str, started: float, memory_size: int) -> None:
    duration_ms = (time.monotonic() - started) * 1000
    max_memory_mb = _max_memory_mb()
    _emit(f"END RequestId: {request_id}")
    _emit(
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {int(duration_ms) + 1} ms\tMemory Size: {memory_size} MB\t"
        f"Max Memory Used: {max_memory_mb} MB"
    )


def serve(requests: Any, responses: Any, config: dict[str, Any]) -> None:
    try:
        handler = load_handler(config["handler"])
        init_error: dict[str, Any] | None = None
    except HandlerLoadError as error:
        handler, init_error = None, error_payload(error, error.error_type)
    except Exception as error:  # noqa: BLE001 - raised by the user's module at import time
        handler, init_error = None, error_payload(error)
    for line in requests:
        request = json.loads(line)
        _emit(f"START RequestId: {request['request_id']} Version: {config['function_version']}")
        started = time.monotonic()
        if init_error is not None:
            _log_error(init_error)
            outcome = {"errored": True, "payload": json.dumps(init_error)}
        else:
            CLOCK.start(int(request["deadline_ms"]))
            context = LambdaContext(config, request)
            outcome = run_handler(handler, json.loads(request["event"]), context)
        sys.stdout.flush()
        sys.stderr.flush()
        _report(request["request_id"], started, int(config["memory_size"]))
        responses.write(
            json.dumps({"request_id": request["request_id"], **outcome}).encode() + b"\n"
        )
        responses.flush()
        if init_error is not None:
            return  # Lambda retries initialisation in a fresh environment next time.


class CompressedTime:
    """The local cloud's clock runs `1 / time_scale` times faster than the wall clock: a handler
    (or a boto3 waiter, or botocore's retry back-off) that sleeps N seconds waits N * time_scale,
    the time the cloud needs to move N simulated seconds on. The invocation's clock counts the
    full N: `get_remaining_time_in_millis` shrinks by N, and a sleep that would outlast the
    function's Timeout hangs until the runtime kills the sandbox, as Lambda would. The wall clock
    a handler reads (`time.time()`) stays real, so what it writes agrees with the cloud's
    timestamps."""

    def __init__(self, time_scale: float) -> None:
        self.time_scale = time_scale
        self.skipped = 0.0  # simulated seconds slept beyond the real time they took
        self.deadline = float("inf")  # time.time() at which the invocation times out
        self._real_sleep = time.sleep

    def start(self, deadline_ms: int) -> None:
        self.skipped, self.deadline = 0.0, deadline_ms / 1000

    def now(self) -> float:
        return time.time() + self.skipped

    def sleep(self, seconds: float | SupportsIndex) -> None:
        wanted = max(0.0, float(seconds))
        if self.now() + wanted > self.deadline:
            self._real_sleep(max(0.0, self.deadline - time.time()) + 60)  # killed meanwhile
            return
        self._real_sleep(wanted * self.time_scale)
        self.skipped += wanted * (1 - self.time_scale)

    def install(self) -> None:
        if self.time_scale != 1.0:
            time.sleep = self.sleep


CLOCK = CompressedTime(1.0)


def main() -> None:
    request_fd, response_fd = int(sys.argv[1]), int(sys.argv[2])
    config = json.loads(sys.argv[3])
    CLOCK.time_scale = float(config.get("time_scale", 1.0))
    CLOCK.install()
    sys.path[:0] = config["import_paths"]
    sys.path.extend(config["site_packages"])
    os.chdir(config["import_paths"][0])
    with os.fdopen(request_fd, "rb") as requests, os.fdopen(response_fd, "wb") as responses:
        serve(requests, responses, config)


if __name__ == "__main__":
    main()
