"""The Lambda runtime behind moto: each invocation runs the real handler in a warm worker."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import site
import sys
import threading
import uuid
import zipfile
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from moto.awslambda.utils import get_backend

from localcloud.lambda_async import AsyncFailures, Attempt
from localcloud.lambda_runtime.workers import (
    InvocationResult,
    TooManyWorkersError,
    Worker,
    WorkerConfig,
    WorkerPool,
)

LOG = logging.getLogger("localcloud.lambda")
_LOG_LINES_KEPT_PER_FUNCTION = 5000
_TAIL_BYTES = 4096
# (function name, role ARN) -> (access key id, secret access key, session token)
CredentialSource = Callable[[str, str], tuple[str, str, str]]
_DUMMY_CREDENTIALS = ("testing", "testing", "testing")


class CodeLocator:
    """Which folder holds a function's (or a layer's) code.

    Template functions run from their source folder (registered by the deployer); functions and
    layers created through the API with a zip are unpacked once into the scratch folder.
    """

    def __init__(self, scratch_dir: Path) -> None:
        self._scratch_dir = scratch_dir
        self._functions: dict[str, Path] = {}
        self._layers: dict[str, Path] = {}
        self._lock = threading.Lock()

    def register_function(self, function_name: str, folder: Path) -> None:
        self._functions[function_name] = folder

    def register_layer(self, layer_version_arn: str, folder: Path) -> None:
        self._layers[layer_version_arn] = folder

    def function_folder(self, function: Any) -> Path:
        registered = self._functions.get(function.function_name)
        if registered is not None:
            return registered
        return self._unpacked(function.code_bytes)

    def layer_folders(self, function: Any) -> list[Path]:
        folders: list[Path] = []
        for layer in function.layers:
            arn = layer["Arn"]
            if arn in self._layers:
                folders.append(self._layers[arn])
                continue
            backend = get_backend(function.account_id, function.region)
            version = backend.layers_versions_by_arn(arn)
            if version is not None and version.code_bytes:
                unpacked = self._unpacked(version.code_bytes)
                # Lambda mounts layers at /opt; Python finds them in /opt/python.
                folders.append(unpacked / "python")
        return folders

    def _unpacked(self, code: bytes) -> Path:
        folder = self._scratch_dir / "code" / hashlib.sha256(code).hexdigest()[:16]
        with self._lock:
            if not folder.is_dir():
                folder.mkdir(parents=True)
                zipfile.ZipFile(io.BytesIO(code)).extractall(folder)
        return folder


class LambdaRuntime:
    """Invokes functions in warm worker processes, one pool per function configuration."""

    def __init__(
        self,
        *,
        endpoint: str,
        region: str,
        scratch_dir: Path,
        verbose: bool = False,
        max_workers_per_function: int = 4,
        async_threads: int = 8,
        time_scale: float = 1.0,
        credentials: CredentialSource | None = None,
    ) -> None:
        """`credentials` gives each function its role's temporary credentials; without it every
        function signs with dummy ones."""
        self.endpoint = endpoint
        self.region = region
        self.code = CodeLocator(scratch_dir)
        self._verbose = verbose
        self._max_workers = max_workers_per_function
        self._time_scale = time_scale
        self._credentials = credentials
        self._pools: dict[WorkerConfig, WorkerPool] = {}
        self._pools_lock = threading.Lock()
        self._logs: dict[str, deque[str]] = {}
        self._cold_starts = 0
        self._async = ThreadPoolExecutor(async_threads, thread_name_prefix="lambda-async")
        self.failures: AsyncFailures | None = None  # set by the cloud
        self._site_packages = [path for path in site.getsitepackages() if os.path.isdir(path)]

    # -- invocation ----------------------------------------------------------------------------

    def invoke(self, function: Any, event_json: str) -> InvocationResult:
        config = self._config_for(function)
        request_id = str(uuid.uuid4())
        pool = self._pool_for(config)
        try:
            worker = pool.acquire(wait_seconds=max(30, config.timeout_seconds))
        except TooManyWorkersError as busy:
            payload = json.dumps(
                {"errorType": "TooManyRequestsException", "errorMessage": str(busy)}
            )
            return InvocationResult(payload, True, throttled=True)
        try:
            result = worker.invoke(event_json, request_id)
        finally:
            pool.release(worker)
        self._save_to_cloudwatch(function, result.log_lines)
        return result

    def invoke_async(self, function: Any, event_json: str) -> None:
        """Asynchronous invocation (EventBridge targets, InvocationType=Event): queued and run
        once; what a failure leads to (retries, the dead-letter queue) is ``failures``'s
        (localcloud/lambda_async.py). Without it, a failure is only logged."""
        self.run_async(function, event_json, Attempt())

    def run_async(self, function: Any, event_json: str, attempt: Attempt) -> None:
        """Run one attempt of an asynchronous invocation on the async threads."""

        def run() -> None:
            ran = attempt.ran()
            result = self.invoke(function, event_json)
            if not result.errored:
                return
            if self.failures is not None:
                self.failures.failed(function, event_json, ran, result)
            else:
                LOG.warning(
                    "async invocation of %s failed: %s", function.function_name, result.payload
                )

        self._async.submit(run)

    # -- configuration -----------------------------------------------------------------------

    def _config_for(self, function: Any) -> WorkerConfig:
        folders = [self.code.function_folder(function), *self.code.layer_folders(function)]
        return WorkerConfig(
            function_name=function.function_name,
            function_arn=function.function_arn,
            function_version=str(function.version),
            handler=function.handler,
            runtime=str(function.run_time),
            memory_size=int(function.memory_size),
            timeout_seconds=int(function.timeout),
            import_paths=tuple(str(folder) for folder in folders),
            environment=tuple(sorted((function.environment_vars or {}).items())),
            time_scale=self._time_scale,
            role_arn=str(function.role or ""),
        )

    def _environment(self, config: WorkerConfig) -> dict[str, str]:
        """The function's variables under Lambda's reserved ones, pointed at the local endpoint."""
        key_id, secret, token = (
            self._credentials(config.function_name, config.role_arn)
            if self._credentials is not None
            else _DUMMY_CREDENTIALS
        )
        reserved = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": config.import_paths[0],
            "LAMBDA_RUNTIME_DIR": str(Path(sys.executable).parent),
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": config.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": config.function_version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.function_name}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "_HANDLER": config.handler,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": key_id,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_SESSION_TOKEN": token,
            "AWS_ENDPOINT_URL": self.endpoint,
            # No developer profile or config may leak into a function.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            # As under `sam local invoke`: Powertools turns X-Ray tracing off (no daemon here).
            "AWS_SAM_LOCAL": "true",
        }
        return {**dict(config.environment), **reserved}

    def _pool_for(self, config: WorkerConfig) -> WorkerPool:
        with self._pools_lock:
            pool = self._pools.get(config)
            if pool is not None:
                return pool
            stale = [old for old in self._pools if old.function_name == config.function_name]
            for old in stale:  # the function was reconfigured: retire its old environments
                self._pools.pop(old).close()
            pool = WorkerPool(lambda: self._spawn(config), self._max_workers)
            self._pools[config] = pool
            return pool

    def _spawn(self, config: WorkerConfig) -> Worker:
        name = config.function_name
        with self._pools_lock:
            self._cold_starts += 1

        def on_log_line(line: str) -> None:
            self._logs.setdefault(name, deque(maxlen=_LOG_LINES_KEPT_PER_FUNCTION)).append(line)
            if self._verbose:
                sys.stderr.write(f"[{name}] {line}\n")

        return Worker(config, self._environment(config), self._site_packages, on_log_line)

    @property
    def cold_starts(self) -> int:
        """Worker processes started so far: Lambda's init phases, one per execution
        environment."""
        with self._pools_lock:
            return self._cold_starts

    # -- logs ----------------------------------------------------------------------------------

    def logs(self, function_name: str) -> list[str]:
        return list(self._logs.get(function_name, ()))

    @staticmethod
    def tail(result: InvocationResult) -> str:
        """The `LogType=Tail` header value: base64 of the last 4 KB of the invocation's log."""
        text = "\n".join(result.log_lines).encode()[-_TAIL_BYTES:]
        return base64.b64encode(text).decode()

    @staticmethod
    def _save_to_cloudwatch(function: Any, lines: list[str]) -> None:
        """Also write the lines to CloudWatch Logs (`aws logs tail /aws/lambda/<fn>` works)."""
        if not lines:
            return
        try:
            function.logs_backend.ensure_log_group(function.logs_group_name)
            function.save_logs("\n".join(lines))
        except Exception:  # logs are a courtesy: the invocation's result stands
            LOG.debug("could not save logs of %s", function.function_name, exc_info=True)

    # -- shutdown --------------------------------------------------------------------------------

    def shutdown(self) -> None:
        self._async.shutdown(wait=False, cancel_futures=True)
        with self._pools_lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()
