"""The schemas ecsdrop validates with are valid JSON Schemas: checked here, in CI, because the
Lambda functions no longer check them against the meta-schema at every cold start."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from ecsdrop.spec.policy import POLICY_SCHEMA
from ecsdrop.spec.schema import load_schema


def test_the_spec_schema_is_valid_against_its_meta_schema() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_the_policy_schema_is_valid_against_its_meta_schema() -> None:
    Draft202012Validator.check_schema(POLICY_SCHEMA)


@pytest.mark.parametrize(
    "broken",
    [
        {"type": "mapping"},
        {"properties": {"cpu": {"minimum": "256"}}},
        {"required": "name"},
    ],
)
def test_the_meta_check_refuses_a_broken_schema(broken: dict[str, Any]) -> None:
    with pytest.raises(SchemaError):
        Draft202012Validator.check_schema({**load_schema(), **broken})
