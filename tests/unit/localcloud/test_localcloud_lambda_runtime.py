"""The Lambda runtime: real handlers in isolated warm workers; errors as Lambda reports them."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from localcloud.lambda_runtime.runtime import LambdaRuntime

HANDLER = """
import importlib.util
import os
import sys
import time

INVOCATIONS = 0


def handler(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    action = event.get("action")
    if action == "raise":
        class SpecError(Exception):
            pass
        raise SpecError("bad spec")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "exit":
        sys.exit(3)
    if action == "unserialisable":
        return {"when": object()}
    print("handled", event)
    return {
        "invocations": INVOCATIONS,
        "pid": os.getpid(),
        "greeting": os.environ.get("GREETING"),
        "leak": os.environ.get("LOCALCLOUD_TEST_PARENT_ONLY"),
        "first_path": sys.path[0],
        "cwd": os.getcwd(),
        "parent_package_importable": importlib.util.find_spec("localcloud") is not None,
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "memory": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "log_group": context.log_group_name,
        "endpoint": os.environ["AWS_ENDPOINT_URL"],
        "signs_as": [os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SESSION_TOKEN"]],
    }
"""


def function(folder: Path, name: str = "fn", **overrides: Any) -> SimpleNamespace:
    """The attributes of a moto LambdaFunction the runtime reads."""
    attributes: dict[str, Any] = {
        "function_name": name,
        "function_arn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        "version": "$LATEST",
        "handler": "app.handler",
        "run_time": "python3.11",
        "memory_size": 128,
        "timeout": 3,
        "environment_vars": {"GREETING": "hi"},
        "layers": [],
        "account_id": "123456789012",
        "region": "us-east-1",
        "logs_backend": None,
        "logs_group_name": f"/aws/lambda/{name}",
        "role": f"arn:aws:iam::123456789012:role/{name}-role",
    }
    attributes.update(overrides)
    return SimpleNamespace(**attributes)


@pytest.fixture
def code(tmp_path: Path) -> Path:
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "app.py").write_text(HANDLER)
    return folder


@pytest.fixture
def runtime(tmp_path: Path, code: Path) -> Iterator[LambdaRuntime]:
    runtime = LambdaRuntime(endpoint="http://127.0.0.1:9", region="us-east-1", scratch_dir=tmp_path)
    runtime.code.register_function("fn", code)
    yield runtime
    runtime.shutdown()


def call(runtime: LambdaRuntime, fn: SimpleNamespace, event: dict[str, Any]) -> tuple[Any, bool]:
    result = runtime.invoke(fn, json.dumps(event))
    return json.loads(result.payload), result.errored


def test_handler_runs_in_its_own_interpreter_with_only_its_environment(
    runtime: LambdaRuntime, code: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCALCLOUD_TEST_PARENT_ONLY", "secret")
    payload, errored = call(runtime, function(code), {"n": 1})
    assert errored is False
    assert payload["greeting"] == "hi"
    assert payload["leak"] is None
    assert payload["pid"] != os.getpid()
    assert payload["first_path"] == payload["cwd"] == str(code)
    assert payload["parent_package_importable"] is False
    assert payload["function_name"] == "fn"
    assert payload["memory"] == 128
    assert 0 < payload["remaining_ms"] <= 3000
    assert payload["log_group"] == "/aws/lambda/fn"
    assert payload["endpoint"] == "http://127.0.0.1:9"


def test_without_a_credential_source_functions_sign_with_dummy_keys(
    runtime: LambdaRuntime, code: Path
) -> None:
    payload, _ = call(runtime, function(code), {})
    assert payload["signs_as"] == ["testing", "testing"]


def test_each_function_signs_with_the_credentials_issued_for_its_role(
    tmp_path: Path, code: Path
) -> None:
    issued: list[tuple[str, str]] = []

    def credentials(function_name: str, role_arn: str) -> tuple[str, str, str]:
        issued.append((function_name, role_arn))
        return f"ASIA{len(issued)}", "secret", f"token-for-{role_arn}"

    runtime = LambdaRuntime(
        endpoint="http://127.0.0.1:9",
        region="us-east-1",
        scratch_dir=tmp_path,
        credentials=credentials,
    )
    runtime.code.register_function("fn", code)
    other_role = "arn:aws:iam::123456789012:role/other"
    try:
        first, _ = call(runtime, function(code), {})
        moved, _ = call(runtime, function(code, role=other_role), {})
    finally:
        runtime.shutdown()

    assert first["signs_as"] == ["ASIA1", "token-for-arn:aws:iam::123456789012:role/fn-role"]
    assert moved["signs_as"] == ["ASIA2", f"token-for-{other_role}"]
    assert moved["pid"] != first["pid"]  # a changed role gets a fresh worker
    assert issued == [("fn", "arn:aws:iam::123456789012:role/fn-role"), ("fn", other_role)]


def test_worker_stays_warm_between_invocations(runtime: LambdaRuntime, code: Path) -> None:
    first, _ = call(runtime, function(code), {})
    second, _ = call(runtime, function(code), {})
    assert (first["pid"], first["invocations"]) == (second["pid"], second["invocations"] - 1)
    assert first["request_id"] != second["request_id"]


def test_changed_configuration_gets_a_fresh_worker(runtime: LambdaRuntime, code: Path) -> None:
    before, _ = call(runtime, function(code), {})
    after, _ = call(runtime, function(code, environment_vars={"GREETING": "hello"}), {})
    assert after["greeting"] == "hello"
    assert after["pid"] != before["pid"]


def test_cold_starts_count_the_workers_started_not_the_invocations(
    runtime: LambdaRuntime, code: Path
) -> None:
    assert runtime.cold_starts == 0
    call(runtime, function(code), {})
    call(runtime, function(code), {})  # warm
    call(runtime, function(code, environment_vars={"GREETING": "hello"}), {})
    assert runtime.cold_starts == 2


def test_exception_is_reported_with_its_class_name(runtime: LambdaRuntime, code: Path) -> None:
    payload, errored = call(runtime, function(code), {"action": "raise"})
    assert errored is True
    assert (payload["errorType"], payload["errorMessage"]) == ("SpecError", "bad spec")
    assert any("app.py" in frame for frame in payload["stackTrace"])
    assert any(line.startswith("[ERROR] SpecError: bad spec") for line in runtime.logs("fn"))


def test_timeout_kills_the_worker_and_reports_sandbox_timedout(
    runtime: LambdaRuntime, code: Path
) -> None:
    fn = function(code, timeout=1)
    warm, _ = call(runtime, fn, {})
    started = time.monotonic()
    payload, errored = call(runtime, fn, {"action": "sleep", "seconds": 30})
    assert time.monotonic() - started < 5
    assert errored is True
    assert payload["errorType"] == "Sandbox.Timedout"
    assert payload["errorMessage"].endswith("Task timed out after 1.00 seconds")
    with pytest.raises(ProcessLookupError):
        os.kill(warm["pid"], 0)
    fresh, errored_again = call(runtime, fn, {})
    assert errored_again is False
    assert fresh["pid"] != warm["pid"]


def test_exiting_runtime_is_reported_as_runtime_exit_error(
    runtime: LambdaRuntime, code: Path
) -> None:
    payload, errored = call(runtime, function(code), {"action": "exit"})
    assert errored is True
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("exit status 3")


def test_unserialisable_result_is_a_marshal_error(runtime: LambdaRuntime, code: Path) -> None:
    payload, errored = call(runtime, function(code), {"action": "unserialisable"})
    assert errored is True
    assert payload["errorType"] == "Runtime.MarshalError"


@pytest.mark.parametrize(
    ("handler", "source", "error_type"),
    [
        ("app.handler", "import not_a_module\n", "Runtime.ImportModuleError"),
        ("app.missing", "x = 1\n", "Runtime.HandlerNotFound"),
        ("app.handler", "def handler(:\n", "Runtime.UserCodeSyntaxError"),
        ("app.handler", "import os\nos.environ['NOT_SET']\n", "KeyError"),
    ],
)
def test_initialisation_errors_are_reported_as_lambda_does(
    runtime: LambdaRuntime, tmp_path: Path, handler: str, source: str, error_type: str
) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "app.py").write_text(source)
    runtime.code.register_function("broken", folder)
    payload, errored = call(runtime, function(folder, "broken", handler=handler), {})
    assert errored is True
    assert payload["errorType"] == error_type


def test_log_lines_are_captured_per_invocation(runtime: LambdaRuntime, code: Path) -> None:
    result = runtime.invoke(function(code), json.dumps({"marker": 42}))
    assert result.log_lines[0].startswith("START RequestId: ")
    assert "handled {'marker': 42}" in result.log_lines
    assert result.log_lines[-1].startswith("REPORT RequestId: ")


def test_concurrent_invocations_run_in_parallel_workers(runtime: LambdaRuntime, code: Path) -> None:
    fn = function(code)
    call(runtime, fn, {})  # one warm worker
    results: list[Any] = []

    def sleep_half_a_second() -> None:
        results.append(call(runtime, fn, {"action": "sleep", "seconds": 0.5}))

    threads = [threading.Thread(target=sleep_half_a_second) for _ in range(3)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert time.monotonic() - started < 1.4  # not 3 x 0.5 s in a row
    assert len({payload["pid"] for payload, _ in results}) == 3


def test_shutdown_leaves_no_worker_process(runtime: LambdaRuntime, code: Path) -> None:
    payload, _ = call(runtime, function(code), {})
    runtime.shutdown()
    with pytest.raises(ProcessLookupError):
        os.kill(payload["pid"], 0)
