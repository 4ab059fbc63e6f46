"""Deploy a SAM/CloudFormation template through the local endpoint, resource by resource.

moto's CloudFormation is not used: it ignores DefinitionSubstitutions, Layers and S3 bucket
notifications, and creates state machines where the executing engine cannot see them. Instead
the template is transformed offline, then each resource is created with the same API calls a
deployment tool would make, in dependency order, with intrinsics resolved here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from localcloud.errors import DeployError, TemplateError
from localcloud.template.context import Created, DeployContext, Properties
from localcloud.template.graph import creation_order
from localcloud.template.intrinsics import (
    IntrinsicResolver,
    pseudo_parameters,
    resolve_parameters,
)
from localcloud.template.loader import load_template
from localcloud.template.resources import HANDLERS, IGNORED_TYPES
from localcloud.template.sam import LocalArtifacts, localize_paths, translate


@dataclass(frozen=True)
class StackDeployment:
    """The outcome of a deployment: physical ids, resolved outputs, and what was not emulated."""

    stack_name: str
    resources: dict[str, str]
    resource_types: dict[str, str]
    outputs: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def _sam_parameter_values(
    declarations: Mapping[str, Any], given: Mapping[str, Any], pseudo: Mapping[str, Any]
) -> dict[str, Any]:
    values = {
        name: declaration["Default"]
        for name, declaration in declarations.items()
        if isinstance(declaration, dict) and "Default" in declaration
    }
    values.update(given)
    values.update({name: value for name, value in pseudo.items() if isinstance(value, str)})
    return values


class _StackBuilder:
    def __init__(
        self,
        template: dict[str, Any],
        parameters: dict[str, Any],
        pseudo: dict[str, Any],
        ctx: DeployContext,
        ignored_types: frozenset[str],
    ) -> None:
        self._template = template
        self._ctx = ctx
        self._ignored_types = ignored_types
        self._created: dict[str, Created] = {}
        self._types: dict[str, str] = {}
        self._resolver = IntrinsicResolver(
            parameters=parameters,
            pseudo=pseudo,
            conditions=template.get("Conditions") or {},
            mappings=template.get("Mappings") or {},
            ref=self._ref,
            get_att=self._get_att,
        )

    def _ref(self, logical_id: str) -> Any:
        if logical_id not in self._created:
            raise TemplateError(f"Ref to {logical_id}: no such parameter or created resource")
        return self._created[logical_id].physical_id

    def _get_att(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in self._created:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute}: no such created resource")
        attributes = self._created[logical_id].attributes
        if attribute not in attributes:
            kind = self._types.get(logical_id, "?")
            raise TemplateError(
                f"Fn::GetAtt {logical_id}.{attribute}: {kind} has no such attribute here"
            )
        return attributes[attribute]

    def _is_created(self, resource: Mapping[str, Any]) -> bool:
        condition = resource.get("Condition")
        return condition is None or self._resolver.condition(condition)

    def build(self) -> StackDeployment:
        resources = self._template.get("Resources") or {}
        active = {logical_id: r for logical_id, r in resources.items() if self._is_created(r)}
        self._check_types(active)
        for logical_id in creation_order(active):
            self._create(logical_id, active[logical_id])
        return StackDeployment(
            stack_name=self._ctx.stack_name,
            resources={
                logical_id: created.physical_id for logical_id, created in self._created.items()
            },
            resource_types=dict(self._types),
            outputs=self._outputs(),
            warnings=list(self._ctx.warnings),
        )

    def _check_types(self, resources: Mapping[str, Mapping[str, Any]]) -> None:
        """Every type is known before anything is created: a bad template changes nothing."""
        unknown = [
            f"{logical_id} ({resource.get('Type')})"
            for logical_id, resource in resources.items()
            if resource.get("Type") not in HANDLERS
            and resource.get("Type") not in self._ignored_types
        ]
        if unknown:
            raise TemplateError(
                f"resource type(s) not supported by the local cloud: {', '.join(unknown)}"
            )

    def _create(self, logical_id: str, resource: Mapping[str, Any]) -> None:
        kind = str(resource["Type"])
        self._types[logical_id] = kind
        if kind in self._ignored_types:
            self._created[logical_id] = Created(logical_id)
            self._ctx.warnings.append(f"{logical_id} ({kind}): skipped, no local behaviour")
            return
        props = Properties(
            logical_id, kind, self._resolver.resolve(resource.get("Properties") or {})
        )
        try:
            self._created[logical_id] = HANDLERS[kind](self._ctx, props)
        except (ClientError, BotoCoreError) as error:
            raise DeployError(f"{logical_id} ({kind}): {error}") from error
        self._ctx.warnings.extend(
            f"{logical_id} ({kind}): property {name} is not emulated" for name in props.unread()
        )

    def _outputs(self) -> dict[str, Any]:
        outputs = {}
        for name, output in (self._template.get("Outputs") or {}).items():
            if self._is_created(output):
                outputs[name] = self._resolver.resolve(output["Value"])
        return outputs


def deploy_template(
    template_path: Path,
    *,
    parameters: Mapping[str, Any],
    stack_name: str,
    account_id: str,
    region: str,
    ctx_factory: Callable[[LocalArtifacts], DeployContext],
    ignored_types: frozenset[str] = IGNORED_TYPES,
) -> StackDeployment:
    """Transform and deploy `template_path`; `ctx_factory(artifacts)` builds the DeployContext."""
    if not template_path.is_file():
        raise TemplateError(f"template {template_path} does not exist")
    source = load_template(template_path)
    localized, artifacts = localize_paths(source, template_path.parent)
    pseudo = pseudo_parameters(account_id, region, stack_name)
    declarations = source.get("Parameters") or {}
    resolved_parameters = resolve_parameters(declarations, parameters)
    sam_values = _sam_parameter_values(declarations, parameters, pseudo)
    transformed = translate(localized, sam_values, region)
    ctx = ctx_factory(artifacts)
    return _StackBuilder(transformed, resolved_parameters, pseudo, ctx, ignored_types).build()
