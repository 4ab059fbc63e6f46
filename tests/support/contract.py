"""The state machine's side of the contract between the workflow's steps: what each state
writes where (ResultPath), which typed model that is (the handler's return annotation, or
Step Functions' own error object for a Catch), and every JSONPath the states read."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass, is_dataclass
from typing import Any, get_args, get_origin, get_type_hints

from ecsdrop.contract import JsonModel, models_in
from ecsdrop.deploy.results import CaughtError
from ecsdrop.spec.model import Spec
from ecsdrop.spec.schema import load_schema
from tests.support.handlers import load_handler
from tests.support.template import resource, template

_SUBSTITUTION = re.compile(r"^\$\{(\w+)\}$")
# The fields of a state that hold a path the state machine reads (Choice rules' Variable
# included, at any depth of And / Or / Not).
_READ_FIELDS = (
    "Variable",
    "InputPath",
    "OutputPath",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
)


@dataclass(frozen=True)
class Write:
    state: str
    path: tuple[str, ...]  # the ResultPath, as its keys ($ is ())
    models: tuple[type, ...]  # empty: untyped (what a task token's sender chose to send)
    by: str  # the function, or "Catch[i]"
    final: bool = False  # an End state's: its document's output, which no state reads


@dataclass(frozen=True)
class Read:
    state: str
    path: tuple[str, ...]
    raw: str


def document_states(machine: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The states that read and write ``machine``'s document: its own and its Parallel
    branches' (at any depth), not its Maps' item processors, whose document is an item."""
    pending = [machine["States"]]
    while pending:
        for name, state in pending.pop().items():
            yield name, state
            pending.extend(branch["States"] for branch in state.get("Branches", []))


def item_processors(machine: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each Map of ``machine``'s document: its name, ItemsPath and item processor."""
    for name, state in document_states(machine):
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield name, state.get("ItemsPath", "$"), state[key]


def keys_of(path: str) -> tuple[str, ...]:
    if path == "$":
        return ()
    assert path.startswith("$."), path
    return tuple(path[2:].split("."))


def handler_models(function_dir: str) -> tuple[type, ...]:
    """The models a function's handler returns: its return annotation, under the decorators."""
    handler = inspect.unwrap(load_handler(function_dir).lambda_handler)
    return models_in(get_type_hints(handler)["return"])


def _function_dirs() -> dict[str, str]:
    """Each DefinitionSubstitution that names a function (``NetworkFunctionArn``) → the
    function's directory under functions/ (its CodeUri)."""
    machines = [
        r for r in template()["Resources"].values() if r["Type"] == "AWS::Serverless::StateMachine"
    ]
    (machine,) = machines
    found = {}
    for name, value in machine["Properties"]["DefinitionSubstitutions"].items():
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            logical_id = value["Fn::GetAtt"][0]
            code = resource(logical_id)["Properties"]["CodeUri"]
            found[name] = code.removeprefix("functions/").strip("/")
    return found


def writes(machine: dict[str, Any]) -> list[Write]:
    functions = _function_dirs()
    found = []
    for name, state in document_states(machine):
        if state.get("Type") == "Task":
            target = state.get("Parameters", {}).get("FunctionName", state["Resource"])
            substitution = _SUBSTITUTION.match(target)
            token = state["Resource"].endswith(".waitForTaskToken")
            models = (
                ()
                if token or not substitution
                else handler_models(functions[substitution.group(1)])
            )
            by = substitution.group(1) if substitution else target
            path = keys_of(state.get("ResultPath", "$"))
            found.append(Write(name, path, models, by, final=bool(state.get("End"))))
        for index, catch in enumerate(state.get("Catch", [])):
            path = keys_of(catch.get("ResultPath", "$"))
            found.append(Write(name, path, (CaughtError,), f"Catch[{index}]"))
    return found


def _paths_in(value: Any) -> Iterator[str]:
    """The paths a Parameters block reads (``"key.$": "$.x"``), at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith(".$") and isinstance(item, str):
                yield item
            else:
                yield from _paths_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _paths_in(item)


def _rule_paths(rule: dict[str, Any]) -> Iterator[str]:
    if "Variable" in rule:
        yield rule["Variable"]
    for key, value in rule.items():
        if key.endswith("Path") and key != "Variable" and isinstance(value, str):
            yield value  # StringEqualsPath and the like compare with another path
    for nested in [
        *rule.get("And", []),
        *rule.get("Or", []),
        *([rule["Not"]] if "Not" in rule else []),
    ]:
        yield from _rule_paths(nested)


def reads(machine: dict[str, Any]) -> list[Read]:
    found = []
    for name, state in document_states(machine):
        paths = [state[f] for f in _READ_FIELDS if isinstance(state.get(f), str)]
        for rule in state.get("Choices", []):
            paths.extend(_rule_paths(rule))
        # (a ResultSelector's paths read the state's own result, not the document)
        paths.extend(_paths_in(state.get("Parameters")))
        for path in paths:
            if path.startswith("$$"):  # the context object: Step Functions' own
                continue
            found.append(Read(name, keys_of(path), path))
    return found


def _field_types(model: type) -> dict[str, Any] | None:
    if isinstance(model, type) and issubclass(model, JsonModel):
        return model.field_types()
    if is_dataclass(model):
        return get_type_hints(model)
    return None


def resolve(model: type, keys: tuple[str, ...]) -> tuple[type, ...] | None:
    """The models (or the plain type, as a 1-tuple) at ``keys`` inside ``model``; None when
    some key is not a field. A dataclass without JsonModel's names has its own field names."""
    if not keys:
        return (model,)
    if model is Spec:  # the spec's fields are its JSON Schema's
        return (Spec,) if _in_spec_schema(keys) else None
    types = _field_types(model) or {}  # not a model: nothing is known of what is inside
    head, *rest = keys
    if head not in types:
        return None
    inner = models_in(types[head])
    if not rest:
        return inner or (types[head],)
    for candidate in inner:
        found = resolve(candidate, tuple(rest))
        if found is not None:
            return found
    return None


def _in_spec_schema(keys: tuple[str, ...]) -> bool:
    """Whether the spec's JSON Schema has the field at ``keys`` (``preDeploy[0]``: an item)."""
    schema = load_schema()
    node: dict[str, Any] = schema
    for key in keys:
        name, _, index = key.partition("[")
        while "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        if name not in node.get("properties", {}):
            return False
        node = node["properties"][name]
        if index:
            while "$ref" in node:
                node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
            node = node.get("items", {})
    return True


def problems(machine: dict[str, Any], given: tuple[Write, ...] = ()) -> list[str]:
    """Every read that no model written there has. The writers of a read are the states
    whose ResultPath is the longest prefix of its path; one of them must have the field (a
    Choice's IsPresent looks for a field only some of them write: an AdmissionWait's
    ``admission``, never in CheckRollout's ServiceResult). ``given``: what the document
    holds before its first state (a Map item's model). A Map's item processor is checked
    the same way, its document being one item of the Map's ItemsPath."""
    written = [*given, *(w for w in writes(machine) if not (w.final and not w.path))]
    found = []
    for read in reads(machine):
        writers = _writers(written, read.path)
        if not writers:
            found.append(f"{read.state} reads {read.raw}: no state writes there")
            continue
        rest = read.path[len(writers[0].path) :]
        untyped = [w for w in writers if not w.models]
        if rest and untyped:
            found.append(f"{read.state} reads {read.raw}: {untyped[0].by} writes it untyped")
            continue
        if not any(resolve(m, rest) is not None for w in writers for m in w.models):
            models = dict.fromkeys(m for w in writers for m in w.models)
            names = " | ".join(m.__name__ for m in models)
            states = ", ".join(w.state for w in writers)
            found.append(f"{read.state} reads {read.raw}: not a field of {names} ({states})")
    for name, items_path, processor in item_processors(machine):
        item = item_models(written, keys_of(items_path))
        if not item:
            found.append(f"{name} maps over {items_path}: no model of items is written there")
            continue
        found += problems(processor, (Write(name, (), item, "ItemsPath"),))
    return found


def _writers(written: list[Write], path: tuple[str, ...]) -> list[Write]:
    """The writes whose ResultPath is the longest prefix of ``path``."""
    prefixes = [w for w in written if path[: len(w.path)] == w.path]
    if not prefixes:
        return []
    longest = max(len(w.path) for w in prefixes)
    return [w for w in prefixes if len(w.path) == longest]


def item_models(written: list[Write], path: tuple[str, ...]) -> tuple[type, ...]:
    """The models of the items of the list at ``path`` (a tuple field of a written model)."""
    writers = _writers(written, path)
    found: list[type] = []
    for model in (m for w in writers for m in w.models):
        for held in resolve(model, path[len(writers[0].path) :]) or ():
            if get_origin(held) is tuple:
                found += models_in(get_args(held)[0])
    return tuple(dict.fromkeys(found))


def unheld_writes(machine: dict[str, Any], document: type) -> list[str]:
    """Writes into the workflow's document (``document``: a path below $) whose model the
    document's field at that path does not take; in a Map's item processor, writes into
    the item that the item's model does not take."""
    found = []
    for name, items_path, processor in item_processors(machine):
        for item in item_models(writes(machine), keys_of(items_path)) or (None,):
            if item is None:
                found.append(f"{name} maps over {items_path}: no model of items is written there")
            else:
                found += unheld_writes(processor, item)
    for write in writes(machine):
        if not write.path or not write.models:
            continue
        held = resolve(document, write.path)
        if held is None:
            found.append(f"{write.state} writes $.{'.'.join(write.path)}: no such field")
        elif any(models_in(h) for h in held) and not set(held) & set(write.models):
            names = " | ".join(m.__name__ for m in write.models)
            found.append(
                f"{write.state} writes {names} at $.{'.'.join(write.path)}: the "
                f"field holds {' | '.join(getattr(h, '__name__', str(h)) for h in held)}"
            )
    return found
