"""Step Functions engine adjustments: compressed time, and two small fidelity fixes.

- Wait states and Retry back-off sleep `seconds * time_scale` of wall-clock time (moto sleeps the
  full time). Task `TimeoutSeconds`/`HeartbeatSeconds` are not scaled: Lambda tasks run in real
  time, so a scaled timeout would fire while a handler is still working.
- A missed heartbeat fails the task with `States.HeartbeatTimeout` (moto says `States.Timeout`).
- `SendTaskFailure` passes its `cause` on (moto drops it).
"""

from __future__ import annotations

import time
from typing import Any, cast

from moto.core.responses import EmptyResult
from moto.stepfunctions.parser.api import HistoryEventType, TaskTimedOutEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
    WaitFunction,
)
from moto.stepfunctions.parser.asl.eval.callback.callback import HeartbeatTimeoutError
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
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


def _heartbeat_aware_from_error(original: Any) -> Any:
    heartbeat_timeout = StatesErrorNameType.StatesHeartbeatTimeout

    def from_error(state: Any, env: Any, ex: Exception) -> Any:
        if not isinstance(ex, HeartbeatTimeoutError):
            return original(state, env, ex)
        return FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=heartbeat_timeout),
            event_type=HistoryEventType.TaskTimedOut,
            event_details=cast(
                EventDetails,
                {
                    "taskTimedOutEventDetails": TaskTimedOutEventDetails(
                        error=heartbeat_timeout.to_name()
                    )
                },
            ),
        )

    return from_error


def _send_task_failure_with_cause(response: Any) -> Any:
    response.stepfunction_backend.send_task_failure(
        response._get_param("taskToken"),
        error=response._get_param("error"),
        cause=response._get_param("cause"),
    )
    return EmptyResult()


def install_engine_patches(patcher: Patcher, time_scale: float) -> None:
    if time_scale != 1.0:
        patcher.replace(WaitFunction, "_wait_interval", _scaled_wait(time_scale))
        patcher.replace(retrier_decl, "time", _ScaledTime(time_scale))
    patcher.replace(StateTask, "_from_error", _heartbeat_aware_from_error(StateTask._from_error))
    patcher.replace(StepFunctionResponse, "send_task_failure", _send_task_failure_with_cause)
