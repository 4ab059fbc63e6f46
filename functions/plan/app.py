"""Plan: what a spec would change against what runs, for `ecsdrop diff` (answered) or a
spec uploaded to plans/ (announced as PLANNED). Changes nothing."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.deploy.plan import plan_step
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rt = runtime(os.environ)
    result = plan_step(event, rt.planner)
    logger.info(
        "planned", extra={"service": result.get("service"), "changes": result.get("changes")}
    )
    return result
