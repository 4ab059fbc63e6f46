"""What the benchmark runs: sizes, repetitions, rate limits, prices."""

from __future__ import annotations

from pathlib import Path

from ecsdrop.aws.admission import ECS_WRITE_LIMITS

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results.json"
DOC = ROOT / "docs" / "performance.md"
PLOT = ROOT / "docs" / "performance.png"

STACK = "ecsdrop"
CLUSTER = "ecsdrop"
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
IMAGES = ("scorekeep-frontend", "scorekeep-api")

# Timings are medians of this many runs (counts are per-action medians of the same runs).
RUNS = 5
# Simulated ECS rollout of the side-by-side runs, and the lengths of the rollout sweep.
ROLLOUT_SECONDS = 3.0
SWEEP_ROLLOUT_SECONDS = (1.0, 5.0, 10.0)
# Step Functions Wait/Retry factor of the deployment runs (no Wait state on their path).
TIME_SCALE = 0.01

# The critical path on AWS's clock (bench/critical_path.py): the realistic profile, its waits
# compressed this much (the pipeline's own work takes real time and is counted as it is).
CRITICAL_PATH_TIME_SCALE = 0.25

# Scale: N services submitted at once under ECS's API throttling, retries in real time.
SCALE_SIZES = (1, 10, 100, 250)
SCALE_ROLLOUT_SECONDS = 2.0
SCALE_TIME_SCALE = 1.0
SCALE_DEADLINE_SECONDS = 600.0
# ...and beyond what the local cloud can run on this machine: ecsdrop's admission and retry
# code on a simulated clock (bench/admission_sim.py).
SIMULATED_SCALE_SIZES = (1000, 5000)
SCALE_WORKERS_PER_FUNCTION = 16
ECS_RATE_LIMITS = {
    action: {"rate": limit.rate, "burst": limit.burst} for action, limit in ECS_WRITE_LIMITS.items()
}

# Step Functions Standard: USD per state transition.
PRICE_PER_TRANSITION_USD = 0.025 / 1000

# Who made a call: the access key id each party signs with (the pipeline's functions sign
# with their roles' temporary keys).
DRIVER_KEY = "BENCHDRIVER"
PEER_KEY = "BENCHPEER"

# The peer: fabfuel/ecs-deploy, in its own venv (requirements/bench-peer.txt).
PEER_TOOL = "fabfuel/ecs-deploy"
PEER_TIMEOUT_SECONDS = 120

# Targets the issue sets.
TARGET_REDEPLOY_DEPLOY_CALLS = 4
TARGET_REDEPLOY_TRANSITIONS = 20
TARGET_COLD_START_MS = 300.0
TARGET_LAYER_BYTES = 5 * 1000 * 1000
# Per function, a Lambda cold start's time beyond `import boto3` and creating its clients.
TARGET_ECSDROP_SHARE_MS = 100.0
COLD_START_RUNS = 5
