"""Amazon ECR: which digest a tag points at."""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.errors import aws_call
from ecsdrop.errors import NotFoundError


class Ecr:
    def __init__(self, client: Any) -> None:
        self._ecr = client

    def digest(self, repository: str, tag: str) -> str | None:
        """The image digest behind ``repository:tag``, None when there is no such image."""
        try:
            with aws_call("ecr:DescribeImages"):
                response = self._ecr.describe_images(
                    repositoryName=repository, imageIds=[{"imageTag": tag}]
                )
        except NotFoundError:
            return None
        images = response.get("imageDetails", [])
        return str(images[0]["imageDigest"]) if images else None
