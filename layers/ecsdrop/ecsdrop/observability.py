"""Logger, Tracer and Metrics, created once; POWERTOOLS_* settings come from the template."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
# botocore only: ecsdrop's AWS calls are what a trace shows. Powertools' default patches every
# library the X-Ray SDK knows that is importable, which here adds sqlite3 (imported and patched
# at every cold start, never used) and a dozen failed imports.
tracer = Tracer(patch_modules=("botocore",))
metrics = Metrics()
