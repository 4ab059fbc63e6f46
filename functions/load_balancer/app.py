"""Load balancer: ALB/NLB, target group, listeners, or a rule on a shared ALB."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.contract import returns_json
from ecsdrop.deploy.load_balancer import ensure_load_balancer
from ecsdrop.deploy.results import LoadBalancerResult
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.observability import logger, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="deployment.id")
@tracer.capture_lambda_handler
@returns_json
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> LoadBalancerResult:
    rt = runtime(os.environ)
    state = WorkflowState.from_json(event)
    return ensure_load_balancer(state, lambda: rt.elbv2, rt.ledger(state.deployment.id))
