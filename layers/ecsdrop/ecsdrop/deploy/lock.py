"""Lock: one deployment per service at a time; a duplicate of what already runs is a no-op."""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.bucket import SpecBucket
from ecsdrop.aws.store import StateStore
from ecsdrop.deploy.finish import Reporter
from ecsdrop.deploy.state import Deployment, WorkflowState

# The lock outlives the rollout deadline by the time the other steps may take, so a
# crashed run frees the service on its own, never in the middle of a live one.
LOCK_MARGIN_SECONDS = 3600


def acquire(state: WorkflowState, store: StateStore, bucket: SpecBucket) -> dict[str, Any]:
    """Take the service's lock (LockHeldError when busy: the workflow waits and retries).

    Returns whether the run is a no-op and why, and what the service ran before it.
    """
    deployment = state.deployment
    ttl = state.spec.stability_timeout_seconds + LOCK_MARGIN_SECONDS
    store.acquire_lock(deployment.service, deployment.id, deployment.execution_arn, ttl)
    previous = store.get_state(deployment.service)
    reason = skip_reason(deployment, previous, bucket)
    return {"acquired": True, "noop": reason is not None, "reason": reason, "previous": previous}


def begin(
    state: WorkflowState, store: StateStore, bucket: SpecBucket, reporter: Reporter
) -> dict[str, Any]:
    """The Lock step: take the lock and, unless there is nothing to do, announce STARTED."""
    result = acquire(state, store, bucket)
    if not result["noop"]:
        reporter.started(state, result["previous"])
    return result


def skip_reason(
    deployment: Deployment, previous: dict[str, Any] | None, bucket: SpecBucket
) -> str | None:
    """Why this run should change nothing, or None when it should deploy."""
    if (
        previous is not None
        and previous.get("status") == "SUCCEEDED"
        and previous.get("specVersionId") == deployment.spec_version_id
        and previous.get("specDigest") == deployment.spec_digest
    ):
        return "this spec version is already deployed"
    if deployment.trigger.get("type") == "spec-upload" and deployment.spec_version_id:
        newest = bucket.current_version(deployment.spec_key)
        if newest and newest != deployment.spec_version_id:
            return f"superseded: a newer version of {deployment.spec_key} was uploaded"
    return None
