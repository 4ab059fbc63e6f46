"""What a resource handler gets to work with, and what it hands back."""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from localcloud.errors import TemplateError
from localcloud.template.sam import LocalArtifacts

_NAME_SUFFIX_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Created:
    """A deployed resource: what `Ref` returns and what `Fn::GetAtt` may ask for."""

    physical_id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)


class CodeRegistry(Protocol):
    """Where the Lambda runtime learns which folder holds a function's or a layer's code."""

    def register_function(self, function_name: str, folder: Path) -> None: ...

    def register_layer(self, layer_version_arn: str, folder: Path) -> None: ...


@dataclass
class DeployContext:
    stack_name: str
    account_id: str
    region: str
    partition: str
    artifacts: LocalArtifacts
    code_registry: CodeRegistry
    scratch_dir: Path
    client: Callable[[str], Any]
    warnings: list[str] = field(default_factory=list)

    def physical_name(self, logical_id: str, max_length: int, *, lowercase: bool = False) -> str:
        """A CloudFormation-style generated name: `<stack>-<LogicalId>-<RANDOM>`."""
        suffix = "".join(secrets.choice(_NAME_SUFFIX_ALPHABET) for _ in range(12))
        prefix = f"{self.stack_name}-{logical_id}"[: max(1, max_length - len(suffix) - 1)]
        name = f"{prefix}-{suffix}"
        return name.lower() if lowercase else name

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        account = self.account_id if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"


class Properties:
    """A resource's resolved properties, remembering which ones the handler used.

    Whatever a handler never reads is reported as "not emulated", so a property the local
    cloud ignores never goes unnoticed.
    """

    def __init__(self, logical_id: str, resource_type: str, values: Mapping[str, Any]) -> None:
        self.logical_id = logical_id
        self.resource_type = resource_type
        self._values = dict(values)
        self._read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self._read.add(key)
        return self._values.get(key, default)

    def require(self, key: str) -> Any:
        self._read.add(key)
        if key not in self._values:
            raise TemplateError(f"{self.logical_id} ({self.resource_type}): {key} is required")
        return self._values[key]

    def json_text(self, key: str) -> str | None:
        """A property CloudFormation accepts as an object or as JSON text, as JSON text."""
        value = self.get(key)
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value)

    def ignore(self, *keys: str) -> None:
        """Acknowledge properties that have no local effect."""
        self._read.update(keys)

    def unread(self) -> list[str]:
        return sorted(set(self._values) - self._read)

    def items(self) -> Iterator[tuple[str, Any]]:
        return iter(self._values.items())


def tags_as_list(
    tags: Any, key_name: str = "Key", value_name: str = "Value"
) -> list[dict[str, str]]:
    """CloudFormation tags (list of Key/Value, or a map for SAM-made resources) as an API list."""
    if not tags:
        return []
    if isinstance(tags, Mapping):
        return [{key_name: str(key), value_name: str(value)} for key, value in tags.items()]
    return [{key_name: str(tag["Key"]), value_name: str(tag["Value"])} for tag in tags]


def tags_as_map(tags: Any) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags_as_list(tags)}


Handler = Callable[[DeployContext, Properties], Created]
