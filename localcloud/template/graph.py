"""The order in which a template's resources can be created: dependencies first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from localcloud.errors import TemplateError
from localcloud.template.intrinsics import referenced_resources


def dependencies_of(resource: Mapping[str, Any], resource_ids: set[str]) -> set[str]:
    """Explicit `DependsOn` plus every resource its properties refer to."""
    depends_on = resource.get("DependsOn") or []
    explicit = {depends_on} if isinstance(depends_on, str) else set(depends_on)
    unknown = explicit - resource_ids
    if unknown:
        raise TemplateError(f"DependsOn names unknown resource(s): {', '.join(sorted(unknown))}")
    implicit = referenced_resources(resource.get("Properties") or {}, resource_ids)
    return explicit | implicit


def creation_order(resources: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Topological order, stable in template order; a cycle is an error naming its members."""
    resource_ids = set(resources)
    waiting_on = {
        logical_id: dependencies_of(resource, resource_ids) - {logical_id}
        for logical_id, resource in resources.items()
    }
    ordered: list[str] = []
    done: set[str] = set()
    while len(ordered) < len(resources):
        ready = [
            logical_id
            for logical_id in resources
            if logical_id not in done and waiting_on[logical_id] <= done
        ]
        if not ready:
            stuck = sorted(set(resources) - done)
            raise TemplateError(f"circular dependency between: {', '.join(stuck)}")
        ordered.extend(ready)
        done.update(ready)
    return ordered
