"""Step Functions engine adjustments: compressed time, and two small fidelity fixes.

- Wait states and Retry back-off sleep `seconds * time_scale` of wall-clock time (moto sleeps the
  full time). Task `TimeoutSeconds`/`HeartbeatSeconds` are not scaled: Lambda tasks run in real
  time, so a scaled timeout would fire while a handler is still working.
- A missed heartbeat fails the task with `States.HeartbeatTimeout` (moto says `States.Timeout`).
- `SendTaskFailure` passes its `cause` on (moto drops it).
- The ECS integration's requests and answers are converted between Step Functions' PascalCase
  and the API's camelCase, by botocore's ECS model (moto leaves both conversions empty).
- `ecs:runTask.sync` fails the state as AWS does (`States.TaskFailed`, the task's description as
  JSON in the cause) when a container of the stopped task exited with a code other than 0 or
  never ran; moto returns every stopped task as a success. Its timeout is scaled like the
  task's own life on the local clock, which it measures.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any, cast

import botocore.session
from botocore import xform_name
from botocore.model import OperationModel
from moto.core.responses import EmptyResult
from moto.stepfunctions.parser.api import (
    HistoryEventType,
    TaskFailedEventDetails,
    TaskTimedOutEventDetails,
)
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_ecs,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
    WaitFunction,
)
from moto.stepfunctions.parser.asl.eval.callback.callback import HeartbeatTimeoutError
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
from moto.stepfunctions.responses import StepFunctionResponse

from localcloud.patching import Patcher


class _ScaledTime:
    """Stands in for the `time` module where the engine sleeps between retries."""

    def __init__(self, scale: float) -> None:
        self._scale = scale

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) * self._scale)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def _scaled_wait(scale: float) -> Any:
    def wait_interval(wait_function: Any, env: Any, wait_seconds: float) -> None:
        deadline = time.monotonic() + max(0.0, float(wait_seconds)) * scale
        while env.is_running():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if env.program_state_event.wait(remaining) and env.is_running():
                time.sleep(min(remaining, 0.05))  # the event fired for another reason; keep waiting

    return wait_interval


def _failure_event(
    env: Any, error: StatesErrorNameType, event_type: HistoryEventType, key: str, details: Any
) -> FailureEvent:
    """A state's failure as the engine records it: the error, and its history event."""
    return FailureEvent(
        env=env,
        error_name=StatesErrorName(typ=error),
        event_type=event_type,
        event_details=cast(EventDetails, {key: details}),
    )


def _heartbeat_aware_from_error(original: Any) -> Any:
    heartbeat_timeout = StatesErrorNameType.StatesHeartbeatTimeout

    def from_error(state: Any, env: Any, ex: Exception) -> Any:
        if not isinstance(ex, HeartbeatTimeoutError):
            return original(state, env, ex)
        return _failure_event(
            env,
            heartbeat_timeout,
            HistoryEventType.TaskTimedOut,
            "taskTimedOutEventDetails",
            TaskTimedOutEventDetails(error=heartbeat_timeout.to_name()),
        )

    return from_error


def _send_task_failure_with_cause(response: Any) -> Any:
    response.stepfunction_backend.send_task_failure(
        response._get_param("taskToken"),
        error=response._get_param("error"),
        cause=response._get_param("cause"),
    )
    return EmptyResult()


@cache
def _ecs_operation(action: str) -> OperationModel:
    """ECS's operation named ``action`` in snake case (run_task)."""
    model = botocore.session.get_session().get_service_model("ecs")
    name = next(n for n in model.operation_names if xform_name(n) == action)
    return model.operation_model(name)


def _ecs_normalise_parameters(
    self: Any,
    parameters: dict[str, Any],
    boto_service_name: Any = None,
    service_action_name: Any = None,
) -> None:
    action = self._get_boto_service_action(service_action_name)
    self._to_boto_request(parameters, _ecs_operation(action).input_shape)


def _ecs_normalise_response(
    self: Any, response: Any, boto_service_name: Any = None, service_action_name: Any = None
) -> None:
    action = self._get_boto_service_action(service_action_name)
    self._from_boto_response(response, _ecs_operation(action).output_shape)


def _containers_all_exited_zero(task: dict[str, Any]) -> bool:
    """AWS's test for a `.sync` ECS task: every container stopped with exit code 0 (a
    sidecar that ECS killed with 137 when the essential container exited fails it too)."""
    lowered = {k.lower(): v for k, v in task.items()}
    containers = lowered.get("containers") or []
    return bool(containers) and all(
        {k.lower(): v for k, v in c.items()}.get("exitcode") == 0 for c in containers
    )


def _ecs_sync_failing_as_aws(original: Any) -> Any:
    def build_sync_resolver(self: Any, env: Any, *args: Any, **kwargs: Any) -> Any:
        resolve = original(self, env, *args, **kwargs)

        def resolved() -> Any:
            task = resolve()
            if task is None or _containers_all_exited_zero(task):
                return task
            failed = StatesErrorNameType.StatesTaskFailed
            raise FailureEventException(
                _failure_event(
                    env,
                    failed,
                    HistoryEventType.TaskFailed,
                    "taskFailedEventDetails",
                    TaskFailedEventDetails(
                        resource=self._get_sfn_resource(),
                        resourceType=self._get_sfn_resource_type(),
                        error=failed.to_name(),
                        cause=to_json_str(task),
                    ),
                )
            )

        return resolved

    return build_sync_resolver


class _ScaledTimeout:
    """A state's timeout as its seconds pass on the local clock."""

    def __init__(self, timeout: Any, scale: float) -> None:
        self._timeout = timeout
        self._scale = scale

    def eval(self, env: Any) -> None:
        self._timeout.eval(env=env)
        env.stack.append(max(0.05, float(env.stack.pop()) * self._scale))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._timeout, name)


def _timeout_on_local_clock(original: Any, scale: float) -> Any:
    def evaluate_with_timeout(self: Any, env: Any) -> None:
        if not isinstance(self.timeout, _ScaledTimeout):
            self.timeout = _ScaledTimeout(self.timeout, scale)
        original(self, env)

    return evaluate_with_timeout


def install_engine_patches(patcher: Patcher, time_scale: float) -> None:
    if time_scale != 1.0:
        patcher.replace(WaitFunction, "_wait_interval", _scaled_wait(time_scale))
        patcher.replace(retrier_decl, "time", _ScaledTime(time_scale))
    patcher.replace(StateTask, "_from_error", _heartbeat_aware_from_error(StateTask._from_error))
    patcher.replace(StepFunctionResponse, "send_task_failure", _send_task_failure_with_cause)
    ecs_task = state_task_service_ecs.StateTaskServiceEcs
    patcher.replace(ecs_task, "_normalise_parameters", _ecs_normalise_parameters)
    patcher.replace(ecs_task, "_normalise_response", _ecs_normalise_response)
    patcher.replace(
        ecs_task,
        "_build_sync_resolver",
        _ecs_sync_failing_as_aws(ecs_task._build_sync_resolver),
    )
    if time_scale != 1.0:  # the task lives on the local clock: so does the wait for it
        patcher.replace(
            ecs_task,
            "_evaluate_with_timeout",
            _timeout_on_local_clock(ecs_task._evaluate_with_timeout, time_scale),
        )
