"""Load & validate: read the spec at its exact version, validate it, start the deployment."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.deploy.load import start
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="execution.name")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rt = runtime(os.environ)
    document = start(
        event["input"],
        event["execution"],
        bucket=rt.bucket,
        guardrails=rt.guardrails,
        installation=rt.installation,
        store=rt.store,
    )
    deployment = document.get("deployment") or {}
    logger.info(
        "spec loaded",
        extra={
            "service": deployment.get("service"),
            "action": deployment.get("action"),
            "specDigest": deployment.get("specDigest"),
            "ignored": document.get("ignored"),
        },
    )
    return document
