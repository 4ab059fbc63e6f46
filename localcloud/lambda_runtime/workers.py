"""Warm worker processes: one Lambda execution environment each, a small pool per function."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
_REPORT_GRACE_SECONDS = 1.0
_EXIT_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class WorkerConfig:
    """Everything that shapes an execution environment; a change means fresh workers."""

    function_name: str
    function_arn: str
    function_version: str
    handler: str
    runtime: str
    memory_size: int
    timeout_seconds: int
    import_paths: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]
    time_scale: float = 1.0  # the local cloud's clock: a handler's sleeps are compressed too
    role_arn: str = ""  # the execution role: its credentials sign the handler's calls


@dataclass
class InvocationResult:
    payload: str
    errored: bool
    log_lines: list[str] = field(default_factory=list)
    throttled: bool = False  # no worker came free: Lambda refuses the invocation (429)


@dataclass
class _Invocation:
    request_id: str
    lines: list[str] = field(default_factory=list)
    reported: threading.Event = field(default_factory=threading.Event)


def _error(error_type: str, message: str) -> str:
    return json.dumps({"errorType": error_type, "errorMessage": message})


class Worker:
    """A subprocess running `worker.py` for one function configuration."""

    def __init__(
        self,
        config: WorkerConfig,
        environment: dict[str, str],
        site_packages: list[str],
        on_log_line: Callable[[str], None],
    ) -> None:
        self.config = config
        self._on_log_line = on_log_line
        self._responses: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._current: _Invocation | None = None
        self.log_stream_name = (
            f"{datetime.now(UTC):%Y/%m/%d}/[{config.function_version}]{uuid.uuid4().hex}"
        )
        self._process, self._requests = self._spawn(environment, site_packages)

    def _spawn(
        self, environment: dict[str, str], site_packages: list[str]
    ) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
        request_read, request_write = os.pipe()
        response_read, response_write = os.pipe()
        worker_config = {
            "function_name": self.config.function_name,
            "function_arn": self.config.function_arn,
            "function_version": self.config.function_version,
            "handler": self.config.handler,
            "memory_size": self.config.memory_size,
            "log_group_name": f"/aws/lambda/{self.config.function_name}",
            "log_stream_name": self.log_stream_name,
            "import_paths": list(self.config.import_paths),
            "site_packages": site_packages,
            "time_scale": self.config.time_scale,
        }
        command = [sys.executable, "-I", "-S", "-u", str(WORKER_SCRIPT)]
        command += [str(request_read), str(response_write), json.dumps(worker_config)]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**environment, "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream_name},
            cwd=self.config.import_paths[0],
            pass_fds=(request_read, response_write),
            # Its own process group: a timeout kills the handler's children too.
            start_new_session=True,
        )
        os.close(request_read)
        os.close(response_write)
        threading.Thread(target=self._read_logs, args=(process.stdout,), daemon=True).start()
        threading.Thread(target=self._read_responses, args=(response_read,), daemon=True).start()
        return process, os.fdopen(request_write, "wb")

    def _read_logs(self, stream: IO[bytes]) -> None:
        for raw in stream:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            current = self._current
            if current is not None:
                current.lines.append(line)
                if line.startswith(f"REPORT RequestId: {current.request_id}"):
                    current.reported.set()
            self._on_log_line(line)

    def _read_responses(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as responses:
            for raw in responses:
                self._responses.put(json.loads(raw))
        self._responses.put(None)  # the worker exited

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def invoke(self, event_json: str, request_id: str) -> InvocationResult:
        invocation = _Invocation(request_id)
        self._current = invocation
        try:
            response = self._send_and_wait(event_json, request_id)
        except queue.Empty:
            self.kill()
            return self._timed_out(invocation)
        if response is None:
            return self._exited(invocation)
        invocation.reported.wait(_REPORT_GRACE_SECONDS)
        return InvocationResult(response["payload"], bool(response["errored"]), invocation.lines)

    def _send_and_wait(self, event_json: str, request_id: str) -> dict[str, Any] | None:
        timeout = self.config.timeout_seconds
        request = {
            "request_id": request_id,
            "event": event_json,
            "deadline_ms": int((time.time() + timeout) * 1000),
        }
        try:
            self._requests.write(json.dumps(request).encode() + b"\n")
            self._requests.flush()
        except OSError:  # the worker is gone (broken pipe)
            return None
        return self._responses.get(timeout=timeout)

    def _timed_out(self, invocation: _Invocation) -> InvocationResult:
        seconds = f"{self.config.timeout_seconds:.2f}"
        stamp = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%fZ}"
        line = f"{stamp} {invocation.request_id} Task timed out after {seconds} seconds"
        invocation.lines.append(line)
        self._on_log_line(line)
        message = (
            f"RequestId: {invocation.request_id} Error: Task timed out after {seconds} seconds"
        )
        return InvocationResult(_error("Sandbox.Timedout", message), True, invocation.lines)

    def _exited(self, invocation: _Invocation) -> InvocationResult:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=_EXIT_GRACE_SECONDS)
        status = f"exit status {self._process.returncode}"
        message = f"RequestId: {invocation.request_id} Error: Runtime exited with error: {status}"
        return InvocationResult(_error("Runtime.ExitError", message), True, invocation.lines)

    def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=_EXIT_GRACE_SECONDS)
        with contextlib.suppress(OSError):
            self._requests.close()


class TooManyWorkersError(Exception):
    """Every worker of the function stayed busy until the deadline."""


class WorkerPool:
    """Warm workers of one function configuration; grows up to `max_size` under concurrency."""

    def __init__(self, spawn: Callable[[], Worker], max_size: int) -> None:
        self._spawn = spawn
        self._max_size = max_size
        self._idle: list[Worker] = []
        self._workers: set[Worker] = set()
        self._starting = 0
        self._closed = False
        self._changed = threading.Condition()

    def acquire(self, wait_seconds: float) -> Worker:
        deadline = time.monotonic() + wait_seconds
        with self._changed:
            while True:
                self._forget_dead_idle_workers()
                if self._closed:
                    raise TooManyWorkersError("the local cloud is shutting down")
                if self._idle:
                    return self._idle.pop()
                if len(self._workers) + self._starting < self._max_size:
                    self._starting += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TooManyWorkersError("Rate Exceeded.")
                self._changed.wait(remaining)
        worker: Worker | None = None
        try:
            worker = self._spawn()
        finally:
            with self._changed:
                self._starting -= 1
                if worker is not None:
                    self._workers.add(worker)
                self._changed.notify()
        return worker

    def _forget_dead_idle_workers(self) -> None:
        for worker in [worker for worker in self._idle if not worker.alive]:
            self._idle.remove(worker)
            self._workers.discard(worker)

    def release(self, worker: Worker) -> None:
        with self._changed:
            keep = worker.alive and not self._closed
            if keep:
                self._idle.append(worker)
            else:
                self._workers.discard(worker)
            self._changed.notify()
        if not keep:
            worker.kill()

    def close(self) -> None:
        """Kill every worker, busy ones included: no process outlives the local cloud."""
        with self._changed:
            self._closed = True
            workers, self._workers, self._idle = list(self._workers), set(), []
            self._changed.notify_all()
        for worker in workers:
            worker.kill()
