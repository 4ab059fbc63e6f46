"""Calling a function's handler as Lambda would: its own module, its environment, a context."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import ecsdrop.observability
import ecsdrop.runtime
from tests.support.template import ROOT


@dataclass
class FakeLambdaContext:
    """The attributes Powertools reads from Lambda's context object."""

    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "stream"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def load_handler(function: str) -> ModuleType:
    """functions/<function>/app.py as its own module (every function's module is `app`)."""
    path = ROOT / "functions" / function / "app.py"
    name = f"handler_{function}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def invoke(function: str, event: dict[str, Any]) -> Any:
    """A cold start: observability and the runtime are made again from the environment
    (Powertools reads POWERTOOLS_* when its objects are created, as in a new container)."""
    importlib.reload(ecsdrop.observability)
    ecsdrop.runtime._runtime = None
    return load_handler(function).lambda_handler(event, FakeLambdaContext())
