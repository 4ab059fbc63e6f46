"""docs/performance.md is generated from results.json, targets and gaps included."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bench.report import render
from bench.scale import admission_rows, earliest_last_turn
from bench.targets import check_targets


def _deployment(deploy: int, transitions: int, seconds: float) -> dict[str, Any]:
    calls = {"ecs:UpdateService": 1, "ecs:DescribeServices": deploy - 1, "dynamodb:PutItem": 3}
    return {
        "aws_calls": calls,
        "deploy_api_calls": deploy,
        "polling_calls": 0,
        "state_transitions": transitions,
        "cost_usd": transitions * 0.000025,
        "seconds": seconds,
    }


@pytest.fixture
def results() -> dict[str, Any]:
    return {
        "generated_at": "2026-01-01 00:00 UTC",
        "machine": {
            "cpu": "CPU",
            "cores": 2,
            "memory_gib": 8,
            "python": "3.11",
            "moto": "5",
            "boto3": "1",
        },
        "settings": {
            "runs": 5,
            "rollout_seconds": 3.0,
            "scale_workers_per_function": 16,
            "rate_limits": {"ecs:RegisterTaskDefinition": {"rate": 1, "burst": 20}},
        },
        "greenfield": _deployment(50, 11, 11.0),
        "redeploy": _deployment(4, 11, 3.6),
        "noop": _deployment(3, 10, 0.6),
        "duplicate_event": _deployment(1, 5, 0.3),
        "overhead_seconds": {
            "put_to_update_service": 0.45,
            "workflow_excluding_rollout": 0.6,
            "rollout_seconds": 3.0,
        },
        "peer": {
            "tool": "fabfuel/ecs-deploy",
            "version": "ecs-deploy, version 1.17.0",
            "command": "ecs deploy ecsdrop peer-target --image scorekeep-api IMAGE",
            "redeploy_api_calls": 12,
            "redeploy_seconds": 3.8,
            "ratio_calls": 0.333,
            "ratio_seconds": 0.947,
            "aws_calls": {"ecs:DescribeServices": 6, "ecs:UpdateService": 1},
            "polling_calls": 7,
        },
        "rollout_sweep": [
            {
                "rollout_seconds": 1.0,
                "ecsdrop": {"deploy_api_calls": 4, "polling_calls": 0, "seconds": 1.6},
                "peer": {"deploy_api_calls": 9, "polling_calls": 4, "seconds": 1.9},
            }
        ],
        "scale": [
            {
                "services": 100,
                "succeeded": 100,
                "seconds": 120.0,
                "throttles": 240,
                "task_retries": 13,
                "state_transitions": 1113,
                "cost_usd": 0.0278,
                "cost_usd_per_service": 0.000278,
                "max_service_seconds": 118.0,
                "failures": {},
            }
        ],
        "cold_start_ms": {"LoadSpecFunction": 250.0, "ServiceFunction": 280.0},
        "cold_start": {
            "python": "3.13.0",
            "runs": 5,
            "import_ms": {"LoadSpecFunction": 200.0, "ServiceFunction": 230.0},
            "top_imports_ms": {
                "LoadSpecFunction": {"botocore": 80.0},
                "ServiceFunction": {"botocore": 90.0},
            },
        },
        "layer_bytes": 4_000_000,
        "layer": {
            "breakdown": {"yaml": 3_000_000, "ecsdrop": 1_000_000},
            "reductions": {"PyYAML's C extension": 2_800_000},
            "bytes_after_reductions": 1_200_000,
        },
    }


def test_every_target_met_says_so(results: dict[str, Any]) -> None:
    assert all(check.met for check in check_targets(results))
    document = render(results)
    assert "Every target is met." not in document  # the no-op note still applies
    assert "| image-only redeploy | 4 | 0 | 7 | 11 | $0.000275 | 3.60 s |" in document
    assert "| ECS/EC2/ELBv2 calls | 4 | 12 | 0.33x |" in document
    assert "**not met**" not in document


def test_a_missed_target_is_flagged_and_explained(results: dict[str, Any]) -> None:
    slow = copy.deepcopy(results)
    slow["cold_start_ms"]["ServiceFunction"] = 650.0
    slow["layer_bytes"] = 11_000_000
    document = render(slow)
    assert document.count("**not met**") == 2
    assert "- **Cold start.**" in document
    assert "- **Layer size.**" in document


def test_a_failed_scale_run_names_its_causes(results: dict[str, Any]) -> None:
    failing = copy.deepcopy(results)
    failing["scale"][0].update(succeeded=98, failures={"DeploymentFailed: throttled": 2})
    document = render(failing)
    assert "DeploymentFailed: throttled" in document


def test_without_the_peer_the_document_says_why(results: dict[str, Any]) -> None:
    alone = {**results, "peer": None, "peer_error": "The peer's `ecs` command was not found."}
    assert "The peer's `ecs` command was not found." in render(alone)


def _path(seconds: float, floor: float, compute: float) -> dict[str, Any]:
    inflation = compute * 3  # at a time scale of 0.25
    return {
        "seconds": seconds,
        "compute_seconds": compute,
        "compute_inflation_seconds": inflation,
        "floor_seconds": floor,
        "ratio": round(seconds / floor, 2),
        "ratio_less_compute_inflation": round((seconds - inflation) / floor, 2),
        "outcome": "SUCCEEDED",
    }


def test_the_critical_path_is_shown_against_its_floor_and_a_slow_one_explained(
    results: dict[str, Any],
) -> None:
    timed = copy.deepcopy(results)
    timed["settings"]["critical_path_time_scale"] = 0.25
    timed["critical_path"] = {
        "greenfield": _path(180.0, 170.0, 4.0),
        "redeploy": _path(125.0, 100.0, 3.0),
        "rollback": {**_path(130.0, 120.0, 2.0), "outcome": "FAILED"},
    }
    checks = {check.key: check.met for check in check_targets(timed)}
    assert checks["critical_path_greenfield"] is True  # 1.06x
    assert checks["critical_path_redeploy"] is False  # 1.25x
    document = render(timed)
    assert "## The critical path on AWS's clock" in document
    assert (
        "| greenfield: S3 PUT → service steady, targets healthy | 180 s | 170 s | 1.06x | 4 s "
        "| 0.99x |" in document
    )
    assert "- **Critical path, redeploy.** 125 s against a floor of 100 s: 25 s over" in document
    assert "critical path, greenfield" not in document.lower().split("## gaps")[1]


def test_results_without_a_critical_path_render_without_its_section(
    results: dict[str, Any],
) -> None:
    assert "critical path" not in render(results).lower()
    assert not any(check.key.startswith("critical_path") for check in check_targets(results))


def _lambda_cold_start(share: float) -> dict[str, Any]:
    detail = {
        "total": 400.0,
        "ecsdrop_share": share,
        "boto3_and_clients": 400.0 - share,
        "clients": ["s3", "dynamodb"],
        "stopped_at": "s3:HeadObject",
        "validate_ms": 40.0,
        "import_ms_by_package": {"botocore": 150.0, "aws_lambda_powertools": 30.0, "ecsdrop": 20.0},
    }
    return {
        "cold_start_lambda_ms": {"LoadSpecFunction": {"total": 400.0, "ecsdrop_share": share}},
        "cold_start_lambda": {"functions": {"LoadSpecFunction": detail}, "runs": 5},
    }


def test_without_lambda_cold_starts_the_document_leaves_their_section_out(
    results: dict[str, Any],
) -> None:
    document = render(results)
    assert "## Cold start as Lambda runs it" not in document
    assert "ecsdrop's share" not in document


def test_lambda_cold_starts_are_tabled_against_their_target(results: dict[str, Any]) -> None:
    document = render({**results, **_lambda_cold_start(90.0)})
    assert "## Cold start as Lambda runs it" in document
    row = "| LoadSpecFunction | 400 | 90 | met | 310 | s3, dynamodb | `s3:HeadObject` |"
    assert row in document
    assert "**not met**" not in document


def test_a_lambda_cold_start_over_its_target_is_explained(results: dict[str, Any]) -> None:
    document = render({**results, **_lambda_cold_start(140.0)})
    assert document.count("**not met**") == 2  # the target's row and the function's
    assert (
        "- **Cold start as Lambda runs it.** Over 100 CPU ms: LoadSpecFunction 140 ms" in document
    )
    assert "aws_lambda_powertools 30, ecsdrop 20; its first validation 40 ms" in document
    assert "botocore 150" not in document  # the runtime's, not ecsdrop's


def _admission_rows() -> list[dict[str, Any]]:
    return [
        {
            "services": 1000,
            "succeeded": 1000,
            "makespan_seconds": 1150.0,
            "floor_seconds": 1043.0,
            "ratio": 1.103,
            "throttled_calls": 0,
            "mode": "simulated",
        }
    ]


def test_admission_is_tabled_against_its_floor_and_the_retry_storm(
    results: dict[str, Any],
) -> None:
    admitted = copy.deepcopy(results)
    admitted["scale_admission"] = _admission_rows()
    admitted["scale_without_admission"] = [
        {**_admission_rows()[0], "succeeded": 184, "throttled_calls": 27948}
    ]
    document = render(admitted)
    assert "## Admission: ECS's rate-limited writes take turns" in document
    assert (
        "| 1000 | simulated | 1000/1000 | 1150.00 s | 1043.00 s | 1.10x | — | — | — | 0 | 184/1000"
        in document
    )
    assert "**not met**" not in document


def test_admission_over_its_floor_or_throttled_is_flagged_and_explained(
    results: dict[str, Any],
) -> None:
    slow = copy.deepcopy(results)
    slow["scale_admission"] = [{**_admission_rows()[0], "ratio": 1.3, "throttled_calls": 900}]
    document = render(slow)
    assert document.count("**not met**") == 1
    assert "- **1000 services at once (simulated).** 1000/1000 succeeded" in document


def _scale_run(services: int, seconds: float, last_arrival: float) -> dict[str, Any]:
    return {
        "services": services,
        "succeeded": services,
        "seconds": seconds,
        "throttles": 0,
        "task_retries": 0,
        "state_transitions": 14 * services,
        "cost_usd": 0.00035 * services,
        "cost_usd_per_service": 0.00035,
        "max_service_seconds": seconds,
        "first_ecs_write_seconds": 2.0,
        "lambda_cold_starts": 13 if services == 1 else 120,
        "cpu_busy_seconds": 140.0,
        "local_cloud_cpu_seconds": 92.0,
        "last_arrival_seconds": last_arrival,
        "earliest_last_turn_seconds": max(last_arrival, (services - 20) / 1.0),
        "failures": {},
    }


def test_a_token_bucket_lets_the_burst_through_then_one_call_per_interval() -> None:
    assert earliest_last_turn([0.0] * 20, rate=1.0, burst=20) == 0.0
    assert earliest_last_turn([0.0] * 25, rate=1.0, burst=20) == pytest.approx(5.0)
    # calls that arrive slower than the rate never wait
    assert earliest_last_turn([float(i) for i in range(100)], rate=1.0, burst=20) == 99.0
    # a bucket refills while nobody calls: 30 s of quiet after the first 20 buys 20 more
    late = [0.0] * 20 + [30.0] * 25
    assert earliest_last_turn(late, rate=1.0, burst=20) == pytest.approx(35.0)


def test_measured_admission_rows_have_a_floor_from_when_the_executions_arrived() -> None:
    rows = admission_rows([_scale_run(1, 5.0, 2.0), _scale_run(100, 115.0, 27.0)])
    alone, hundred = rows
    assert alone["arrival_floor_seconds"] == 5.0
    assert hundred["floor_seconds"] == 85.0  # (100 - 20) / 1 + 5
    assert hundred["ratio"] == round(115.0 / 85.0, 3)
    # the last of them could register at 80 s, and one alone took 3 s after its turn
    assert hundred["arrival_floor_seconds"] == 83.0
    assert hundred["ratio_to_arrival_floor"] == round(115.0 / 83.0, 3)
    assert hundred["last_arrival_seconds"] == 27.0


def test_a_measured_admission_over_its_floor_is_explained_by_the_machine(
    results: dict[str, Any],
) -> None:
    runs = [_scale_run(1, 5.0, 2.0), _scale_run(100, 115.0, 90.0)]
    slow = {**copy.deepcopy(results), "scale": runs, "scale_admission": admission_rows(runs)}
    document = render(slow)
    row = (
        "| 100 | measured | 100/100 | 115.00 s | 85.00 s | 1.35x | 90.00 s | 93.00 s | 1.24x | 0 |"
    )
    assert row in document
    assert "The 100 executions reached RegisterTaskDefinition by 90 s (one alone: 2 s)" in (
        document
    )
    assert "with 120 Lambda cold starts" in document
    assert "at most 16 workers per function" in document
    assert "busy 92 CPU-seconds, 80% of one core over the run" in document
    assert "From those arrivals the floor is 93 s and the run took 1.24x of it" in document
    assert "| 115.00 s | 2.00 s | 120 | 140 |" in document  # the scale table's new columns


def _rollout(name: str, status: str, polling: int) -> dict[str, Any]:
    return {
        "rollout": name,
        "status": status,
        "ecs_status": "SUCCESSFUL" if status == "SUCCEEDED" else "ROLLBACK_SUCCESSFUL",
        "deploy_api_calls": 4,
        "polling_calls": polling,
        "state_transitions": 17,
        "seconds": 5.5,
    }


def test_progressive_rollouts_are_tabled_and_their_polling_counts_in_the_target(
    results: dict[str, Any],
) -> None:
    rolled = copy.deepcopy(results)
    rolled["progressive"] = [
        _rollout("canary", "SUCCEEDED", 0),
        _rollout("canary, alarm → rollback", "ROLLED_BACK", 0),
    ]
    document = render(rolled)
    assert "## Blue/green, linear and canary" in document
    assert "| canary, alarm → rollback | ROLLED_BACK (ECS: ROLLBACK_SUCCESSFUL) | 4 | 0 |" in (
        document
    )
    assert "2 blue/green, linear and canary rollouts" in document
    assert all(check.met for check in check_targets(rolled))

    rolled["progressive"][1]["polling_calls"] = 3  # a wait that asked ECS
    polling = next(c for c in check_targets(rolled) if c.key == "polling_calls")
    assert not polling.met
    assert polling.measured.startswith("3 ")


def test_results_without_progressive_rollouts_render_without_their_section(
    results: dict[str, Any],
) -> None:
    assert "## Blue/green, linear and canary" not in render(results)
