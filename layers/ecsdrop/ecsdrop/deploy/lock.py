"""Lock: one run per service at a time; decide whether the run has anything to do and
whether it may do it.

Under the lock the service's record is final (no other run of it is writing), so this is
where a duplicate becomes a no-op, a second spec key or a takeover is refused, and a
deletion stops the service's ECR redeploys.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ecsdrop.aws.bucket import SpecBucket
from ecsdrop.aws.store import StateStore
from ecsdrop.deploy.finish import Reporter
from ecsdrop.deploy.load import owner_key
from ecsdrop.deploy.network import task_network
from ecsdrop.deploy.ownership import Ownership
from ecsdrop.deploy.results import CaughtError, LockResult
from ecsdrop.deploy.state import Deployment, WorkflowState
from ecsdrop.errors import LockHeldError, OwnershipError
from ecsdrop.states import SUCCEEDED, status_of

# The lock outlives the rollout deadline by the time the other steps may take, so a
# crashed run frees the service on its own, never in the middle of a live one.
LOCK_MARGIN_SECONDS = 3600


def begin(
    state: WorkflowState,
    store: StateStore,
    bucket: SpecBucket,
    reporter: Reporter,
    ownership: Ownership,
) -> LockResult:
    """The Lock step: take the lock (LockHeldError when busy: the workflow waits and
    retries; a duplicate of the run holding it is a no-op at once), then say whether the
    run is a no-op (and why) or refused, and what the service's record was before it. A
    run that goes ahead is announced (STARTED)."""
    deployment = state.deployment
    ttl = state.spec.stability_timeout_seconds + LOCK_MARGIN_SECONDS
    request = deployment.request_digest
    try:
        store.acquire_lock(
            deployment.service, deployment.id, deployment.execution_arn, ttl, request
        )
    except LockHeldError:
        holder = store.lock_holder(deployment.service, live_only=True)
        if holder is None or holder.request != request:
            raise
        # The same event delivered again: waiting would only deploy it a second time
        # (or time out while the first delivery runs a long rollout).
        duplicate = f"a duplicate of deployment {holder.owner}, which deploys the same request"
        return LockResult(acquired=False, noop=True, reason=duplicate, previous=None)
    previous = store.get_state(deployment.service)
    result = LockResult(acquired=True, noop=False, reason=None, previous=previous)
    if deployment.deletes:
        reason = deletion_skip_reason(deployment, previous)
    elif deployment.prepares:
        reason = prepare_skip_reason(state, previous)
    else:
        reason = skip_reason(deployment, previous, bucket)
    if reason is not None:
        return replace(result, noop=True, reason=reason)
    if deployment.deletes:
        store.set_triggers(deployment.service, [])  # no ECR push redeploys it from now on
    else:
        refused = ownership.refusal(state, previous)
        if refused is not None:
            return replace(result, refused=CaughtError(OwnershipError.__name__, refused))
    if not deployment.prepares:  # a network for a task is recorded, not announced in chat
        reporter.started(state, previous)
    return result


def skip_reason(
    deployment: Deployment, previous: dict[str, Any] | None, bucket: SpecBucket
) -> str | None:
    """Why this deployment should change nothing, or None when it should deploy."""
    if (
        previous is not None
        and previous.get("status") == SUCCEEDED
        and previous.get("specVersionId") == deployment.spec_version_id
        and previous.get("specDigest") == deployment.spec_digest
    ):
        return "this spec version is already deployed"
    newest = bucket.current_version(deployment.spec_key)
    if newest.deleted:  # an ECR push or an old upload racing the spec's deletion
        return f"{deployment.spec_key} was deleted"
    upload = deployment.trigger.get("type") == "spec-upload"
    if (
        upload
        and deployment.spec_version_id
        and newest.version_id
        not in (
            None,
            deployment.spec_version_id,
        )
    ):
        return f"superseded: a newer version of {deployment.spec_key} was uploaded"
    return None


def prepare_skip_reason(state: WorkflowState, previous: dict[str, Any] | None) -> str | None:
    """Why `ecsdrop run` needs no network built (the service has one), or None."""
    if task_network(state.spec, previous) is None:
        return None
    service = state.deployment.service
    if status_of(previous or {}) == SUCCEEDED:
        return f"service {service} is deployed: its tasks run in its network"
    return f"the network of {service} is prepared already"


def deletion_skip_reason(deployment: Deployment, previous: dict[str, Any] | None) -> str | None:
    """Why deleting should do nothing (the key does not own a running service), or None."""
    owner = owner_key(previous)
    if owner is None:
        return f"no deployment of {deployment.service} runs: nothing to delete"
    if owner != deployment.spec_key:
        return f"{deployment.spec_key} does not own service {deployment.service}: {owner} does"
    return None
