"""EventBridge buses and rules, SNS topics and subscriptions, SQS queues."""

from __future__ import annotations

import json
from typing import Any

from localcloud.template.context import Created, DeployContext, Properties, tags_as_list


def create_event_bus(ctx: DeployContext, props: Properties) -> Created:
    name = props.require("Name")
    request: dict[str, Any] = {"Name": name}
    tags = tags_as_list(props.get("Tags"))
    if tags:
        request["Tags"] = tags
    for key in ("Description", "KmsKeyIdentifier", "DeadLetterConfig"):
        if props.get(key) is not None:
            request[key] = props.get(key)
    arn = ctx.client("events").create_event_bus(**request)["EventBusArn"]
    return Created(name, {"Arn": arn, "Name": name})


def create_schedule_group(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("Name") or ctx.physical_name(props.logical_id, 64)
    request: dict[str, Any] = {"Name": name}
    tags = tags_as_list(props.get("Tags"))
    if tags:
        request["Tags"] = tags
    arn = ctx.client("scheduler").create_schedule_group(**request)["ScheduleGroupArn"]
    return Created(name, {"Arn": arn})


def _bus_name(bus: str | None) -> str:
    """Rules name their bus by name or by ARN; the bus name is the ARN's last part."""
    if not bus:
        return "default"
    return bus.rsplit("/", 1)[-1] if bus.startswith("arn:") else bus


def create_rule(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("Name") or ctx.physical_name(props.logical_id, 64)
    bus = _bus_name(props.get("EventBusName"))
    request: dict[str, Any] = {
        "Name": name,
        "EventBusName": bus,
        "State": props.get("State", "ENABLED"),
    }
    optional = {
        "EventPattern": props.json_text("EventPattern"),
        "ScheduleExpression": props.get("ScheduleExpression"),
        "Description": props.get("Description"),
        "RoleArn": props.get("RoleArn"),
    }
    request.update({key: value for key, value in optional.items() if value is not None})
    events = ctx.client("events")
    arn = events.put_rule(**request)["RuleArn"]
    targets = props.get("Targets") or []
    if targets:
        events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
    # CloudFormation's Ref: the name on the default bus, "bus|name" on a custom one.
    reference = name if bus == "default" else f"{bus}|{name}"
    return Created(reference, {"Arn": arn})


def create_topic(ctx: DeployContext, props: Properties) -> Created:
    fifo = props.get("FifoTopic") in (True, "true")
    name = props.get("TopicName") or ctx.physical_name(props.logical_id, 251)
    if fifo and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {
        key: str(value).lower() if isinstance(value, bool) else str(value)
        for key in ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication")
        if (value := props.get(key)) is not None
    }
    sns = ctx.client("sns")
    request: dict[str, Any] = {"Name": name, "Attributes": attributes}
    tags = tags_as_list(props.get("Tags"))
    if tags:
        request["Tags"] = tags
    arn = sns.create_topic(**request)["TopicArn"]
    for subscription in props.get("Subscription") or []:
        sns.subscribe(
            TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"]
        )
    return Created(arn, {"TopicArn": arn, "TopicName": name})


def create_subscription(ctx: DeployContext, props: Properties) -> Created:
    attributes: dict[str, str] = {}
    for key in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
        text = props.json_text(key)
        if text is not None:
            attributes[key] = text
    for key in ("FilterPolicyScope", "RawMessageDelivery"):
        value = props.get(key)
        if value is not None:
            attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
    props.ignore("Region")
    arn = ctx.client("sns").subscribe(
        TopicArn=props.require("TopicArn"),
        Protocol=props.require("Protocol"),
        Endpoint=props.get("Endpoint", ""),
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return Created(arn)


def create_topic_policy(ctx: DeployContext, props: Properties) -> Created:
    policy = props.json_text("PolicyDocument")
    sns = ctx.client("sns")
    for topic_arn in props.require("Topics"):
        sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy", AttributeValue=policy)
    return Created(ctx.physical_name(props.logical_id, 64))


_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
)


def _queue_attributes(props: Properties) -> dict[str, str]:
    attributes = {
        key: str(value).lower() if isinstance(value, bool) else str(value)
        for key in _QUEUE_ATTRIBUTES
        if (value := props.get(key)) is not None
    }
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        text = props.json_text(key)
        if text is not None:
            attributes[key] = text
    return attributes


def create_queue(ctx: DeployContext, props: Properties) -> Created:
    attributes = _queue_attributes(props)
    name = props.get("QueueName") or ctx.physical_name(props.logical_id, 75)
    if attributes.get("FifoQueue") == "true" and not name.endswith(".fifo"):
        name += ".fifo"
    request: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
    tags = {tag["Key"]: tag["Value"] for tag in tags_as_list(props.get("Tags"))}
    if tags:
        request["tags"] = tags
    sqs = ctx.client("sqs")
    url = sqs.create_queue(**request)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return Created(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})


def create_queue_policy(ctx: DeployContext, props: Properties) -> Created:
    policy = props.json_text("PolicyDocument") or json.dumps({})
    sqs = ctx.client("sqs")
    for url in props.require("Queues"):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    return Created(ctx.physical_name(props.logical_id, 64))
