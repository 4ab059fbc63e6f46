"""Record & release: status object, history, lock, and the state-change event."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ecsdrop.contract import returns_json
from ecsdrop.deploy.finish import conclude
from ecsdrop.deploy.results import Report
from ecsdrop.observability import logger, metrics, tracer
from ecsdrop.runtime import runtime


@logger.inject_lambda_context(correlation_id_path="state.deployment.id")
@tracer.capture_lambda_handler
@metrics.log_metrics
@returns_json
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Report:
    rt = runtime(os.environ)
    report = conclude(event, rt.reporter)
    metrics.add_metric(
        name=f"Deployments{event['outcome'].title().replace('_', '')}", unit="Count", value=1
    )
    # bookkeeping that failed without failing the run (status object, history, event, lock)
    metrics.add_metric(name="ReportsFailed", unit="Count", value=len(report.unreported or ()))
    return report
