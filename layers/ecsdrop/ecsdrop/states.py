"""The states of a run: the status object's `state`, a history record's `status`, the
`state` of the deployment event (docs/events.md). The one home of their names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STARTED = "STARTED"
SUCCEEDED = "SUCCEEDED"
REJECTED = "REJECTED"
FAILED = "FAILED"
ROLLED_BACK = "ROLLED_BACK"
ROLLBACK_FAILED = "ROLLBACK_FAILED"
# a service's end: its spec was deleted
DELETED = "DELETED"
RETAINED = "RETAINED"
DELETE_FAILED = "DELETE_FAILED"
# a spec under plans/ compared with what runs, nothing changed
PLANNED = "PLANNED"
# a scheduled job's run (a task its schedule started) that exited non-zero or did not start
RUN_FAILED = "RUN_FAILED"
# the network `ecsdrop run` built for a service never deployed, recorded as the service's;
# published on the bus, not posted in chat (nothing runs in it yet)
PREPARED = "PREPARED"
# a blue/green, linear or canary deployment reached a lifecycle stage (ecsdrop's own lifecycle
# hook reports it; the run goes on)
ROLLING_OUT = "ROLLING_OUT"
# not announced: a run that had nothing to do, and the status object while a run holds the lock
NOOP = "NOOP"
IN_PROGRESS = "IN_PROGRESS"

# Of a service record's states, those whose spec key still owns the service's name (a failed
# deletion may be retried by its owner, and a prepared network is deleted by the key that
# will deploy the service).
OWNING_STATES = frozenset({SUCCEEDED, DELETE_FAILED, PREPARED})


def status_of(record: Mapping[str, Any]) -> str:
    """A service record's state; a record written before states were recorded succeeded."""
    return str(record.get("status", SUCCEEDED))
