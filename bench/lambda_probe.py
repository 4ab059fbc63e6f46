"""One Lambda cold start, timed from inside the process (run as a script, never imported).

`python -I -S -B lambda_probe.py SPEC_FILE STARTED`: STARTED is time.monotonic() of the parent
just before it started this process (the clock is the system's, so the interpreter's own
start-up is counted); SPEC_FILE is JSON:
  path      the folders put first on sys.path: the function's code, the layer, the runtime
  mode      "function": import the handler and invoke it once with `event`;
            "baseline": only `import boto3` and create `clients` as ecsdrop's AwsClients does
  event     the first invocation's event (function mode)
  validate  LoadSpec only: [key, spec text] validated after the probe stopped (see below)
  clients   the services whose clients the baseline creates

There is no AWS here, so the invocation ends at its first AWS call: botocore's endpoint is
stopped where it would send the request (signed, after `before-send`); nothing answers in
AWS's place. What the handler does before its first call — the imports, settings, every
client it builds, rendering, Plan's validation — is counted; what follows is not, except
LoadSpec's validation, whose first run (the schema loaded and compiled) is the largest part of
that function's first invocation: it is run right after the stop, as the handler runs it after
reading the spec. Prints one JSON line: wall-clock and CPU milliseconds (this process's user and
system time, which a busy shared machine disturbs far less); interpreter shutdown is not timed.
"""

# ruff: noqa: PLC0415 -- botocore and ecsdrop are imported once sys.path is Lambda's

import json
import os
import sys
import time
from typing import Any


class FirstAwsCall(BaseException):
    """Raised where the first request would go on the wire; a BaseException so that no
    `except Exception` of the handler (or Powertools) swallows it."""


class Context:
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_stream_name = "2026/11/28/[$LATEST]bench"

    def __init__(self, name: str) -> None:
        self.function_name = name
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.log_group_name = f"/aws/lambda/{name}"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def _stop_at_first_call(created: list[str]) -> None:
    import botocore.endpoint
    import botocore.session

    create_client = botocore.session.Session.create_client

    def recorded(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        created.append(service_name)
        return create_client(self, service_name, *args, **kwargs)

    def stop(self: Any, request: Any, operation_model: Any, context: Any) -> Any:
        service = operation_model.service_model.service_name
        raise FirstAwsCall(f"{service}:{operation_model.name}")

    botocore.session.Session.create_client = recorded  # type: ignore[method-assign]
    botocore.endpoint.Endpoint._do_get_response = stop  # type: ignore[attr-defined]


def run_function(spec: dict[str, Any], started: float) -> dict[str, Any]:
    created: list[str] = []
    _stop_at_first_call(created)
    handler = __import__("app").lambda_handler
    imported = time.monotonic()
    first_call = None
    try:
        handler(spec["event"], Context(os.environ["AWS_LAMBDA_FUNCTION_NAME"]))
    except FirstAwsCall as stopped:
        first_call = str(stopped)
    validated = time.monotonic()
    if spec.get("validate"):
        import ecsdrop.runtime
        from ecsdrop.spec import validate

        rt = ecsdrop.runtime.runtime(os.environ)
        key, text = spec["validate"]
        checked = validate(text.encode(), key, rt.guardrails, rt.installation)
        if checked.spec is None:
            raise SystemExit(f"{key} does not validate: {checked.errors}")
    ended = time.monotonic()
    return {
        "total_ms": (ended - started) * 1000,
        "cpu_ms": time.process_time() * 1000,
        "import_ms": (imported - started) * 1000,
        "validate_ms": (ended - validated) * 1000,
        "clients": created,
        "first_call": first_call,
    }


def run_baseline(spec: dict[str, Any], started: float) -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": 5},
        user_agent_extra="ecsdrop",
        connect_timeout=5,
        read_timeout=30,
    )
    imported = time.monotonic()
    session = boto3.Session()
    for service in spec["clients"]:
        session.client(service, config=config)
    ended = time.monotonic()
    return {
        "total_ms": (ended - started) * 1000,
        "cpu_ms": time.process_time() * 1000,
        "import_ms": (imported - started) * 1000,
    }


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as file:
        spec = json.load(file)
    sys.path[:0] = spec["path"]
    run = run_function if spec["mode"] == "function" else run_baseline
    measured = run(spec, float(sys.argv[2]))
    sys.stdout.write(json.dumps(measured) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
