"""`python -m localcloud` (what `ecsdrop local up` runs): serves until Ctrl-C, leaves no process."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


def read_lines(stream: object, lines: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line.rstrip("\n"))


def next_line_starting(lines: queue.Queue[str], prefix: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line.startswith(prefix):
            return line
    raise AssertionError(f"no line starting with {prefix!r} within {timeout}s")


def test_serve_prints_where_it_is_and_stops_cleanly_on_ctrl_c(fixture_dir: Path) -> None:
    command = [sys.executable, "-m", "localcloud", "--template", str(fixture_dir / "template.yaml")]
    command += ["--port", "0", "--quiet", "--time-scale", "0.01"]
    server = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=read_lines, args=(server.stdout, lines), daemon=True).start()
    try:
        ready = next_line_starting(lines, "localcloud ready at ", timeout=60)
        endpoint = ready.split()[3]
        assert next_line_starting(lines, "  bucket  localcloud-specbucket-", timeout=5)
        assert next_line_starting(lines, "  output  GreeterName = ", timeout=5)
        with urllib.request.urlopen(f"{endpoint}/_localcloud/health", timeout=5) as response:
            assert json.load(response) == {"status": "ok"}
        with urllib.request.urlopen(f"{endpoint}/_localcloud/stack", timeout=5) as response:
            stack = json.load(response)
        client = boto3.client(
            "lambda",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        response = client.invoke(FunctionName=stack["resources"]["EchoFunction"])
        worker_pid = json.loads(response["Payload"].read())["pid"]
        os.kill(worker_pid, 0)  # the warm worker is alive while serving

        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
        with pytest.raises(ProcessLookupError):
            os.kill(worker_pid, 0)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
