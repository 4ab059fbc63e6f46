"""Load & validate: read the spec at its exact version, validate it, start the deployment."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from ecsdrop.aws.bucket import SpecBucket
from ecsdrop.deploy.state import Deployment, WorkflowState
from ecsdrop.errors import SpecError
from ecsdrop.spec import Guardrails, Installation, Spec, validate
from ecsdrop.spec.problems import Problem

SPEC_PREFIX = "specs/"
_SPEC_KEY = re.compile(r"^specs/(?P<name>[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)\.(ya?ml|json)\Z")


@dataclass(frozen=True)
class SpecSource:
    """Where the deployment's spec comes from and what started it."""

    key: str
    version_id: str | None
    trigger: dict[str, Any]
    image_overrides: dict[str, str]


def source_of(event: dict[str, Any]) -> SpecSource:
    """The spec location in an S3 "Object Created" event or an ecsdrop redeploy request."""
    if "redeploy" in event:
        request = event["redeploy"]
        return SpecSource(
            key=request["specKey"],
            version_id=request.get("specVersionId"),
            trigger=dict(request.get("trigger") or {"type": "redeploy"}),
            image_overrides=dict(request.get("imageOverrides") or {}),
        )
    detail = event.get("detail") or {}
    obj = detail.get("object") or {}
    if event.get("source") != "aws.s3" or "key" not in obj:
        raise SpecError([Problem((), "not an S3 Object Created event nor a redeploy request")])
    return SpecSource(
        key=obj["key"],
        version_id=obj.get("version-id"),
        trigger={
            "type": "spec-upload",
            "bucket": (detail.get("bucket") or {}).get("name"),
            "key": obj["key"],
            "versionId": obj.get("version-id"),
            "requester": detail.get("requester"),
            "sequencer": obj.get("sequencer"),
        },
        image_overrides={},
    )


def service_name_of(key: str) -> str | None:
    match = _SPEC_KEY.match(key)
    return match.group("name") if match else None


def load(
    event: dict[str, Any],
    execution: dict[str, Any],
    bucket: SpecBucket,
    guardrails: Guardrails,
    installation: Installation,
) -> WorkflowState:
    """The validated deployment, or SpecError listing every problem of the spec."""
    source = source_of(event)
    name = service_name_of(source.key)
    if name is None:
        raise SpecError(
            [Problem((), "a spec lives at specs/<service>.yaml (or .yml, .json)")], source.key
        )
    try:
        obj = bucket.read(source.key, source.version_id, guardrails.max_spec_bytes)
    except SpecError as e:  # refused on its size before it was read: say which file
        raise SpecError(e.problems, source.key) from None
    validation = validate(obj.body, source.key, guardrails, installation)
    if validation.spec is None:
        raise SpecError(validation.errors, source.key)
    spec = validation.spec
    if spec.name != name:
        raise SpecError(
            [Problem(("service", "name"), f"must be {name!r}, the name of the file {source.key}")],
            source.key,
        )
    spec = with_images(spec, source.image_overrides)
    trigger = {**source.trigger, "uploader": obj.uploader} if obj.uploader else source.trigger
    deployment = Deployment(
        id=str(execution["name"]),
        execution_arn=str(execution["id"]),
        service=spec.name,
        cluster=spec.cluster,
        started_at=str(execution["startTime"]),
        spec_key=source.key,
        spec_version_id=obj.version_id,
        spec_digest=spec.digest,
        trigger=trigger,
        image_overrides=source.image_overrides,
    )
    return WorkflowState(deployment=deployment, spec=spec)


def with_images(spec: Spec, overrides: dict[str, str]) -> Spec:
    """The spec with some containers' images replaced (an ECR push pinned to its digest)."""
    if not overrides:
        return spec
    data = copy.deepcopy(spec.data)
    for container in data["taskDefinition"]["containerDefinitions"]:
        if container["name"] in overrides:
            container["image"] = overrides[container["name"]]
    return Spec(data=data, warnings=spec.warnings)
