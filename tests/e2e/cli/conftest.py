"""The `ecsdrop` command against a local cloud it started itself (`ecsdrop local up`), in
another process, as a user runs them in two terminals."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import boto3
import pytest

from tests.support.template import ROOT

READY_SECONDS = 60.0
ECSDROP = [sys.executable, "-m", "ecsdrop_cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    """Start a local cloud process; return it once it prints its endpoint."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + READY_SECONDS
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        match = re.search(r"ready at (http://\S+)", line)
        if match:
            return process, match.group(1)
        if process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"the local cloud did not start: {process.stdout.read()}")


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


@pytest.fixture(scope="module")
def local_up() -> Iterator[str]:
    process, endpoint = start([*ECSDROP, "local", "up", "--port", str(free_port()), "--quiet"])
    try:
        yield endpoint
    finally:
        stop(process)
    assert process.returncode == 0, "Ctrl-C / SIGTERM should stop it cleanly"


def run_cli(*args: str, timeout: float = 180.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ECSDROP, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
