"""ECR pushes redeploy the services that follow the pushed repository and tag, pinned to
the exact digest that was pushed."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from ecsdrop.aws.bucket import SpecBucket
from ecsdrop.aws.executions import Executions
from ecsdrop.aws.store import StateStore
from ecsdrop.spec.installation import Installation
from ecsdrop.states import SUCCEEDED, status_of

_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def on_image_push(
    event: dict[str, Any],
    store: StateStore,
    executions: Executions,
    installation: Installation,
    bucket: SpecBucket,
) -> list[dict[str, Any]]:
    """Start one redeploy per following service; returns what was done for each."""
    detail = event.get("detail") or {}
    if detail.get("action-type") != "PUSH" or detail.get("result") != "SUCCESS":
        return []
    repository, tag, digest = (
        detail.get("repository-name"),
        detail.get("image-tag"),
        detail.get("image-digest"),
    )
    if not (repository and tag and digest):
        return []  # an untagged push: nobody follows it
    image = f"{installation.ecr_registry}/{repository}@{digest}"
    containers: dict[str, list[str]] = defaultdict(list)
    for follower in store.services_following(repository, tag):
        containers[follower["service"]].append(follower["container"])
    trigger = {"type": "ecr-push", "repository": repository, "tag": tag, "digest": digest}
    return [
        _redeploy(service, names, image, trigger, store=store, executions=executions, bucket=bucket)
        for service, names in sorted(containers.items())
    ]


def _redeploy(
    service: str,
    containers: list[str],
    image: str,
    trigger: dict[str, Any],
    *,
    store: StateStore,
    executions: Executions,
    bucket: SpecBucket,
) -> dict[str, Any]:
    current = store.get_state(service)
    if current is None:
        return {"service": service, "result": "skipped", "reason": "never deployed"}
    if status_of(current) != SUCCEEDED:
        reason = f"its spec was deleted ({str(current['status']).lower()})"
        return {"service": service, "result": "skipped", "reason": reason}
    if bucket.current_version(current["specKey"]).deleted:  # its deletion is under way
        return {"service": service, "result": "skipped", "reason": "its spec was deleted"}
    running = current.get("images") or {}
    if all(running.get(name) == image for name in containers):
        return {"service": service, "result": "skipped", "reason": "already runs this digest"}
    request = {
        "redeploy": {
            "service": service,
            "specKey": current["specKey"],
            "specVersionId": current.get("specVersionId"),
            "imageOverrides": {name: image for name in containers},
            "trigger": {**trigger, "containers": containers},
        }
    }
    name = execution_name(service, trigger["digest"])
    arn = executions.start(name, request)
    result = "started" if arn else "duplicate"
    return {"service": service, "result": result, "execution": arn or name}


def execution_name(service: str, digest: str) -> str:
    """One name per (service, digest): the same push delivered twice starts one execution."""
    short = digest.split(":", 1)[-1][:16]
    return _NAME_UNSAFE.sub("-", f"ecr-{service}-{short}")[:80]
