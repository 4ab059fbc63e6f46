"""What an EventBridge target receives: the event, `Input`, `InputPath` or `InputTransformer`.

Pure functions following EventBridge's documented behaviour:
- `Input` is sent verbatim; `InputPath` sends the selected part of the event;
- `InputTransformer` fills `<name>` placeholders of `InputTemplate` from `InputPathsMap`
  (plus `<aws.events.rule-arn>`, `<aws.events.rule-name>`, `<aws.events.event>`,
  `<aws.events.event.json>` and `<aws.events.event.ingestion-time>`): inside a JSON string a
  value is inserted as text, elsewhere as JSON; a template that is not JSON is plain text.
The result is the exact text the target gets (SQS body, SNS message, Lambda/Step Functions input).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_PATH_TOKEN = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[['\"]([^'\"]+)['\"]\]")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_MISSING = object()


def select_path(document: Any, path: str) -> Any:
    """A JSONPath of the kind EventBridge accepts: `$.detail.bucket.name`, `$.resources[0]`."""
    if not path.startswith("$"):
        raise ValueError(f"a path must start with $: {path!r}")
    value = document
    position = 1
    while position < len(path):
        match = _PATH_TOKEN.match(path, position)
        if match is None:
            raise ValueError(f"unsupported path syntax: {path!r}")
        name, index, quoted = match.groups()
        value = _step(value, name if name is not None else quoted, index)
        if value is _MISSING:
            return None
        position = match.end()
    return value


def _step(value: Any, key: str | None, index: str | None) -> Any:
    if index is not None:
        position = int(index)
        return value[position] if isinstance(value, list) and position < len(value) else _MISSING
    if isinstance(value, Mapping) and key in value:
        return value[key]
    return _MISSING


def _inside_string_flags(template: str) -> list[bool]:
    """For each character: is it inside a JSON string literal?"""
    flags: list[bool] = []
    inside = escaped = False
    for char in template:
        flags.append(inside)
        if escaped:
            escaped = False
        elif char == "\\" and inside:
            escaped = True
        elif char == '"':
            inside = not inside
    return flags


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def render_template(template: str, values: Mapping[str, Any]) -> str:
    """Fill `<name>` placeholders of an InputTemplate (only names present in `values`)."""
    stripped = template.strip()
    is_json = stripped[:1] in ("{", "[", '"')
    inside = _inside_string_flags(template) if is_json else []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        if not is_json:
            return "" if value is None else _as_text(value)
        if inside[match.start()]:
            return "" if value is None else json.dumps(_as_text(value))[1:-1]
        return json.dumps(value)

    return _PLACEHOLDER.sub(replace, template)


def target_input_text(
    target: Mapping[str, Any], event: Mapping[str, Any], *, rule_name: str, rule_arn: str
) -> str:
    """The text EventBridge sends to `target` for `event`."""
    if target.get("Input") is not None:
        return str(target["Input"])
    if target.get("InputPath"):
        return json.dumps(select_path(event, target["InputPath"]))
    transformer = target.get("InputTransformer")
    if transformer:
        values: dict[str, Any] = {
            name: select_path(event, path)
            for name, path in (transformer.get("InputPathsMap") or {}).items()
        }
        values.update(
            {
                "aws.events.rule-arn": rule_arn,
                "aws.events.rule-name": rule_name,
                "aws.events.event": dict(event),
                "aws.events.event.json": dict(event),
                "aws.events.event.ingestion-time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
        return render_template(transformer["InputTemplate"], values)
    return json.dumps(event)


def as_json_input(text: str) -> str:
    """Lambda and Step Functions take JSON: non-JSON text arrives as a JSON string."""
    try:
        json.loads(text)
    except ValueError:
        return json.dumps(text)
    return text
