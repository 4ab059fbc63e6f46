"""`LocalCloud`: moto on 127.0.0.1 plus what moto lacks, deployed from a SAM template."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
from botocore.config import Config
from moto.core.config import default_user_config
from moto.moto_api._internal.models import moto_api_backend

from ecsdrop.partitions import partition_of
from localcloud.clock import Clock, Profile, profile_named
from localcloud.ec2 import Ec2Emulation
from localcloud.ecr import install_push_events
from localcloud.ecs import EcsServices
from localcloud.ecs_roles import EcsRoles
from localcloud.elbv2 import Elbv2Emulation, TargetHealth
from localcloud.errors import LocalCloudError
from localcloud.events import EventRouter
from localcloud.faults import Fault, FaultBook, load_faults
from localcloud.iam import Authorizer, RoleSessions
from localcloud.lambda_async import AsyncFailures, keep_dead_letter_config
from localcloud.lambda_runtime.moto_adapter import install_lambda_runtime
from localcloud.lambda_runtime.runtime import LambdaRuntime
from localcloud.metering import CallLog, LoggedCall, MeteringMiddleware, RateLimit, Throttle
from localcloud.middleware import (
    AuthorizationMiddleware,
    CallCounter,
    LocalCloudMiddleware,
    WsgiApp,
)
from localcloud.moto_pin import check_moto_version
from localcloud.patching import Patcher
from localcloud.quotas import Quotas
from localcloud.s3_policies import install_bucket_policy_context
from localcloud.scheduler import SchedulerEmulation
from localcloud.server import HttpServer, moto_application
from localcloud.stepfunctions import install_engine_patches
from localcloud.template.context import DeployContext
from localcloud.template.deployer import StackDeployment, deploy_template
from localcloud.template.sam import LocalArtifacts

ACCOUNT_ID = "123456789012"
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
_QUIET_LOGGERS = ("moto.stepfunctions.parser", "werkzeug")


class LocalCloud:
    """An AWS emulator on 127.0.0.1 running a SAM template's real resources and handlers.

    One per process (moto's state is process-wide). Use as a context manager, or call `start()`
    and `stop()`. See localcloud/README.md.
    """

    _running: LocalCloud | None = None
    _running_lock = threading.Lock()

    def __init__(
        self,
        template: str | Path | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        region: str = "us-east-1",
        parameters: Mapping[str, Any] | None = None,
        stack_name: str = "localcloud",
        faults: str | Path | list[Any] | None = None,
        time_scale: float = 1.0,
        profile: str | Profile = "realistic",
        rollout_seconds: float | None = None,
        verbose: bool = False,
        max_workers_per_function: int = 4,
        rate_limits: Mapping[str, RateLimit | Mapping[str, Any]] | None = None,
        iam: bool = True,
        quotas: Mapping[str, int] | None = None,
    ) -> None:
        self._template = Path(template) if template is not None else None
        self._port = port
        self._host = host
        self.region = region
        self.account_id = ACCOUNT_ID
        self._parameters = dict(parameters or {})
        self.stack_name = stack_name
        self._initial_faults = load_faults(faults)
        self._time_scale = time_scale
        self._profile = profile_named(profile, rollout_seconds)
        self._verbose = verbose
        self._max_workers = max_workers_per_function
        self._faults = FaultBook()
        self._calls = CallCounter()
        self._call_log = CallLog()
        self._throttle = Throttle(rate_limits)
        self._iam = iam
        self._quotas = Quotas(quotas)
        self._ecs: EcsServices | None = None
        self._scheduler: SchedulerEmulation | None = None
        self._patcher = Patcher()
        self._clock = Clock(time_scale, self._profile)
        self._deployment = StackDeployment(stack_name, {}, {}, {})
        self._server: HttpServer | None = None
        self._runtime: LambdaRuntime | None = None
        self._router: EventRouter | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._saved_settings: dict[str, Any] = {}
        # One session: its loader caches botocore's service models across clients.
        self._session = boto3.session.Session()
        self._session_lock = threading.Lock()
        self.endpoint = ""

    # -- life cycle ------------------------------------------------------------------------------

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> LocalCloud:
        check_moto_version()  # before anything reaches into moto's internals
        with LocalCloud._running_lock:
            if LocalCloud._running is not None:
                raise LocalCloudError("a LocalCloud is already running in this process")
            LocalCloud._running = self
        try:
            self._start_emulator()
            if self._template is not None:
                self._deployment = self._deploy(self._template)
                self._register_stack()
            self.reset_calls()  # benchmarks count the workload's calls, not the deployment's
            self._faults.add(*self._initial_faults)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_emulator(self) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="localcloud-")
        self._clock = Clock(self._time_scale, self._profile)
        self._configure_moto()
        sessions = RoleSessions(self.account_id, self.region, partition_of(self.region))
        service: WsgiApp = moto_application()
        authorizer = Authorizer(sessions, self.account_id, partition_of(self.region))
        if self._iam:  # each function signs as its role; its calls are authorized
            service = AuthorizationMiddleware(service, authorize=authorizer)
        app = LocalCloudMiddleware(
            MeteringMiddleware(service, log=self._call_log, throttle=self._throttle),
            faults=self._faults,
            calls=self._calls,
            stack_info=self.stack_info,
            recent_events=self.events,
        )
        self._server = HttpServer(app, self._host, self._port)
        self._port = self._server.port
        # moto's Step Functions engine calls Lambda at http://localhost:$MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self._port)
        connect_host = "127.0.0.1" if self._host in ("0.0.0.0", "") else self._host
        self.endpoint = f"http://{connect_host}:{self._port}"
        self._runtime = LambdaRuntime(
            endpoint=self.endpoint,
            region=self.region,
            scratch_dir=Path(self._scratch.name),
            verbose=self._verbose,
            max_workers_per_function=self._max_workers,
            time_scale=self._time_scale,
            credentials=sessions.credentials_for if self._iam else None,
        )
        self._runtime.failures = AsyncFailures(
            self._clock,
            self.client,
            sessions.credentials_for if self._iam else None,
            rerun=self._runtime.run_async,
        )
        self._router = EventRouter(self._faults, self._runtime.invoke_async, self._clock)
        install_lambda_runtime(self._patcher, self._runtime)
        keep_dead_letter_config(self._patcher)
        self._router.install(self._patcher)
        install_push_events(self._patcher, self._router)
        Ec2Emulation(self._clock, self._quotas).install(self._patcher)
        Elbv2Emulation(self._clock, self._quotas).install(self._patcher)
        targets = TargetHealth(self._clock)
        targets.install(self._patcher)
        self._ecs = EcsServices(self._router, self._faults, self._clock, targets)
        self._ecs.roles = EcsRoles(self.client, sessions, authorizer if self._iam else None)
        self._ecs.install(self._patcher)
        install_engine_patches(self._patcher, self._time_scale)
        self._scheduler = SchedulerEmulation(
            self._clock,
            self.client,
            account_id=self.account_id,
            region=self.region,
            partition=partition_of(self.region),
            sessions=sessions,
            authorizer=authorizer if self._iam else None,
        )
        self._scheduler.install(self._patcher)
        install_bucket_policy_context(self._patcher)
        self._server.start()

    def _configure_moto(self) -> None:
        moto_api_backend.reset()
        self._saved_settings = {
            "MOTO_PORT": os.environ.get("MOTO_PORT"),
            "execute_state_machine": default_user_config["stepfunctions"]["execute_state_machine"],
            "load_aws_managed_policies": default_user_config["iam"]["load_aws_managed_policies"],
            "log_levels": {name: logging.getLogger(name).level for name in _QUIET_LOGGERS},
        }
        default_user_config["stepfunctions"]["execute_state_machine"] = True
        # SAM attaches AWS managed policies (AWSLambdaBasicExecutionRole…): they must exist.
        default_user_config["iam"]["load_aws_managed_policies"] = True
        if not self._verbose:
            # The engine logs every caught state failure as an ERROR; that is normal flow here.
            for name in _QUIET_LOGGERS:
                logging.getLogger(name).setLevel(logging.CRITICAL)

    def stop(self) -> None:
        """Stop everything this cloud started: timers, server, workers, patches, moto state."""
        self._clock.cancel_all()
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._runtime is not None:
            self._runtime.shutdown()
            self._runtime = None
        self._patcher.restore()
        self._restore_moto()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
        with LocalCloud._running_lock:
            if LocalCloud._running is self:
                LocalCloud._running = None

    def _restore_moto(self) -> None:
        if not self._saved_settings:
            return

        moto_api_backend.reset()
        default_user_config["stepfunctions"]["execute_state_machine"] = self._saved_settings[
            "execute_state_machine"
        ]
        default_user_config["iam"]["load_aws_managed_policies"] = self._saved_settings[
            "load_aws_managed_policies"
        ]
        if self._saved_settings["MOTO_PORT"] is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = self._saved_settings["MOTO_PORT"]
        for name, level in self._saved_settings["log_levels"].items():
            logging.getLogger(name).setLevel(level)
        self._saved_settings = {}

    def _deploy(self, template: Path) -> StackDeployment:
        assert self._runtime is not None and self._scratch is not None
        runtime, scratch = self._runtime, Path(self._scratch.name)

        def context(artifacts: LocalArtifacts) -> DeployContext:
            return DeployContext(
                stack_name=self.stack_name,
                account_id=self.account_id,
                region=self.region,
                partition=partition_of(self.region),
                artifacts=artifacts,
                code_registry=runtime.code,
                scratch_dir=scratch,
                client=self.client,
            )

        return deploy_template(
            template.resolve(),
            parameters=self._parameters,
            stack_name=self.stack_name,
            account_id=self.account_id,
            region=self.region,
            ctx_factory=context,
        )

    def _register_stack(self) -> None:
        """Record the deployment as a CloudFormation stack with its outputs, so tools find the
        installation the way they do in AWS (`aws cloudformation describe-stacks`)."""
        outputs = {
            _output_key(name): {"Value": str(value)}
            for name, value in self._deployment.outputs.items()
        }
        body = {
            "Resources": {"Deployed": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": outputs,
        }
        with warnings.catch_warnings():  # moto notes it does not model the placeholder
            warnings.simplefilter("ignore", UserWarning)
            self.client("cloudformation").create_stack(
                StackName=self.stack_name, TemplateBody=json.dumps(body)
            )

    # -- what was deployed -----------------------------------------------------------------------

    @property
    def outputs(self) -> dict[str, Any]:
        """The template's Outputs, resolved."""
        return dict(self._deployment.outputs)

    @property
    def resources(self) -> dict[str, str]:
        """Logical id → physical id (what `Ref` returns) of every deployed resource."""
        return dict(self._deployment.resources)

    @property
    def resource_types(self) -> dict[str, str]:
        return dict(self._deployment.resource_types)

    @property
    def warnings(self) -> list[str]:
        """Template properties the local cloud does not emulate, and skipped resources."""
        return list(self._deployment.warnings)

    def stack_info(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "region": self.region,
            "account": self.account_id,
            "stack_name": self.stack_name,
            "outputs": self.outputs,
            "resources": self.resources,
        }

    # -- clients ---------------------------------------------------------------------------------

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for `service` pointed at the local endpoint with dummy credentials."""
        options: dict[str, Any] = {"region_name": self.region, "endpoint_url": self.endpoint}
        options.update(DUMMY_CREDENTIALS)
        options.setdefault("config", Config(retries={"mode": "standard"}))
        options.update(kwargs)
        with self._session_lock:  # creating clients from one session is not thread-safe
            create: Any = self._session.client  # any service name, not only boto3-stubs' literals
            return create(service, **options)

    def environment(self) -> dict[str, str]:
        """Environment variables that point the AWS CLI or an SDK in a subprocess here."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }

    # -- observation and faults ------------------------------------------------------------------

    def calls(self) -> dict[str, int]:
        """API calls received since start (or the last reset), by `service:Action`."""
        return self._calls.snapshot()

    def reset_calls(self) -> None:
        """Zero the counters and empty the call log."""
        self._calls.reset()
        self._call_log.reset()

    def call_log(self) -> list[LoggedCall]:
        """API calls since start (or the last reset), oldest first: time, `service:Action`,
        caller (the signature's access key id) and whether a rate limit refused it."""
        return self._call_log.entries()

    def set_rate_limits(self, limits: Mapping[str, RateLimit | Mapping[str, Any]]) -> None:
        """Replace the rate limits (`{"ecs:UpdateService": {"rate": 5, "burst": 50}}`): full
        buckets, refusal counts zeroed; `{}` removes every limit."""
        self._throttle.configure(limits)

    def throttled(self) -> dict[str, int]:
        """Calls refused by the rate limits since they were set, by `service:Action`."""
        return self._throttle.refused()

    @property
    def profile(self) -> Profile:
        """How long AWS takes here (localcloud/clock.py); `time_scale` compresses it. Settable
        while running (`cloud.profile = dataclasses.replace(cloud.profile, task_pending=600)`:
        images take ten minutes to pull from now on)."""
        return self._clock.profile

    @profile.setter
    def profile(self, profile: Profile) -> None:
        self._profile = profile
        self._clock.profile = profile

    @property
    def quotas(self) -> dict[str, int]:
        """The account's quotas (localcloud/quotas.py): AWS's defaults, raised as asked."""
        return self._quotas.as_dict()

    def set_quotas(self, raised: Mapping[str, int]) -> None:
        """Set these quotas over AWS's defaults, as an approved increase does (`{}`: the
        defaults again); what already exists beyond a quota stays."""
        self._quotas.replace(raised)

    @property
    def time_scale(self) -> float:
        return self._clock.time_scale

    @property
    def rollout_seconds(self) -> float | None:
        """Wall-clock length of a task's start in the fast profile (None in the realistic one,
        where the profile's timings decide); settable while running."""
        return self._clock.profile.rollout_seconds

    @rollout_seconds.setter
    def rollout_seconds(self, seconds: float) -> None:
        self.profile = profile_named(self._clock.profile, seconds)

    def add_fault(self, *faults: Fault | Mapping[str, Any]) -> None:
        """Add faults (see localcloud/faults.py for the forms)."""
        self._faults.add(*load_faults(list(faults)))

    def clear_faults(self) -> None:
        self._faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        return self._faults.describe()

    def events(self) -> list[dict[str, Any]]:
        """Recent events published on the buses: {"bus", "copies", "event"}, oldest first."""
        return self._router.recent_events() if self._router is not None else []

    def async_failures(self) -> list[dict[str, Any]]:
        """Asynchronous invocations that failed at least once (localcloud/lambda_async.py):
        {"function", "requestId", "invocations", "outcome", "error"}, oldest first."""
        failures = self._runtime.failures if self._runtime is not None else None
        return failures.journal() if failures is not None else []

    def lambda_logs(self, function: str) -> list[str]:
        """Log lines (handler output and runtime START/END/REPORT) of a function, by logical id
        or by name."""
        if self._runtime is None:
            return []
        name = self.resources.get(function, function)
        return self._runtime.logs(name)

    def schedule_runs(self, name: str | None = None) -> list[dict[str, Any]]:
        """What EventBridge Scheduler's schedules did (of `name`, or all), oldest first:
        {"schedule", "group", "at" (simulated time, ISO), "target", "outcome": "started" or
        "failed", and "task_arns" (ECS; [] for Lambda) or "error"}."""
        return self._scheduler.runs(name) if self._scheduler is not None else []

    def fire_schedule(self, name: str, group: str = "default") -> dict[str, Any] | None:
        """Test seam: fire the schedule now as if its time had come (a daily cron need not be
        waited for); its journal entry, or None when it is DISABLED. Its own timing goes on."""
        if self._scheduler is None:
            raise LocalCloudError("the local cloud is not running")
        return self._scheduler.fire(name, group)

    def scheduler_time(self) -> datetime:
        """The simulated time schedules fire on: the start's wall-clock time plus the elapsed
        time divided by time_scale."""
        if self._scheduler is None:
            raise LocalCloudError("the local cloud is not running")
        return self._scheduler.now()

    def lambda_cold_starts(self) -> int:
        """Execution environments the Lambda runtime has started (a worker process each)."""
        return self._runtime.cold_starts if self._runtime is not None else 0


def _output_key(name: str) -> str:
    """CloudFormation output keys are alphanumeric."""
    return "".join(ch for ch in name if ch.isalnum()) or "Output"
