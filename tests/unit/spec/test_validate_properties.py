"""Properties that hold for any input: validate() never raises and only ever returns
Problems; load_spec() raises nothing but SpecError; and whatever validates renders to
input botocore accepts.

Inputs: arbitrary bytes and text, arbitrary JSON-like documents spelled with the spec's
own field names, and valid specs (the examples) with fields dropped, renamed or retyped.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import yaml
from botocore.model import ServiceModel
from botocore.validate import validate_parameters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecsdrop.errors import SpecError
from ecsdrop.spec import Installation, Problem, Validation, load_spec, validate
from ecsdrop.spec.render import Resources, create_service_input, render
from ecsdrop.spec.schema import load_schema

EXAMPLES = sorted((Path(__file__).resolve().parents[3] / "examples").iterdir())
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def schema_words(node: Any) -> Iterator[str]:
    """Every property name and string enum value the schema knows."""
    if isinstance(node, dict):
        yield from node.get("properties", {})
        yield from (v for v in node.get("enum", []) if isinstance(v, str))
        for value in node.values():
            yield from schema_words(value)
    elif isinstance(node, list):
        for item in node:
            yield from schema_words(item)


WORDS = sorted(set(schema_words(load_schema())))
keys = st.sampled_from(WORDS) | st.text(max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(WORDS)
    | st.text(max_size=20)
)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)
filenames = st.sampled_from(["spec.yaml", "spec.json", "spec.yml"])


@cache
def ecs_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("ecs")


@cache
def example_data() -> tuple[dict[str, Any], ...]:
    return tuple(yaml.safe_load(path.read_text(encoding="utf-8")) for path in EXAMPLES)


def assert_well_formed(validation: Validation) -> None:
    assert all(isinstance(p, Problem) for p in validation.problems)
    assert all(p.severity in ("error", "warning") for p in validation.problems)
    assert all(isinstance(p.message, str) and p.message for p in validation.problems)
    assert all(isinstance(p.field, str) for p in validation.problems)
    if validation.spec is None:
        assert validation.errors, "an invalid spec says why"
    else:
        assert not validation.errors


def assert_renders_for_botocore(validation: Validation) -> None:
    """A spec that validates must deploy: its inputs pass botocore's own validation."""
    spec = validation.spec
    assert spec is not None
    rendered = render(spec, Installation())
    model = ecs_model()
    validate_parameters(
        rendered["registerTaskDefinition"],
        model.operation_model("RegisterTaskDefinition").input_shape,
    )
    resources = Resources(
        task_definition_arn="arn:aws:ecs:us-east-1:123456789012:task-definition/x:1",
        subnet_ids=("subnet-0a1b2c3d4e5f60011",),
        security_group_ids=("sg-0a1b2c3d4e5f60001",),
        target_group_arn=(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/0123456789abcdef"
            if spec.has_load_balancer
            else None
        ),
    )
    validate_parameters(
        create_service_input(spec, resources), model.operation_model("CreateService").input_shape
    )


@FUZZ
@given(raw=st.binary(max_size=2000), filename=filenames)
def test_validate_never_raises_on_arbitrary_bytes(raw: bytes, filename: str) -> None:
    assert_well_formed(validate(raw, filename))


@FUZZ
@given(text=st.text(max_size=2000), filename=filenames)
def test_validate_never_raises_on_arbitrary_text(text: str, filename: str) -> None:
    assert_well_formed(validate(text, filename))


@FUZZ
@given(document=documents)
def test_validate_never_raises_on_any_json_document(document: Any) -> None:
    assert_well_formed(validate(json.dumps(document), "spec.json"))


@FUZZ
@given(document=documents)
def test_validate_never_raises_on_any_yaml_document(document: Any) -> None:
    assert_well_formed(validate(yaml.safe_dump(document), "spec.yaml"))


@FUZZ
@given(document=documents)
def test_load_spec_raises_nothing_but_spec_error(document: Any) -> None:
    try:
        spec = load_spec(json.dumps(document), "spec.json")
    except SpecError as e:
        assert e.problems
    else:
        assert spec.data["version"] == 1


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a document that a mutation can change."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield (*prefix, i)
            yield from paths(item, (*prefix, i))


def mutate(document: dict[str, Any], draw: st.DrawFn) -> dict[str, Any]:
    """Drop, rename or retype one field, or duplicate a list item."""
    mutated = copy.deepcopy(document)
    path = draw(st.sampled_from(list(paths(mutated))))
    parent: Any = mutated
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    action = draw(st.sampled_from(["drop", "rename", "retype", "duplicate"]))
    if action == "drop":
        del parent[last]
    elif action == "rename" and isinstance(parent, dict):
        parent[draw(keys)] = parent.pop(last)
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    else:
        parent[last] = draw(documents)
    return mutated


@st.composite
def mutated_specs(draw: st.DrawFn) -> dict[str, Any]:
    document = draw(st.sampled_from(example_data()))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        if document:
            document = mutate(document, draw)
    return document


@FUZZ
@given(document=mutated_specs())
def test_mutated_examples_are_reported_or_render_for_botocore(document: dict[str, Any]) -> None:
    validation = validate(json.dumps(document, indent=2), "spec.json")

    assert_well_formed(validation)
    if validation.spec is not None:
        assert_renders_for_botocore(validation)


@FUZZ
@given(document=mutated_specs())
def test_mutated_examples_validate_the_same_in_yaml_and_json(document: dict[str, Any]) -> None:
    as_json = validate(json.dumps(document, indent=2), "spec.json")
    as_yaml = validate(yaml.safe_dump(document, sort_keys=False), "spec.yaml")

    assert sorted((p.field, p.message) for p in as_yaml.problems) == sorted(
        (p.field, p.message) for p in as_json.problems
    )
    assert as_yaml.ok == as_json.ok
