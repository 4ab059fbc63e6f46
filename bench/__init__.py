"""`make bench`: ecsdrop's speed and economy, measured side by side on the local cloud.

Writes bench/results.json (every number measured by the run) and docs/performance.md (generated
from results.json, with a plot). Never part of `make test`.
"""
