"""template.yaml's operations part: the dashboard shows what ecsdrop really emits, the alarms
reach the notification topic, and `sam publish` finds its metadata."""

from __future__ import annotations

import json
import re
from typing import Any

from ecsdrop import states
from tests.support.template import ROOT, resource, template


def dashboard() -> dict[str, Any]:
    body, variables = resource("OperationsDashboard")["Properties"]["DashboardBody"]["Fn::Sub"]
    filled = re.sub(r"\$\{([^}]+)\}", lambda m: f"<{m.group(1)}>", body)
    assert set(re.findall(r"\$\{([^}]+)\}", body)) - {"AWS::Region"} <= set(variables)
    parsed: dict[str, Any] = json.loads(filled)
    return parsed


def charted_metrics() -> set[tuple[str, str]]:
    """(namespace, metric name) of every line of every widget, '.' and '...' resolved."""
    charted = set()
    for widget in dashboard()["widgets"]:
        previous: list[str] = []
        for line in widget["properties"]["metrics"]:
            names = [part for part in line if isinstance(part, str)]
            if names[0] == "...":
                names = previous
            resolved = [p if p != "." else previous[i] for i, p in enumerate(names)]
            charted.add((resolved[0], resolved[1]))
            previous = resolved
    return charted


def emitted_metrics() -> set[str]:
    """The metric names the handlers put in the ecsdrop namespace."""
    code = "\n".join(path.read_text() for path in (ROOT / "functions").glob("*/app.py"))
    names = set(re.findall(r'add_metric\(\s*name="(\w+)"', code))
    outcomes = {
        value for key, value in vars(states).items() if key.isupper() and isinstance(value, str)
    }
    # functions/finish/app.py: one DeploymentsX per outcome the Finish step reports
    names |= {f"Deployments{outcome.title().replace('_', '')}" for outcome in outcomes}
    return names


def test_the_dashboard_charts_only_metrics_ecsdrop_emits() -> None:
    ours = {name for namespace, name in charted_metrics() if namespace == "ecsdrop"}
    assert ours, "the dashboard shows none of ecsdrop's own metrics"
    assert ours <= emitted_metrics(), sorted(ours - emitted_metrics())
    assert ("AWS/States", "ExecutionTime") in charted_metrics()
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in charted_metrics()


def test_the_dashboard_shows_every_dead_letter_queue() -> None:
    variables = resource("OperationsDashboard")["Properties"]["DashboardBody"]["Fn::Sub"][1]
    queues = {v["Fn::GetAtt"][0] for v in variables.values() if "Fn::GetAtt" in v}
    every = {name for name, r in template()["Resources"].items() if r["Type"] == "AWS::SQS::Queue"}
    assert queues == every


def test_failed_rollbacks_and_dead_letters_alarm_on_the_notification_topic() -> None:
    alarms = {
        name: r["Properties"]
        for name, r in template()["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert "RollbackFailedAlarm" in alarms
    assert alarms["RollbackFailedAlarm"]["MetricName"] in emitted_metrics()
    assert len([n for n in alarms if n.endswith("DeadLetterQueueAlarm")]) == 6
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": "NotificationTopic"}], name


def test_sam_publish_finds_the_applications_metadata() -> None:
    application = template()["Metadata"]["AWS::ServerlessRepo::Application"]
    assert {"Name", "Description", "Author", "SemanticVersion"} <= set(application)
    assert (ROOT / application["ReadmeUrl"]).is_file()
    assert re.fullmatch(r"\d+\.\d+\.\d+", application["SemanticVersion"])
