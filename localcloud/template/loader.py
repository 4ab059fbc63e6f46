"""Reading CloudFormation/SAM templates written in YAML (with short-form tags) or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class TemplateLoader(yaml.SafeLoader):
    """A SafeLoader that understands `!Ref`, `!GetAtt`, `!Sub`… and keeps dates as strings.

    CloudFormation reads `2010-09-09` as a string; PyYAML would turn it into a `date`.
    """


def _drop_timestamp_resolver() -> None:
    resolvers = TemplateLoader.yaml_implicit_resolvers
    for first_char, entries in list(resolvers.items()):
        resolvers[first_char] = [
            (tag, regexp) for tag, regexp in entries if not tag.endswith(":timestamp")
        ]


def _intrinsic(loader: yaml.Loader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = tag_suffix
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if name == "Ref":
        return {"Ref": value}
    if name == "Condition":
        return {"Condition": value}
    if name == "GetAtt" and isinstance(value, str):
        logical_id, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [logical_id, attribute]}
    return {f"Fn::{name}": value}


_drop_timestamp_resolver()
TemplateLoader.add_multi_constructor("!", _intrinsic)


def parse_template(text: str) -> dict[str, Any]:
    """Parse template text (YAML or JSON, JSON being a subset of YAML)."""
    document = yaml.load(text, Loader=TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict):
        raise ValueError("a template must be a mapping at the top level")
    return document


def load_template(path: Path) -> dict[str, Any]:
    return parse_template(path.read_text(encoding="utf-8"))


def load_document(path: Path) -> Any:
    """Load a JSON or YAML document such as a state machine definition."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=TemplateLoader)  # noqa: S506
