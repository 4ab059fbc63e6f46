"""Progressive delivery through the pipeline: canary, linear and blue/green deployments on
ECS's native strategies. The local cloud walks ECS's lifecycle stages on its clock and
shifts the production listener rule's real forward weights; these tests watch the rule."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.pipeline.conftest import Pipeline, scorekeep, spec_file, wait_until
from tests.support.hooks import hook_function

ROLLING = """  deployment:
    minimumHealthyPercent: 100
    maximumPercent: 200
    stabilityTimeoutSeconds: 600
"""


def progressive(name: str, deployment: str, **replacements: str) -> str:
    """examples/scorekeep.yaml as ``name`` with ``deployment`` as its service.deployment."""
    return scorekeep(name, **{ROLLING: deployment, **replacements})


def canary(extra: str = "") -> str:
    return (
        "  deployment:\n    strategy: canary\n    canary:\n      percent: 10\n"
        f"      bakeTimeMinutes: 3\n    bakeTimeMinutes: 2\n{extra}"
    )


def newer(pipeline: Pipeline, tag: str) -> dict[str, str]:
    """Replacements that make the spec deploy a new scorekeep-api image ``tag``."""
    pipeline.push("scorekeep-api", tag, tag)
    return {"scorekeep-api:latest": f"scorekeep-api:{tag}"}


def described(pipeline: Pipeline, service: str) -> dict[str, Any]:
    (found,) = pipeline.client("ecs").describe_services(cluster="ecsdrop", services=[service])[
        "services"
    ]
    return dict(found)


def service_deployment(pipeline: Pipeline, service: str) -> dict[str, Any]:
    """The service's newest ECS service deployment, described ({} before there is one)."""
    ecs = pipeline.client("ecs")
    listed = ecs.list_service_deployments(cluster="ecsdrop", service=service)
    if not listed["serviceDeployments"]:
        return {}
    arn = listed["serviceDeployments"][0]["serviceDeploymentArn"]
    found = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"]
    return dict(found[0])


def rolled_back(pipeline: Pipeline, service: str) -> bool:
    """ECS's rollback has finished (the green tasks stopped): ecsdrop's run may end before,
    once ECS has begun it."""
    return service_deployment(pipeline, service).get("status") == "ROLLBACK_SUCCESSFUL"


class Traffic:
    """The forward weights of a service's production (or test) listener rule, by role: the
    share of the target group the service's new tasks register in ("new") and the other's."""

    def __init__(self, pipeline: Pipeline, service: str, rule_key: str) -> None:
        self._elb = pipeline.client("elbv2")
        advanced = described(pipeline, service)["loadBalancers"][0]["advancedConfiguration"]
        self.rule = advanced[rule_key]
        self.seen: list[dict[str, int]] = []

    def weights(self) -> dict[str, int]:
        (rule,) = self._elb.describe_rules(RuleArns=[self.rule])["Rules"]
        forward = next(a for a in rule["Actions"] if a["Type"] == "forward")
        groups = (forward.get("ForwardConfig") or {}).get("TargetGroups")
        if not groups:
            return {forward["TargetGroupArn"]: 1}
        return {g["TargetGroupArn"]: int(g["Weight"]) for g in groups}

    @contextmanager
    def watched(self) -> Iterator[None]:
        """Record every distinct set of weights while the block runs."""
        stop = threading.Event()

        def watch() -> None:
            while not stop.is_set():
                weights = self.weights()
                if not self.seen or self.seen[-1] != weights:
                    self.seen.append(weights)
                time.sleep(0.02)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            yield
        finally:
            stop.set()
            watcher.join(5)

    def shares(self, new_group: str) -> list[float]:
        """The new group's percent of production traffic, in the order it was seen."""
        shares = []
        for weights in self.seen:
            total = sum(weights.values())
            if len(weights) > 1 and total:
                shares.append(round(100.0 * weights.get(new_group, 0) / total, 1))
        return shares


def green_group(pipeline: Pipeline, service: str, traffic: Traffic) -> str:
    """The group that takes no production traffic now: where the next deployment's tasks go."""
    weights = traffic.weights()
    groups = [
        described(pipeline, service)["loadBalancers"][0]["targetGroupArn"],
        described(pipeline, service)["loadBalancers"][0]["advancedConfiguration"][
            "alternateTargetGroupArn"
        ],
    ]
    return min(groups, key=lambda group: weights.get(group, 0))


def test_a_canary_shifts_its_percent_bakes_then_shifts_the_rest_and_succeeds(
    pipeline: Pipeline,
) -> None:
    first = pipeline.submit(progressive("sk-canary", canary()), "sk-canary")
    assert first["status"] == "SUCCEEDED", first
    service = described(pipeline, "sk-canary")
    assert service["deploymentConfiguration"]["strategy"] == "CANARY"
    assert service["deploymentConfiguration"]["canaryConfiguration"] == {
        "canaryPercent": 10.0,
        "canaryBakeTimeInMinutes": 3,
    }
    traffic = Traffic(pipeline, "sk-canary", "productionListenerRule")
    green = green_group(pipeline, "sk-canary", traffic)

    with traffic.watched():
        second = pipeline.submit(
            progressive("sk-canary", canary(), **newer(pipeline, "canary")), "sk-canary"
        )

    assert second["status"] == "SUCCEEDED", second
    shares = traffic.shares(green)
    assert 10.0 in shares, traffic.seen  # the canary step was really taken
    assert shares.index(10.0) < shares.index(100.0)
    assert shares[-1] == 100.0
    assert described(pipeline, "sk-canary")["taskDefinition"] == second["taskDefinitionArn"]
    deployment = service_deployment(pipeline, "sk-canary")
    assert deployment["status"] == "SUCCESSFUL"
    assert deployment["lifecycleStage"] == "CLEAN_UP"  # it went through the bake to the end


def test_an_alarm_in_alarm_during_the_canary_rolls_back_to_the_previous_revision(
    pipeline: Pipeline,
) -> None:
    pipeline.client("cloudwatch").put_metric_alarm(
        AlarmName="sk-alarm-5xx",
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    spec = progressive("sk-alarm", canary("    alarms: [sk-alarm-5xx]\n"))
    first = pipeline.submit(spec, "sk-alarm")
    assert first["status"] == "SUCCEEDED", first
    result: dict[str, Any] = {}
    changed = progressive(
        "sk-alarm", canary("    alarms: [sk-alarm-5xx]\n"), **newer(pipeline, "alarm")
    )
    submitting = threading.Thread(
        target=lambda: result.update(pipeline.submit(changed, "sk-alarm"))
    )
    submitting.start()

    def in_canary() -> bool:
        deployment = service_deployment(pipeline, "sk-alarm")
        target = deployment.get("targetServiceRevision") or {}
        return (
            deployment.get("status") == "IN_PROGRESS"
            and target.get("requestedProductionTrafficWeight") == 10.0
        )

    assert wait_until(in_canary, 60)
    pipeline.client("cloudwatch").set_alarm_state(
        AlarmName="sk-alarm-5xx", StateValue="ALARM", StateReason="5xx from the canary"
    )
    submitting.join(120)

    assert result["status"] == "ROLLED_BACK", result
    assert "sk-alarm-5xx" in result["cause"]
    assert described(pipeline, "sk-alarm")["taskDefinition"] == first["taskDefinitionArn"]
    assert wait_until(lambda: rolled_back(pipeline, "sk-alarm"), 30)
    deployment = service_deployment(pipeline, "sk-alarm")
    assert deployment["alarms"]["triggeredAlarmNames"] == ["sk-alarm-5xx"]
    assert pipeline.state("sk-alarm")["taskDefinitionArn"] == first["taskDefinitionArn"]


def test_a_linear_deployment_shifts_traffic_in_its_steps(pipeline: Pipeline) -> None:
    linear = (
        "  deployment:\n    strategy: linear\n    linear:\n      stepPercent: 25\n"
        "      stepBakeTimeMinutes: 1\n    bakeTimeMinutes: 0\n"
    )
    first = pipeline.submit(progressive("sk-linear", linear), "sk-linear")
    assert first["status"] == "SUCCEEDED", first
    traffic = Traffic(pipeline, "sk-linear", "productionListenerRule")
    green = green_group(pipeline, "sk-linear", traffic)

    with traffic.watched():
        second = pipeline.submit(
            progressive("sk-linear", linear, **newer(pipeline, "linear")), "sk-linear"
        )

    assert second["status"] == "SUCCEEDED", second
    steps = [share for share in traffic.shares(green) if share > 0]
    assert steps == [25.0, 50.0, 75.0, 100.0], traffic.seen


def test_a_blue_green_deployment_tests_the_new_tasks_on_the_test_listener_then_switches(
    pipeline: Pipeline,
) -> None:
    blue_green = (
        "  deployment:\n    strategy: blueGreen\n    bakeTimeMinutes: 1\n"
        "    testListener:\n      port: 8443\n"
    )
    first = pipeline.submit(progressive("sk-bluegreen", blue_green), "sk-bluegreen")
    assert first["status"] == "SUCCEEDED", first
    production = Traffic(pipeline, "sk-bluegreen", "productionListenerRule")
    test = Traffic(pipeline, "sk-bluegreen", "testListenerRule")
    green = green_group(pipeline, "sk-bluegreen", production)

    with production.watched(), test.watched():
        second = pipeline.submit(
            progressive("sk-bluegreen", blue_green, **newer(pipeline, "bluegreen")),
            "sk-bluegreen",
        )

    assert second["status"] == "SUCCEEDED", second
    assert [s for s in production.shares(green) if s > 0] == [100.0]  # all at once
    assert 100.0 in test.shares(green)  # the test listener reached the new tasks
    health = pipeline.client("elbv2").describe_target_health(TargetGroupArn=green)
    assert [t["TargetHealth"]["State"] for t in health["TargetHealthDescriptions"]] == [
        "healthy",
        "healthy",
    ]


PLAIN_BLUE_GREEN = "  deployment:\n    strategy: blueGreen\n    bakeTimeMinutes: 1\n"
PLAIN_CANARY = canary()


def hooked(strategy: str, *hooks: str) -> str:
    return (
        f"  deployment:\n    strategy: {strategy}\n    bakeTimeMinutes: 1\n    hooks:\n"
        + "".join(hooks)
    )


def test_a_blue_green_deployment_whose_lambda_hook_answers_failed_is_rolled_back(
    pipeline: Pipeline,
) -> None:
    refuse = hook_function(pipeline.client, "ecsdrop-hook-refuse", {"hookStatus": "FAILED"})
    spec = hooked(
        "blueGreen",
        f"      - stage: POST_SCALE_UP\n        function: {refuse}\n"
        "        details: {check: smoke}\n",
    )
    first = pipeline.submit(progressive("sk-hook", PLAIN_BLUE_GREEN), "sk-hook")
    assert first["status"] == "SUCCEEDED", first
    traffic = Traffic(pipeline, "sk-hook", "productionListenerRule")
    green = green_group(pipeline, "sk-hook", traffic)

    with traffic.watched():
        second = pipeline.submit(progressive("sk-hook", spec, **newer(pipeline, "hook")), "sk-hook")

    assert second["status"] == "ROLLED_BACK", second
    assert "lifecycle hook FAILED" in second["cause"]
    assert described(pipeline, "sk-hook")["taskDefinition"] == first["taskDefinitionArn"]
    assert 100.0 not in traffic.shares(green), traffic.seen  # no production traffic reached it
    # ecsdrop's run ends once ECS has begun the rollback; the green tasks stop after it
    assert wait_until(lambda: rolled_back(pipeline, "sk-hook"), 30)
    details = service_deployment(pipeline, "sk-hook")["lifecycleHookDetails"]
    (hook,) = [h for h in details if h["targetArn"] == refuse]  # not ecsdrop's stage reporter
    assert hook["status"] == "FAILED"
    logs = pipeline.client("logs").filter_log_events(
        logGroupName="/aws/lambda/ecsdrop-hook-refuse", filterPattern="HOOK"
    )["events"]
    payload = json.loads(logs[0]["message"].split("HOOK ", 1)[1])
    assert payload["lifecycleStage"] == "POST_SCALE_UP"
    assert payload["hookDetails"] == {"check": "smoke"}
    assert payload["executionDetails"]["serviceArn"].endswith("/sk-hook")


PAUSE_AFTER_SHIFT = "      - stage: POST_PRODUCTION_TRAFFIC_SHIFT\n        pause: true\n"


def paused(pipeline: Pipeline, service: str) -> bool:
    hooks = service_deployment(pipeline, service).get("lifecycleHookDetails") or []
    return any(hook["status"] == "AWAITING_ACTION" for hook in hooks)


def test_a_pause_hook_holds_the_deployment_until_ecsdrop_continue(pipeline: Pipeline) -> None:
    spec = hooked("canary", PAUSE_AFTER_SHIFT)
    first = pipeline.submit(progressive("sk-pause", PLAIN_CANARY), "sk-pause")
    assert first["status"] == "SUCCEEDED", first
    result: dict[str, Any] = {}
    changed = progressive("sk-pause", spec, **newer(pipeline, "pause"))
    submitting = threading.Thread(
        target=lambda: result.update(pipeline.submit(changed, "sk-pause"))
    )

    submitting.start()
    assert wait_until(lambda: paused(pipeline, "sk-pause"), 60)
    time.sleep(3.0)  # 300 simulated seconds: it stays paused
    assert paused(pipeline, "sk-pause")
    assert submitting.is_alive()
    assert service_deployment(pipeline, "sk-pause")["status"] == "IN_PROGRESS"

    assert pipeline.cli("continue", "sk-pause") == 0
    submitting.join(120)

    assert result["status"] == "SUCCEEDED", result
    deployment = service_deployment(pipeline, "sk-pause")
    assert deployment["status"] == "SUCCESSFUL"
    pauses = [h for h in deployment["lifecycleHookDetails"] if h["targetType"] == "PAUSE"]
    assert [h["status"] for h in pauses] == ["SUCCEEDED"]
    assert pipeline.cli("continue", "sk-pause") == 1  # nothing is paused any more


def test_ecsdrop_abort_rolls_a_paused_deployment_back(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = hooked("canary", PAUSE_AFTER_SHIFT)
    first = pipeline.submit(progressive("sk-abort", PLAIN_CANARY), "sk-abort")
    assert first["status"] == "SUCCEEDED", first
    changed = progressive("sk-abort", spec, **newer(pipeline, "abort"))
    submitting = threading.Thread(target=lambda: pipeline.submit(changed, "sk-abort"))
    submitting.start()
    assert wait_until(lambda: paused(pipeline, "sk-abort"), 60)
    capsys.readouterr()

    code = pipeline.cli("abort", "sk-abort", "--wait", "--json")

    submitting.join(120)
    result = json.loads(capsys.readouterr().out)
    assert code == 0, result
    assert result["status"] == "ROLLED_BACK"
    assert described(pipeline, "sk-abort")["taskDefinition"] == first["taskDefinitionArn"]
    assert wait_until(lambda: rolled_back(pipeline, "sk-abort"), 30)


def test_submit_wait_until_bake_time_returns_while_the_bake_goes_on(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long_bake = (
        "  deployment:\n    strategy: blueGreen\n    bakeTimeMinutes: 60\n"
        "    stabilityTimeoutSeconds: 5400\n"
    )
    first = pipeline.submit(progressive("sk-until", PLAIN_BLUE_GREEN), "sk-until")
    assert first["status"] == "SUCCEEDED", first
    capsys.readouterr()
    changed = spec_file(tmp_path, progressive("sk-until", long_bake, **newer(pipeline, "until")))

    code = pipeline.cli("submit", changed, "--wait-until", "BAKE_TIME", "--json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0, result
    assert (result["status"], result["stage"]) == ("IN_PROGRESS", "BAKE_TIME")
    deployment = service_deployment(pipeline, "sk-until")
    assert deployment["status"] == "IN_PROGRESS"  # 60 minutes of bake are still ahead
    assert deployment["lifecycleStage"] == "BAKE_TIME"
    assert deployment["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0


def test_submit_wait_until_is_refused_for_a_rolling_update(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = pipeline.cli(
        "submit", spec_file(tmp_path, scorekeep("sk-until-rolling")), "--wait-until", "BAKE_TIME"
    )

    assert code == 2
    assert "needs a blueGreen, linear or canary strategy" in capsys.readouterr().err
    assert pipeline.executions_of("sk-until-rolling") == []


def test_diff_compares_the_strategy_and_exits_0_right_after_a_canary_deploy(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = progressive("sk-canary-diff", canary("    alarms: [sk-diff-5xx]\n"))
    deployed = pipeline.submit(spec, "sk-canary-diff")
    assert deployed["status"] == "SUCCEEDED", deployed
    capsys.readouterr()

    assert pipeline.cli("diff", spec_file(tmp_path, spec)) == 0, capsys.readouterr()
    capsys.readouterr()
    wider = spec.replace("      percent: 10\n", "      percent: 25\n")
    code = pipeline.cli("diff", spec_file(tmp_path, wider), "--json")

    answer = json.loads(capsys.readouterr().out)
    assert code == 1
    assert answer["changed"] == ["service"]
    (section,) = [s for s in answer["sections"] if s["name"] == "service"]
    assert (
        section["before"]["deploymentConfiguration"]["canaryConfiguration"]["canaryPercent"] == 10.0
    )
    assert (
        section["after"]["deploymentConfiguration"]["canaryConfiguration"]["canaryPercent"] == 25.0
    )
