"""Rollback: undo this run from its ledger, newest first."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.deploy.rollback import roll_back
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="deployment.id")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rt = runtime(os.environ)
    ledger = rt.ledger(event["deployment"]["id"])
    report = roll_back(ledger.entries(), rt.gateways)
    logger.info("rolled back", extra=report.to_json())
    return report.to_json()
