"""Typed documents between the workflow's steps: frozen dataclasses with one JSON form.

A step's result, the workflow state and a ledger entry are each a ``JsonModel``. Its JSON
keys are its field names in camelCase (``task_definition_arn`` → ``taskDefinitionArn``),
or the name a field's metadata gives (``json_field("Error")``). A field with a default of
None is left out of the JSON while it is None, so the state machine's ``IsPresent`` choices
see it only when it is set; a required field is always written, null or not.

``from_json`` fails with a ContractError naming the model and the key when a required key
is missing, and ignores keys it does not know (a document written by a newer or older
version of ecsdrop, mid-upgrade). Nested models, tuples of them and unions of models
decode by the fields' types; a union takes the first model whose required keys are all
there. Values without a model (dicts from AWS, the spec) pass through as they are.
"""

from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, ParamSpec, TypeVar, Union, get_args, get_origin, get_type_hints

from ecsdrop.errors import ContractError

M = TypeVar("M", bound="JsonModel")
P = ParamSpec("P")

_JSON_NAME = "json"
_FLATTEN = "flatten"


def json_field(name: str, **kwargs: Any) -> Any:
    """A field whose JSON key is ``name`` (for keys that are not camelCase, like Step
    Functions' ``Error``)."""
    return dataclasses.field(metadata={_JSON_NAME: name}, **kwargs)


def flattened() -> Any:
    """A ``dict`` field whose entries are the document's other keys (a report whose fields
    are documented elsewhere, docs/events.md)."""
    return dataclasses.field(default_factory=dict, metadata={_FLATTEN: True})


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class JsonModel:
    """Base of the typed documents; subclasses are frozen dataclasses."""

    # the JSON keys are the field names themselves (documents older than this module)
    snake_case_json: ClassVar[bool] = False

    @classmethod
    def json_fields(cls) -> dict[str, dataclasses.Field[Any]]:
        """JSON key → field, in the dataclass's order (flattened fields left out)."""
        return {
            cls._key(f): f
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if not f.metadata.get(_FLATTEN)
        }

    @classmethod
    def _key(cls, f: dataclasses.Field[Any]) -> str:
        name: str = f.metadata.get(_JSON_NAME) or (f.name if cls.snake_case_json else camel(f.name))
        return name

    @classmethod
    def required_keys(cls) -> frozenset[str]:
        return frozenset(
            key
            for key, f in cls.json_fields().items()
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        )

    @classmethod
    def accepts(cls, data: object) -> bool:
        """Whether ``data`` has every key this model requires."""
        return isinstance(data, Mapping) and cls.required_keys() <= data.keys()

    @classmethod
    def field_types(cls) -> dict[str, Any]:
        """JSON key → the field's type (resolved annotations)."""
        hints = _hints(cls)
        return {key: hints[f.name] for key, f in cls.json_fields().items()}

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.metadata.get(_FLATTEN):
                document.update(encode(value))
            elif value is not None or f.default is not None:
                document[self._key(f)] = encode(value)
        return document

    @classmethod
    def from_json(cls: type[M], data: Mapping[str, Any]) -> M:
        if not isinstance(data, Mapping):
            raise ContractError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
        missing = sorted(cls.required_keys() - data.keys())
        if missing:
            raise ContractError(f"{cls.__name__}: {', '.join(missing)} missing")
        hints = _hints(cls)
        values: dict[str, Any] = {}
        known = set()
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.metadata.get(_FLATTEN):
                continue
            key = cls._key(f)
            known.add(key)
            if key in data:
                values[f.name] = decode(hints[f.name], data[key], f"{cls.__name__}.{key}")
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.metadata.get(_FLATTEN):
                values[f.name] = {k: v for k, v in data.items() if k not in known}
        return cls(**values)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """A model's resolved field types (resolved once per model)."""
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def encode(value: Any) -> Any:
    if hasattr(value, "to_json") and not isinstance(value, type):
        return value.to_json()
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def models_in(annotation: Any) -> tuple[type, ...]:
    """The typed documents (anything with ``from_json``) a field's type names."""
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(m for a in get_args(annotation) for m in models_in(a))
    if isinstance(annotation, type) and hasattr(annotation, "from_json"):
        return (annotation,)
    return ()


def decode(annotation: Any, value: Any, where: str) -> Any:
    """``value`` as the type ``annotation`` states (models made from their JSON)."""
    if value is None:
        return None
    models = models_in(annotation)
    if models:
        for model in models:
            if not issubclass(model, JsonModel) or model.accepts(value):
                return model.from_json(value)  # type: ignore[attr-defined]
        names = " or ".join(m.__name__ for m in models)
        raise ContractError(
            f"{where}: not a {names}: {sorted(value) if isinstance(value, Mapping) else value!r}"
        )
    if get_origin(annotation) is tuple and isinstance(value, list | tuple):
        item = get_args(annotation)[0]
        return tuple(decode(item, v, where) for v in value)
    return value


def recorded(model: type[M], document: Any) -> M | None:
    """A step's result as a service's record kept it, or None when there is none or the
    record predates the model (the step then does its work as if nothing were recorded)."""
    try:
        return model.from_json(document) if document is not None else None
    except ContractError:
        return None


def returns_json(handler: Callable[P, JsonModel]) -> Callable[P, dict[str, Any]]:
    """A Lambda handler that returns a model: Lambda gets its JSON. The handler's return
    annotation is the contract the state machine's paths are checked against
    (tests/unit/test_workflow_contract.py)."""

    @functools.wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:
        return handler(*args, **kwargs).to_json()

    return wrapper
