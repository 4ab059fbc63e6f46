"""Logger, Tracer and Metrics, created once; POWERTOOLS_* settings come from the template."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
