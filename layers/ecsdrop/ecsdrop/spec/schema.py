"""Structural validation against the published JSON Schema, with messages people can act on.

jsonschema finds the errors; this module turns each into a Problem whose path names the
field and whose message says what to do: "unknown field 'aws-logs-group'; did you mean
'awslogs-group'?" rather than "Additional properties are not allowed".
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path as FilePath
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

from ecsdrop.spec.problems import Path, Problem

SCHEMA_FILE = FilePath(__file__).resolve().parent / "ecsdrop-spec.schema.json"
_NULL = {"type": "null"}
NULL_IGNORED = "null ignored (treated as absent)"

_JSON_TYPES = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    list: "a list",
    dict: "a mapping",
    type(None): "null",
}


@cache
def load_schema() -> dict[str, Any]:
    """The spec's JSON Schema (the same file the repository publishes under schema/)."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def ecma_pattern(pattern: str) -> str:
    """``pattern`` with JSON Schema's (ECMA-262) meaning of ``$``: the end of the text.

    Python's ``$`` also matches before a final newline, so ``^[a-z0-9-]+$`` would let
    ``"web\\n"`` through as a service, cluster or container name. Each ``$`` outside a
    character class becomes ``\\Z``.
    """
    out: list[str] = []
    escaped = False
    in_class = False
    for i, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            # a "]" right after "[" or "[^" is a literal, not the end of the class
            opening = pattern[i - 1] == "[" or pattern[max(0, i - 2) : i] == "[^"
            in_class = not (char == "]" and not opening)
        elif char == "[":
            in_class = True
        elif char == "$":
            out.append(r"\Z")
            continue
        out.append(char)
    return "".join(out)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(ecma_pattern(pattern))


def _pattern_keyword(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _is_integer(checker: Any, instance: Any) -> bool:
    """An int, not a float with no fraction: JSON Schema counts ``1024.0`` as an integer,
    but the ECS API (and the rules, which size tasks from ints) take only ints."""
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _validator_class() -> Any:
    """Draft 2020-12, with ``pattern`` read as ECMA-262 (see ecma_pattern) and integers
    as the ECS API takes them."""
    return validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator,
        {"pattern": _pattern_keyword},
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
    )


@cache
def _validator() -> Any:
    # The schema is not checked against its meta-schema here: that costs ~230 ms of every
    # LoadSpec cold start, and the schema is a file of the repository, checked by its tests
    # (tests/unit/spec/test_schemas_are_valid.py).
    return _validator_class()(load_schema())


def schema_problems(data: Any, schema: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every structural problem of ``data``, one Problem per field, against the spec's schema
    or the ``schema`` given (the policy file's, say)."""
    validator = _validator() if schema is None else _validator_class()(schema)
    found: dict[tuple[Path, str], Problem] = {}
    for error in validator.iter_errors(data):
        for problem in _translate(error):
            found.setdefault((problem.path, problem.message), problem)
    return list(found.values())


def drop_optional_nulls(data: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """``data`` without the nulls its taskDefinition holds for optional fields, and a warning
    at each. Pasted task definitions often write an absent field as null; ECS's API refuses
    null, so it must not reach RegisterTaskDefinition. A null where the schema takes none
    (a required field, a list item, a map value) is left for it to refuse."""
    found: list[Path] = []
    task = load_schema()["properties"]["taskDefinition"]
    _find_optional_nulls(data.get("taskDefinition"), task, ("taskDefinition",), found)
    if not found:
        return data, []
    cleaned = copy.deepcopy(data)
    for path in found:
        parent: Any = cleaned
        for part in path[:-1]:
            parent = parent[part]
        del parent[path[-1]]
    return cleaned, [Problem(path, NULL_IGNORED, severity="warning") for path in found]


def _find_optional_nulls(value: Any, schema: dict[str, Any], path: Path, found: list[Path]) -> None:
    schema = _real_branch(schema)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key, child in value.items():
            child_schema = properties.get(key, schema.get("additionalProperties"))
            if not isinstance(child_schema, dict):
                continue
            if child is None and _non_null_branch(child_schema) is not None:
                found.append((*path, key))
            else:
                _find_optional_nulls(child, child_schema, (*path, key), found)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _find_optional_nulls(item, schema["items"], (*path, index), found)


def _real_branch(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its $refs followed and an optional field's null branch set aside."""
    while True:
        branch = _non_null_branch(schema)
        if branch is not None:
            schema = schema["anyOf"][branch]
        elif isinstance(schema.get("$ref"), str):
            schema = load_schema()["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
        else:
            return schema


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a near miss among ``candidates``, else ``""``."""
    options = [c for c in candidates if isinstance(c, str)]
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return f"; did you mean {lowered[word.lower()]!r}?"
    squeezed = {re.sub(r"[-_ ]", "", c.lower()): c for c in options}
    if re.sub(r"[-_ ]", "", word.lower()) in squeezed:
        return f"; did you mean {squeezed[re.sub(r'[-_ ]', '', word.lower())]!r}?"
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _schema_of(error: ValidationError) -> dict[str, Any]:
    return error.schema if isinstance(error.schema, dict) else {}


def _expected(error: ValidationError) -> Any:
    """The keyword's value in the schema (the enum's options, the required names, ...)."""
    return error.validator_value


def _translate(error: ValidationError) -> Iterator[Problem]:
    path: Path = tuple(error.absolute_path)
    if _rejects_a_key(error):
        # propertyNames checks each key as an instance of its own, at the mapping's path;
        # the problem belongs to the key.
        path = (*path, str(error.instance))
    handler = _HANDLERS.get(str(error.validator), _generic)
    yield from handler(error, path)


def _rejects_a_key(error: ValidationError) -> bool:
    schema_path = list(error.relative_schema_path)
    return len(schema_path) >= 2 and schema_path[-2] == "propertyNames"


def _required(error: ValidationError, path: Path) -> Iterator[Problem]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    for name in _expected(error):
        if name not in instance:
            yield Problem((*path, name), "required field is missing")


def _additional_properties(error: ValidationError, path: Path) -> Iterator[Problem]:
    allowed = list(_schema_of(error).get("properties", {}))
    patterns = [_compiled(p) for p in _schema_of(error).get("patternProperties", {})]
    instance = error.instance if isinstance(error.instance, dict) else {}
    for key in instance:
        if key in allowed or any(p.search(key) for p in patterns):
            continue
        yield Problem((*path, key), f"unknown field {key!r}{did_you_mean(key, allowed)}")


def _type(error: ValidationError, path: Path) -> Iterator[Problem]:
    wanted = _expected(error)
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    expected = " or ".join(_type_name(n) for n in names)
    got = _JSON_TYPES.get(type(error.instance), type(error.instance).__name__)
    spelled_out = not isinstance(error.instance, dict | list | None)  # "got null", not "null null"
    shown = json.dumps(error.instance) if spelled_out else ""
    hint = ""
    if names == ["string"] and isinstance(error.instance, int | float | bool):
        hint = f'; quote it: "{shown}"'
    yield Problem(path, f"expected {expected}, got {got} {shown}".rstrip() + hint)


def _type_name(name: str) -> str:
    return {
        "string": "a string",
        "integer": "an integer",
        "number": "a number",
        "boolean": "true or false",
        "array": "a list",
        "object": "a mapping",
        "null": "null",
    }.get(name, name)


def _enum(error: ValidationError, path: Path) -> Iterator[Problem]:
    options: Sequence[Any] = _expected(error)
    shown = ", ".join(str(o) for o in options)
    hint = did_you_mean(error.instance, options) if isinstance(error.instance, str) else ""
    yield Problem(path, f"{json.dumps(error.instance)} is not one of: {shown}{hint}")


def _const(error: ValidationError, path: Path) -> Iterator[Problem]:
    yield Problem(path, f"must be {json.dumps(_expected(error))}")


def _pattern(error: ValidationError, path: Path) -> Iterator[Problem]:
    message = _schema_of(error).get("x-message") or f"does not match {_expected(error)!r}"
    yield Problem(path, f"{json.dumps(error.instance)} {message}")


def _one_of(error: ValidationError, path: Path) -> Iterator[Problem]:
    if "x-message" in _schema_of(error):
        yield Problem(path, f"{json.dumps(error.instance)} {_schema_of(error)['x-message']}")
        return
    branch = _non_null_branch(_schema_of(error))
    if branch is not None:
        # An optional field that may also be null, and is something else: every problem
        # of the field itself, as if null were not allowed.
        for inner in error.context or []:
            if inner.relative_schema_path[0] == branch:
                yield from _translate(inner)
        return
    if error.context:
        inner = best_match(error.context)
        if inner is not None:
            yield from _translate(inner)
            return
    yield Problem(path, "does not match any of the allowed forms")


def _non_null_branch(schema: dict[str, Any]) -> int | None:
    """The index of the one real branch of ``anyOf: [<schema>, null]``, the form of an
    optional ECS field (tools/gen_ecs_schema.py), else None."""
    branches = schema.get("anyOf")
    if not isinstance(branches, list) or len(branches) != 2 or _NULL not in branches:
        return None
    return 1 - branches.index(_NULL)


def _bounds(error: ValidationError, path: Path) -> Iterator[Problem]:
    limit = _expected(error)
    words = {
        "minimum": f"must be at least {limit}",
        "maximum": f"must be at most {limit}",
        "exclusiveMinimum": f"must be more than {limit}",
        "exclusiveMaximum": f"must be less than {limit}",
        "minItems": f"needs at least {limit} item{'s' if limit != 1 else ''}",
        "maxItems": f"holds at most {limit} items",
        "minLength": f"must be at least {limit} character{'s' if limit != 1 else ''}",
        "maxLength": f"must be at most {limit} characters",
        "maxProperties": f"holds at most {limit} entries",
        "uniqueItems": "has the same item more than once",
    }
    shown = "" if isinstance(error.instance, dict | list) else f"{json.dumps(error.instance)} "
    yield Problem(path, shown + words[str(error.validator)])


def _generic(error: ValidationError, path: Path) -> Iterator[Problem]:
    yield Problem(path, error.message)


_HANDLERS = {
    "required": _required,
    "additionalProperties": _additional_properties,
    "type": _type,
    "enum": _enum,
    "const": _const,
    "pattern": _pattern,
    "oneOf": _one_of,
    "anyOf": _one_of,
    "minimum": _bounds,
    "maximum": _bounds,
    "exclusiveMinimum": _bounds,
    "exclusiveMaximum": _bounds,
    "minItems": _bounds,
    "maxItems": _bounds,
    "minLength": _bounds,
    "maxLength": _bounds,
    "maxProperties": _bounds,
    "uniqueItems": _bounds,
}
