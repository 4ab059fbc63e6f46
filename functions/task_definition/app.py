"""Register task definition: pinned to digests, skipped when identical to the latest."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.contract import returns_json
from ecsdrop.deploy.results import AdmissionWait, TaskDefinitionResult
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.deploy.task_definition import register_task_definition
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="deployment.id")
@tracer.capture_lambda_handler
@returns_json
def lambda_handler(
    event: dict[str, Any], context: LambdaContext
) -> TaskDefinitionResult | AdmissionWait:
    rt = runtime(os.environ)
    state = WorkflowState.from_json(event)
    ledger = rt.ledger(state.deployment.id)
    return rt.with_admission(
        state.steps.task_definition,
        lambda ecs: register_task_definition(
            state, ecs, rt.ecr, lambda: rt.logs, ledger, installation=rt.installation
        ),
    )
