"""Load & validate: read the spec at its exact version, validate it, start the deployment.

Five things start a run: an S3 "Object Created" event for ``specs/<service>.yaml`` (deploy),
an S3 "Object Deleted" event for it (the service's end), and the requests ecsdrop itself
sends: ``redeploy`` (an ECR push, ``ecsdrop rollback``), ``delete`` (``ecsdrop delete``) and
``prepare`` (``ecsdrop run`` of a service never deployed: its network, from the spec in the
request, since the spec is not uploaded; the key is the one that will own the service).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ecsdrop.aws.bucket import SpecBucket
from ecsdrop.aws.store import StateStore
from ecsdrop.deploy.results import Ignored
from ecsdrop.deploy.state import DELETE, DEPLOY, PREPARE, Deployment, WorkflowState
from ecsdrop.errors import LockHeldError, SpecError
from ecsdrop.spec import Guardrails, Installation, Spec, validate
from ecsdrop.spec.problems import Problem
from ecsdrop.states import OWNING_STATES, status_of

SPEC_PREFIX = "specs/"
_NAME = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_SPEC_KEY = re.compile(rf"^specs/(?P<name>{_NAME})\.(ya?ml|json)\Z")
_SERVICE_NAME = re.compile(rf"^{_NAME}\Z")
KEY_RULE = "a spec lives at specs/<service>.yaml (or .yml, .json)"


@dataclass(frozen=True)
class SpecSource:
    """Where the deployment's spec comes from and what started it."""

    key: str
    version_id: str | None
    trigger: dict[str, Any]
    image_overrides: dict[str, str] = field(default_factory=dict)
    action: str = DEPLOY
    rollback_to: str | None = None
    body: bytes | None = None  # a prepare request's spec (no object in the bucket)


def source_of(event: dict[str, Any]) -> SpecSource:
    """The spec location in an S3 event or an ecsdrop request."""
    if "redeploy" in event:
        request = event["redeploy"]
        return SpecSource(
            key=request["specKey"],
            version_id=request.get("specVersionId"),
            trigger=dict(request.get("trigger") or {"type": "redeploy"}),
            image_overrides=dict(request.get("imageOverrides") or {}),
            rollback_to=request.get("rollbackTo"),
        )
    if "prepare" in event:
        request = event["prepare"]
        # its own id: a second `ecsdrop run` meanwhile waits for this one's network instead
        # of passing as a duplicate delivery of it
        trigger = {
            "type": "run",
            "requester": request.get("requester"),
            "requestId": request.get("requestId"),
        }
        return SpecSource(
            key=request["specKey"],
            version_id=None,
            trigger=trigger,
            action=PREPARE,
            body=str(request["spec"]).encode(),
        )
    if "delete" in event:
        request = event["delete"]
        trigger = {"type": "delete-request", "requester": request.get("requester")}
        return SpecSource(key=request["specKey"], version_id=None, trigger=trigger, action=DELETE)
    detail = event.get("detail") or {}
    obj = detail.get("object") or {}
    kind = event.get("detail-type")
    if event.get("source") != "aws.s3" or "key" not in obj:
        raise SpecError([Problem((), "not an S3 object event nor an ecsdrop request")])
    deleted = kind == "Object Deleted"
    trigger = {
        "type": "spec-delete" if deleted else "spec-upload",
        "bucket": (detail.get("bucket") or {}).get("name"),
        "key": obj["key"],
        "versionId": obj.get("version-id"),
        "requester": detail.get("requester"),
        "sequencer": obj.get("sequencer"),
    }
    if deleted:
        return SpecSource(key=obj["key"], version_id=None, trigger=trigger, action=DELETE)
    return SpecSource(key=obj["key"], version_id=obj.get("version-id"), trigger=trigger)


def service_name_of(key: str) -> str | None:
    """The service a spec key deploys, for keys ecsdrop accepts (``specs/<service>.yaml``)."""
    match = _SPEC_KEY.match(key)
    return match.group("name") if match else None


def service_name_near(key: str) -> str | None:
    """The service a key ecsdrop does not accept was most likely meant for (its file name,
    ``specs/team/web.yaml`` → ``web``), so a rejection can be reported where people look."""
    stem = PurePosixPath(key).stem.lower()
    return stem if _SERVICE_NAME.match(stem) else None


def owner_key(current: dict[str, Any] | None) -> str | None:
    """The spec key that owns the service (the one its running deployment came from)."""
    if current is None or status_of(current) not in OWNING_STATES:
        return None
    key = current.get("specKey")
    return str(key) if key else None


def load(
    event: dict[str, Any],
    execution: dict[str, Any],
    bucket: SpecBucket,
    guardrails: Guardrails,
    installation: Installation,
    *,
    store: StateStore | None = None,
) -> WorkflowState | Ignored:
    """The LoadSpec step: the validated deployment, SpecError listing every problem of the
    spec, or (for a delete with nothing to delete) why the event is ignored."""
    source = source_of(event)
    name = service_name_of(source.key)
    if source.action == DELETE:
        if store is None:
            raise ValueError("deleting needs the state store")
        return _load_deletion(source, name, execution, store)
    if name is None:
        raise SpecError([Problem((), KEY_RULE)], source.key)
    if source.body is not None:
        obj = None
        body = source.body  # the guardrail on its size applies as it parses
    else:
        try:
            obj = bucket.read(source.key, source.version_id, guardrails.max_spec_bytes)
        except SpecError as e:  # refused on its size before it was read: say which file
            raise SpecError(e.problems, source.key) from None
        body = obj.body
    validation = validate(body, source.key, guardrails, installation)
    if validation.spec is None:
        raise SpecError(validation.errors, source.key)
    spec = validation.spec
    if spec.name != name:
        raise SpecError(
            [Problem(("service", "name"), f"must be {name!r}, the name of the file {source.key}")],
            source.key,
        )
    spec = with_images(spec, source.image_overrides)
    uploader, version_id = (obj.uploader, obj.version_id) if obj else (None, None)
    trigger = {**source.trigger, "uploader": uploader} if uploader else source.trigger
    deployment = _deployment(execution, spec, source, version_id, trigger)
    return WorkflowState(deployment=deployment, spec=spec)


def _load_deletion(
    source: SpecSource, name: str | None, execution: dict[str, Any], store: StateStore
) -> WorkflowState | Ignored:
    """A deleted spec: the service's end, if the key owns a deployed service.

    The spec is the one that runs (recorded with the service's state). While another run
    holds the service's lock its outcome is not known yet: LockHeldError, retried.
    """
    if name is None:
        return Ignored(f"{source.key} is not a spec key ({KEY_RULE})")
    if store.lock_holder(name, live_only=True) is not None:
        raise LockHeldError(f"service {name} is being deployed; its deletion waits")
    current = store.get_state(name)
    owner = owner_key(current)
    if current is None or owner is None:
        return Ignored(f"no deployment of {name} runs: nothing to delete")
    if owner != source.key:
        return Ignored(f"{source.key} does not own service {name}: {owner} does")
    if "spec" not in current:
        return Ignored(f"the state of {name} does not record its spec: delete it by hand")
    spec = Spec.from_json(current["spec"])
    deployment = _deployment(execution, spec, source, current.get("specVersionId"), source.trigger)
    return WorkflowState(deployment=deployment, spec=spec)


def _deployment(
    execution: dict[str, Any],
    spec: Spec,
    source: SpecSource,
    version_id: str | None,
    trigger: dict[str, Any],
) -> Deployment:
    return Deployment(
        id=str(execution["name"]),
        execution_arn=str(execution["id"]),
        service=spec.name,
        cluster=spec.cluster,
        started_at=str(execution["startTime"]),
        spec_key=source.key,
        spec_version_id=version_id,
        spec_digest=spec.digest,
        trigger=trigger,
        image_overrides=source.image_overrides,
        action=source.action,
        rollback_to=source.rollback_to,
    )


def with_images(spec: Spec, overrides: dict[str, str]) -> Spec:
    """The spec with some containers' images replaced (an ECR push pinned to its digest)."""
    if not overrides:
        return spec
    data = copy.deepcopy(spec.data)
    for container in data["taskDefinition"]["containerDefinitions"]:
        if container["name"] in overrides:
            container["image"] = overrides[container["name"]]
    return Spec(data=data, warnings=spec.warnings)
