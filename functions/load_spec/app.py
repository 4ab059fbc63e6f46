"""Load & validate: read the spec at its exact version, validate it, start the deployment."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.contract import returns_json
from ecsdrop.deploy.load import load
from ecsdrop.deploy.results import Ignored
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="execution.name")
@tracer.capture_lambda_handler
@returns_json
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> WorkflowState | Ignored:
    rt = runtime(os.environ)
    document = load(
        event["input"],
        event["execution"],
        rt.bucket,
        rt.guardrails,
        rt.installation,
        store=rt.store,
    )
    if isinstance(document, Ignored):
        logger.info("event ignored", extra={"ignored": document.ignored})
        return document
    deployment = document.deployment
    logger.info(
        "spec loaded",
        extra={
            "service": deployment.service,
            "action": deployment.action,
            "specDigest": deployment.spec_digest,
        },
    )
    return document
