"""ECS "ECS Task State Change" events of scheduled jobs' runs → a failed run announced."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.contract import returns_json
from ecsdrop.deploy.results import ScheduledRunReport
from ecsdrop.deploy.scheduled_run import ScheduledRuns
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="detail.taskArn")
@tracer.capture_lambda_handler
@returns_json
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> ScheduledRunReport:
    # A plain dict, not Powertools' EventBridgeEvent: see functions/ecr_trigger/app.py.
    rt = runtime(os.environ)
    runs = ScheduledRuns(rt.store, rt.logs, rt.publisher, rt.installation.region)
    report = runs.handle(event)
    logger.info("scheduled run", extra=report.to_json())
    return report
