"""The peer: fabfuel/ecs-deploy's `ecs deploy` doing the same image redeploy, same endpoint.

It runs from its own venv (bench/.work/peer, pinned by requirements/bench-peer.txt) as a CI
job would: a new process per deployment, pointed at the local cloud by AWS_ENDPOINT_URL and
signing with its own access key id, so its calls are told apart in the call log.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import calls as api
from bench.pipeline import BenchError, Pipeline
from bench.settings import CLUSTER, PEER_KEY, PEER_TIMEOUT_SECONDS, PEER_TOOL
from bench.stats import median, median_counts

_OUTPUT_KEPT = 2000


@dataclass(frozen=True)
class PeerRun:
    exit_code: int
    seconds: float
    aws_calls: dict[str, int]
    deploy_api_calls: int
    polling_calls: int
    output: str


def peer_command(ecs: Path, service: str, container: str, image: str) -> list[str]:
    """`ecs deploy` with its defaults (1 s between checks, old revision deregistered)."""
    return [
        str(ecs),
        "deploy",
        CLUSTER,
        service,
        "--image",
        container,
        image,
        "--timeout",
        str(PEER_TIMEOUT_SECONDS),
    ]


def _environment(pipeline: Pipeline, home: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LANG": "C.UTF-8",
        **pipeline.cloud.environment(),
        "AWS_ACCESS_KEY_ID": PEER_KEY,
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def run_peer(ecs: Path, pipeline: Pipeline, service: str, container: str, image: str) -> PeerRun:
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as home:
        began = time.time()
        finished = subprocess.run(
            peer_command(ecs, service, container, image),
            env=_environment(pipeline, home),
            capture_output=True,
            text=True,
            timeout=PEER_TIMEOUT_SECONDS + 60,
            check=False,
        )
        ended = time.time()
    calls = api.made_by(pipeline.cloud.call_log(), frozenset({PEER_KEY}), began, ended)
    counts = api.by_action(calls)
    return PeerRun(
        exit_code=finished.returncode,
        seconds=ended - began,
        aws_calls=counts,
        deploy_api_calls=api.deploy_api_calls(counts),
        polling_calls=api.polling_calls(calls, until=ended),
        output=(finished.stdout + finished.stderr)[-_OUTPUT_KEPT:],
    )


def expect_success(run: PeerRun) -> PeerRun:
    if run.exit_code != 0:
        raise BenchError(f"{PEER_TOOL} failed (exit {run.exit_code}):\n{run.output}")
    return run


def peer_version(ecs: Path) -> str:
    shown = subprocess.run(
        [str(ecs), "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    return shown.stdout.strip() or shown.stderr.strip()


def summarize_peer(
    runs: Sequence[PeerRun], ours: dict[str, Any], ecs: Path, command: list[str]
) -> dict[str, Any]:
    """The peer beside ecsdrop's redeploy; ratios are ecsdrop / peer."""
    calls = round(median(run.deploy_api_calls for run in runs))
    seconds = round(median(run.seconds for run in runs), 3)
    return {
        "tool": PEER_TOOL,
        "version": peer_version(ecs),
        "command": " ".join(["ecs", *command[1:]]),
        "redeploy_api_calls": calls,
        "redeploy_seconds": seconds,
        "ratio_calls": round(ours["deploy_api_calls"] / calls, 3) if calls else None,
        "ratio_seconds": round(ours["seconds"] / seconds, 3) if seconds else None,
        "aws_calls": median_counts([run.aws_calls for run in runs]),
        "polling_calls": round(median(run.polling_calls for run in runs)),
        "runs": len(runs),
        "seconds_per_run": [round(run.seconds, 3) for run in runs],
    }
