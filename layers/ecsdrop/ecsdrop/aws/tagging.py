"""The Resource Groups Tagging API: what carries a tag, across services, in one listing."""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.errors import aws_call


class TaggedResources:
    def __init__(self, client: Any) -> None:
        self._tagging = client

    def arns(self, tags: dict[str, str], resource_types: list[str]) -> list[str]:
        """ARNs of the resources of ``resource_types`` (``ecs:task-definition``...) that carry
        every tag in ``tags``. AWS indexes tags within moments: callers union this with what
        they know, and treat an ARN that is gone as gone."""
        with aws_call("tagging:GetResources"):
            pages = self._tagging.get_paginator("get_resources").paginate(
                TagFilters=[{"Key": k, "Values": [v]} for k, v in tags.items()],
                ResourceTypeFilters=resource_types,
            )
            return [
                str(item["ResourceARN"])
                for page in pages
                for item in page.get("ResourceTagMappingList", [])
            ]
