"""template.yaml wires the notifier as the code expects: the same event names, the secret it
reads (and only that), the rule's two targets, and a topic EventBridge can publish to."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from ecsdrop.aws.events import DETAIL_TYPE, SOURCE
from ecsdrop.notify.delivery import RetryPolicy
from ecsdrop.notify.destinations import parse_destinations
from ecsdrop.notify.once import RECORD_KEY
from tests.support.template import resource, template
from tests.unit.notify.samples import real_detail


def test_the_default_secret_is_a_valid_empty_list_of_destinations() -> None:
    text = resource("DestinationsSecret")["Properties"]["SecretString"]
    assert parse_destinations(text, "template default") == ()


def test_the_notifier_may_read_its_secret_and_its_post_records_and_nothing_else() -> None:
    props = resource("NotifierFunction")["Properties"]
    assert props["CodeUri"] == "functions/notifier"
    env = props["Environment"]["Variables"]
    assert env["DESTINATIONS_SECRET_ARN"] == {"Ref": "DestinationsSecret"}
    secret, records = props["Policies"]
    assert secret == {
        "AWSSecretsManagerGetSecretValuePolicy": {"SecretArn": {"Ref": "DestinationsSecret"}}
    }
    (statement,) = records["Statement"]
    assert statement["Resource"] == {"Fn::GetAtt": ["StateTable", "Arn"]}
    assert statement["Condition"] == {
        "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [RECORD_KEY]}
    }
    assert props["DeadLetterQueue"]["TargetArn"] == {
        "Fn::GetAtt": ["NotificationsDeadLetterQueue", "Arn"]
    }
    assert "Events" not in props  # invoked by the rule below, with its own permission


def test_the_notifier_outlasts_a_destination_that_uses_its_whole_budget() -> None:
    timeout = resource("NotifierFunction")["Properties"]["Timeout"]
    assert timeout >= 3 * RetryPolicy().budget_seconds


def test_one_rule_on_the_stacks_bus_sends_the_published_events_to_both_targets() -> None:
    rule = resource("DeploymentEventsRule")["Properties"]
    assert rule["EventBusName"] == {"Ref": "EventBus"}
    assert rule["EventPattern"] == {"source": [SOURCE], "detail-type": [DETAIL_TYPE]}
    arns = [t["Arn"] for t in rule["Targets"]]
    assert arns == [{"Fn::GetAtt": ["NotifierFunction", "Arn"]}, {"Ref": "NotificationTopic"}]
    permission = resource("NotifierInvokePermission")["Properties"]
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": ["DeploymentEventsRule", "Arn"]}


def test_only_that_rule_and_the_stacks_alarms_may_publish_to_the_topic() -> None:
    statements = resource("NotificationTopicPolicy")["Properties"]["PolicyDocument"]["Statement"]
    by_principal = {s["Principal"]["Service"]: s for s in statements}
    assert set(by_principal) == {"events.amazonaws.com", "cloudwatch.amazonaws.com"}
    assert {s["Action"] for s in statements} == {"sns:Publish"}
    assert by_principal["events.amazonaws.com"]["Condition"] == {
        "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["DeploymentEventsRule", "Arn"]}}
    }
    alarms = by_principal["cloudwatch.amazonaws.com"]["Condition"]["ArnEquals"]["aws:SourceArn"]
    names = {alarm["Fn::GetAtt"][0] for alarm in alarms}
    assert names == {
        name for name, r in template()["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def test_the_topic_is_encrypted_with_a_key_eventbridge_and_alarms_may_use() -> None:
    topic = resource("NotificationTopic")["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "NotificationTopicKey"}
    statements = resource("NotificationTopicKey")["Properties"]["KeyPolicy"]["Statement"]
    (publishers,) = [s for s in statements if "Service" in s["Principal"]]
    assert set(publishers["Principal"]["Service"]) == {
        "events.amazonaws.com",
        "cloudwatch.amazonaws.com",
    }
    assert set(publishers["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}


def transform(transformer: dict[str, Any], event: dict[str, Any]) -> str:
    """EventBridge's input transformer: a placeholder inside a JSON string takes the raw
    value, one outside takes the value as JSON."""

    def value(path: str) -> Any:
        found: Any = event
        for key in path.removeprefix("$.").split("."):
            found = found[key]
        return found

    values = {name: value(path) for name, path in transformer["InputPathsMap"].items()}
    text: str = transformer["InputTemplate"]
    placeholder = re.compile(r"<(\w+)>")
    out: list[str] = []
    inside_string = False
    at = 0
    while at < len(text):
        match = placeholder.match(text, at)
        if match and match.group(1) in values:
            found = values[match.group(1)]
            out.append(str(found) if inside_string else json.dumps(found))
            at = match.end()
            continue
        if text[at] == '"':
            inside_string = not inside_string
        out.append(text[at])
        at += 1
    return "".join(out)


def test_the_topic_gets_chatbots_custom_notification_format() -> None:
    (_, topic_target) = resource("DeploymentEventsRule")["Properties"]["Targets"]
    event = {"id": "e-1", "detail": real_detail("rolled-back")}
    message = json.loads(transform(topic_target["InputTransformer"], event))
    assert message["version"] == "1.0"
    assert message["source"] == "custom"
    assert message["content"]["title"] == "ecsdrop: scorekeep ROLLED_BACK"
    assert message["metadata"]["threadId"] == event["detail"]["deploymentId"]
    assert message["metadata"]["relatedResources"] == [event["detail"]["consoleUrl"]]


@pytest.mark.parametrize("sample", ["deleted", "retained", "delete-failed", "planned"])
def test_the_topic_message_reads_right_for_every_kind_of_run(sample: str) -> None:
    (_, topic_target) = resource("DeploymentEventsRule")["Properties"]["Targets"]
    detail = real_detail(sample)
    message = json.loads(transform(topic_target["InputTransformer"], {"id": "e", "detail": detail}))
    content = message["content"]
    assert content["description"] == (
        f"{detail['service']} on cluster {detail['cluster']}: {detail['state']} "
        f"(ecsdrop run {detail['deploymentId']})."
    )
    assert "None" not in json.dumps(message) and None not in message["metadata"].values()


def test_the_outputs_name_the_topic_and_the_secret() -> None:
    outputs = template()["Outputs"]
    assert outputs["NotificationTopicArn"]["Value"] == {"Ref": "NotificationTopic"}
    assert outputs["DestinationsSecretArn"]["Value"] == {"Ref": "DestinationsSecret"}
