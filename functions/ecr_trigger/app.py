"""ECR "Image Action" PUSH → redeploy every service that follows that repository and tag."""

import os
from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.deploy.trigger import on_image_push
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="id")
@tracer.capture_lambda_handler
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    rt = runtime(os.environ)
    redeploys = on_image_push(event.raw_event, rt.store, rt.executions, rt.installation, rt.bucket)
    logger.info("image pushed", extra={"detail": event.detail, "redeploys": redeploys})
    return {"redeploys": redeploys}
