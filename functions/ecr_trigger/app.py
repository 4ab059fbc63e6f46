"""ECR "Image Action" PUSH → redeploy every service that follows that repository and tag."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.deploy.trigger import on_image_push
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The EventBridge event as a plain dict: Powertools' data classes package imports every
    # event class it has, a cold-start cost (bench/cold_start_ab.py) for one `detail` lookup.
    rt = runtime(os.environ)
    redeploys = on_image_push(event, rt.store, rt.executions, rt.installation, rt.bucket)
    logger.info("image pushed", extra={"detail": event["detail"], "redeploys": redeploys})
    return {"redeploys": redeploys}
