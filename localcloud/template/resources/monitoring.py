"""CloudWatch Logs groups, CloudWatch alarms and dashboards."""

from __future__ import annotations

from typing import Any

from localcloud.template.context import Created, DeployContext, Properties, tags_as_map


def create_log_group(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("LogGroupName") or ctx.physical_name(props.logical_id, 512)
    request: dict[str, Any] = {"logGroupName": name}
    if props.get("KmsKeyId"):
        request["kmsKeyId"] = props.get("KmsKeyId")
    tags = tags_as_map(props.get("Tags"))
    if tags:
        request["tags"] = tags
    logs = ctx.client("logs")
    logs.create_log_group(**request)
    retention = props.get("RetentionInDays")
    if retention is not None:
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(retention))
    return Created(name, {"Arn": ctx.arn("logs", f"log-group:{name}:*")})


_ALARM_FIELDS = (
    "AlarmDescription",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Unit",
    "DatapointsToAlarm",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "Metrics",
    "ThresholdMetricId",
)
_ALARM_INTEGERS = ("Period", "EvaluationPeriods", "DatapointsToAlarm")


def create_alarm(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("AlarmName") or ctx.physical_name(props.logical_id, 255)
    request: dict[str, Any] = {"AlarmName": name}
    request.update({key: props.get(key) for key in _ALARM_FIELDS if props.get(key) is not None})
    for key in _ALARM_INTEGERS:
        if props.get(key) is not None:
            request[key] = int(props.get(key))
    if props.get("Threshold") is not None:
        request["Threshold"] = float(props.get("Threshold"))
    ctx.client("cloudwatch").put_metric_alarm(**request)
    return Created(name, {"Arn": ctx.arn("cloudwatch", f"alarm:{name}")})


def create_dashboard(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("DashboardName") or ctx.physical_name(props.logical_id, 255)
    body = props.json_text("DashboardBody") or "{}"
    ctx.client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=body)
    return Created(name)
