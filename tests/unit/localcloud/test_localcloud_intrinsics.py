"""The intrinsic resolver, parameters and dependency order: CloudFormation's semantics, no cloud."""

from __future__ import annotations

from typing import Any

import pytest

from localcloud.errors import TemplateError
from localcloud.template.graph import creation_order
from localcloud.template.intrinsics import (
    NO_VALUE,
    IntrinsicResolver,
    pseudo_parameters,
    referenced_resources,
    resolve_parameters,
)

RESOURCES = {"Bucket": "my-bucket", "Table": "my-table"}
ATTRIBUTES = {("Bucket", "Arn"): "arn:aws:s3:::my-bucket", ("Db", "Endpoint.Address"): "db.local"}


def resolver(**overrides: Any) -> IntrinsicResolver:
    options: dict[str, Any] = {
        "parameters": {"Stage": "prod", "Subnets": ["a", "b"], "Size": "3"},
        "pseudo": pseudo_parameters("123456789012", "eu-west-1", "demo"),
        "conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
            "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
            "ProdAndBig": {
                "Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": ["3", {"Ref": "Size"}]}]
            },
            "DevOrBig": {
                "Fn::Or": [{"Condition": "IsDev"}, {"Fn::Equals": [{"Ref": "Size"}, "3"]}]
            },
        },
        "mappings": {"Sizes": {"prod": {"Memory": 1024}}},
        "ref": lambda logical_id: RESOURCES[logical_id],
        "get_att": lambda logical_id, attribute: ATTRIBUTES[(logical_id, attribute)],
    }
    options.update(overrides)
    return IntrinsicResolver(**options)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"Ref": "Stage"}, "prod"),
        ({"Ref": "Bucket"}, "my-bucket"),
        ({"Ref": "AWS::Region"}, "eu-west-1"),
        ({"Ref": "AWS::AccountId"}, "123456789012"),
        ({"Ref": "AWS::Partition"}, "aws"),
        ({"Ref": "AWS::StackName"}, "demo"),
        ({"Ref": "AWS::URLSuffix"}, "amazonaws.com"),
        ({"Fn::GetAtt": ["Bucket", "Arn"]}, "arn:aws:s3:::my-bucket"),
        ({"Fn::GetAtt": "Db.Endpoint.Address"}, "db.local"),
        ({"Fn::Sub": "${Bucket}-${Stage}-${AWS::Region}"}, "my-bucket-prod-eu-west-1"),
        ({"Fn::Sub": "${Bucket.Arn}/*"}, "arn:aws:s3:::my-bucket/*"),
        ({"Fn::Sub": "literal ${!NotAVariable}"}, "literal ${NotAVariable}"),
        ({"Fn::Sub": ["${Name}:${Stage}", {"Name": {"Ref": "Table"}}]}, "my-table:prod"),
        ({"Fn::Join": ["/", ["a", {"Ref": "Stage"}, "c"]]}, "a/prod/c"),
        ({"Fn::Join": [",", {"Ref": "Subnets"}]}, "a,b"),
        ({"Fn::Select": [1, {"Ref": "Subnets"}]}, "b"),
        ({"Fn::Select": ["0", {"Fn::Split": [":", "x:y:z"]}]}, "x"),
        ({"Fn::Split": ["|", "a|b"]}, ["a", "b"]),
        ({"Fn::If": ["IsProd", "big", "small"]}, "big"),
        ({"Fn::If": ["IsDev", "big", "small"]}, "small"),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}, 1024),
        ({"Fn::GetAZs": ""}, ["eu-west-1a", "eu-west-1b", "eu-west-1c"]),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Fn::ToJsonString": {"a": [1, {"Ref": "Stage"}]}}, '{"a":[1,"prod"]}'),
    ],
)
def test_intrinsic_resolves_like_cloudformation(expression: Any, expected: Any) -> None:
    assert resolver().resolve(expression) == expected


def test_conditions_combine_with_equals_not_and_or() -> None:
    conditions = resolver()
    assert conditions.condition("IsProd") is True
    assert conditions.condition("IsDev") is False
    assert conditions.condition("ProdAndBig") is True
    assert conditions.condition("DevOrBig") is True


def test_no_value_removes_the_property_or_list_item() -> None:
    resolved = resolver().resolve(
        {
            "Keep": 1,
            "Drop": {"Fn::If": ["IsDev", "x", {"Ref": "AWS::NoValue"}]},
            "List": ["a", {"Fn::If": ["IsDev", "b", {"Ref": "AWS::NoValue"}]}],
        }
    )
    assert resolved == {"Keep": 1, "List": ["a"]}
    assert repr(NO_VALUE) == "AWS::NoValue"


def test_nested_structures_are_resolved_throughout() -> None:
    resolved = resolver().resolve(
        {
            "Env": {
                "Variables": {
                    "TABLE": {"Ref": "Table"},
                    "ARNS": [{"Fn::GetAtt": ["Bucket", "Arn"]}],
                }
            }
        }
    )
    assert resolved == {
        "Env": {"Variables": {"TABLE": "my-table", "ARNS": ["arn:aws:s3:::my-bucket"]}}
    }


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ({"Fn::ImportValue": "shared"}, "unsupported intrinsic function Fn::ImportValue"),
        ({"Fn::If": ["Unknown", 1, 2]}, "unknown condition Unknown"),
        ({"Fn::Select": [5, ["a"]]}, "out of range"),
        ({"Fn::Sub": "${Subnets}"}, "is not a string"),
        ({"Fn::FindInMap": ["Sizes", "dev", "Memory"]}, "not found in Sizes"),
    ],
)
def test_invalid_intrinsic_is_a_template_error(expression: Any, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        resolver().resolve(expression)


def test_reference_to_something_unknown_is_a_template_error() -> None:
    bare = IntrinsicResolver(parameters={}, pseudo=pseudo_parameters("1", "us-east-1", "s"))
    with pytest.raises(TemplateError, match="unresolved reference to Missing"):
        bare.resolve({"Ref": "Missing"})


def test_partition_and_url_suffix_follow_the_region() -> None:
    china = pseudo_parameters("123456789012", "cn-north-1", "s")
    assert china["AWS::Partition"] == "aws-cn"
    assert china["AWS::URLSuffix"] == "amazonaws.com.cn"
    assert pseudo_parameters("1", "us-gov-west-1", "s")["AWS::Partition"] == "aws-us-gov"


def test_parameters_take_caller_values_over_defaults_and_split_lists() -> None:
    declarations = {
        "Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
        "Subnets": {"Type": "CommaDelimitedList", "Default": "a, b"},
        "Count": {"Type": "Number", "Default": 2},
    }
    assert resolve_parameters(declarations, {"Stage": "prod"}) == {
        "Stage": "prod",
        "Subnets": ["a", "b"],
        "Count": "2",
    }


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"Stage": "qa"}, "not one of"),
        ({"Other": "x"}, "unknown parameter"),
    ],
)
def test_bad_parameter_values_are_refused(given: dict[str, Any], message: str) -> None:
    declarations = {"Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]}}
    with pytest.raises(TemplateError, match=message):
        resolve_parameters(declarations, given)


def test_parameter_without_default_needs_a_value() -> None:
    with pytest.raises(TemplateError, match="no default"):
        resolve_parameters({"Vpc": {"Type": "String"}}, {})


def test_references_are_found_in_ref_getatt_and_both_sub_forms() -> None:
    ids = {"Bucket", "Table", "Queue", "Role"}
    properties = {
        "A": {"Ref": "Bucket"},
        "B": {"Fn::GetAtt": "Role.Arn"},
        "C": {"Fn::Sub": "${Table}-${AWS::Region}-${Stage}"},
        "D": {"Fn::Sub": ["${Queue}-${Local}", {"Local": "x"}]},
    }
    assert referenced_resources(properties, ids) == {"Bucket", "Role", "Table", "Queue"}


def test_creation_order_puts_dependencies_first_and_keeps_template_order() -> None:
    resources = {
        "Function": {"Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
        "Queue": {},
        "Role": {"DependsOn": "Queue"},
        "Rule": {"Properties": {"Target": {"Fn::Sub": "${Function.Arn}"}}},
    }
    assert creation_order(resources) == ["Queue", "Role", "Function", "Rule"]


def test_circular_dependencies_are_named() -> None:
    resources = {
        "A": {"Properties": {"X": {"Ref": "B"}}},
        "B": {"Properties": {"X": {"Ref": "A"}}},
        "C": {},
    }
    with pytest.raises(TemplateError, match="circular dependency between: A, B"):
        creation_order(resources)


def test_depends_on_an_unknown_resource_is_an_error() -> None:
    with pytest.raises(TemplateError, match="DependsOn names unknown resource"):
        creation_order({"A": {"DependsOn": ["Ghost"]}})
