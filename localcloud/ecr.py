"""ECR: every successful PutImage emits "ECR Image Action" on the default bus; the ECS
emulation asks here whether an image is in the local registry."""

from __future__ import annotations

from typing import Any

from moto.ecr.models import ECRBackend, ecr_backends

from localcloud.events import EventRouter, make_event
from localcloud.patching import Patcher


def image_exists(
    account_id: str, region: str, repository: str, tag: str | None, digest: str | None
) -> bool:
    """Whether the repository holds the image (by digest, else by tag; no tag: `latest`)."""
    found = ecr_backends[account_id][region].repositories.get(repository)
    if found is None:
        return False
    if digest:
        return any(image.get_image_digest() == digest for image in found.images)
    return any((tag or "latest") in image.image_tags for image in found.images)


def image_action_detail(repository_name: str, image: Any, image_tag: str | None) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "result": "SUCCESS",
        "repository-name": repository_name,
        "image-digest": image.get_image_digest(),
        "action-type": "PUSH",
    }
    if image_tag:
        detail["image-tag"] = image_tag
    media_type = getattr(image, "image_manifest_media_type", None)
    if media_type:
        detail["manifest-media-type"] = media_type
    return detail


def install_push_events(patcher: Patcher, router: EventRouter) -> None:
    original_put_image = ECRBackend.put_image

    def put_image(
        backend: Any,
        repository_name: str,
        image_manifest: str,
        image_tag: str,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        image = original_put_image(
            backend, repository_name, image_manifest, image_tag, *args, **kwargs
        )
        event = make_event(
            source="aws.ecr",
            detail_type="ECR Image Action",
            detail=image_action_detail(repository_name, image, image_tag),
            account=backend.account_id,
            region=backend.region_name,
        )
        router.publish(backend.account_id, backend.region_name, "default", event)
        return image

    patcher.replace(ECRBackend, "put_image", put_image)
