"""ecsdrop "Deployment State Change" events → the chat destinations of the secret.

Never raises for a chat outage (each destination's result is logged and counted); raises
only when the destinations secret cannot be read or is invalid.
"""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.notify.once import event_identity
from ecsdrop.notify.runtime import notifier_runtime
from ecsdrop.observability import logger, metrics, tracer


@logger.inject_lambda_context(correlation_id_path="detail.deploymentId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # A plain dict, not Powertools' EventBridgeEvent: see functions/ecr_trigger/app.py.
    notifier = notifier_runtime(os.environ).notifier
    if notifier.once is not None:
        notifier.once.register(context)
    report = notifier.announce(
        event["detail"],
        time_left_seconds=context.get_remaining_time_in_millis() / 1000,
        identity=event_identity(event),
    )
    metrics.add_metric(name="NotificationsDelivered", unit="Count", value=len(report.delivered))
    metrics.add_metric(name="NotificationsFailed", unit="Count", value=len(report.failed))
    summary = report.to_json()
    if report.failed:
        logger.warning("some chat destinations did not get the message", extra={"report": summary})
    else:
        logger.info("deployment event announced", extra={"report": summary})
    return summary
