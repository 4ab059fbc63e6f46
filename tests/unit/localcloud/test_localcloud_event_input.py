"""What EventBridge targets receive: Input, InputPath and InputTransformer semantics."""

from __future__ import annotations

import json
from typing import Any

import pytest

from localcloud.event_input import as_json_input, render_template, select_path, target_input_text

S3_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "e1",
    "detail-type": "Object Created",
    "source": "aws.s3",
    "time": "2025-01-01T00:00:00Z",
    "resources": ["arn:aws:s3:::bucket"],
    "detail": {"bucket": {"name": "bucket"}, "object": {"key": "specs/a b.yaml", "size": 3}},
}
RULE = {"rule_name": "uploads", "rule_arn": "arn:aws:events:us-east-1:123456789012:rule/uploads"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", S3_EVENT),
        ("$.detail.object.key", "specs/a b.yaml"),
        ("$.detail-type", "Object Created"),
        ("$.resources[0]", "arn:aws:s3:::bucket"),
        ("$['detail']['bucket']['name']", "bucket"),
        ("$.detail.missing", None),
        ("$.resources[3]", None),
    ],
)
def test_paths_select_parts_of_the_event(path: str, expected: Any) -> None:
    assert select_path(S3_EVENT, path) == expected


def test_path_without_dollar_is_refused() -> None:
    with pytest.raises(ValueError, match="must start with"):
        select_path(S3_EVENT, "detail.key")


def test_no_input_settings_send_the_whole_event() -> None:
    assert json.loads(target_input_text({"Arn": "x"}, S3_EVENT, **RULE)) == S3_EVENT


def test_constant_input_is_sent_verbatim() -> None:
    assert target_input_text({"Input": '{"fixed": true}'}, S3_EVENT, **RULE) == '{"fixed": true}'


def test_input_path_sends_the_selected_part() -> None:
    text = target_input_text({"InputPath": "$.detail.object"}, S3_EVENT, **RULE)
    assert json.loads(text) == {"key": "specs/a b.yaml", "size": 3}


def test_transformer_inserts_json_outside_quotes_and_text_inside() -> None:
    transformer = {
        "InputPathsMap": {
            "key": "$.detail.object.key",
            "size": "$.detail.object.size",
            "obj": "$.detail.object",
        },
        "InputTemplate": (
            '{"key": <key>, "size": <size>, "line": "got <key> (<size> bytes)", "obj": <obj>}'
        ),
    }
    text = target_input_text({"InputTransformer": transformer}, S3_EVENT, **RULE)
    assert json.loads(text) == {
        "key": "specs/a b.yaml",
        "size": 3,
        "line": "got specs/a b.yaml (3 bytes)",
        "obj": {"key": "specs/a b.yaml", "size": 3},
    }


def test_transformer_offers_the_predefined_variables() -> None:
    transformer = {
        "InputTemplate": (
            '{"rule": "<aws.events.rule-name>", "arn": "<aws.events.rule-arn>", '
            '"event": <aws.events.event>}'
        )
    }
    document = json.loads(target_input_text({"InputTransformer": transformer}, S3_EVENT, **RULE))
    assert document["rule"] == "uploads"
    assert document["arn"] == RULE["rule_arn"]
    assert document["event"] == S3_EVENT


def test_missing_values_become_null_outside_quotes_and_empty_inside() -> None:
    rendered = render_template('{"a": <gone>, "b": "[<gone>]"}', {"gone": None})
    assert json.loads(rendered) == {"a": None, "b": "[]"}


def test_text_template_receives_values_as_plain_text() -> None:
    rendered = render_template("Object <key> created", {"key": "specs/a.yaml"})
    assert rendered == "Object specs/a.yaml created"


def test_quotes_inside_values_are_escaped_within_json_strings() -> None:
    rendered = render_template('{"msg": "said <what>"}', {"what": 'a "quote"'})
    assert json.loads(rendered) == {"msg": 'said a "quote"'}


def test_placeholders_that_are_not_variables_are_left_alone() -> None:
    assert render_template('"<b>bold</b> <x>"', {"x": 1}) == '"<b>bold</b> 1"'


def test_non_json_text_reaches_json_targets_as_a_json_string() -> None:
    assert as_json_input("plain words") == '"plain words"'
    assert as_json_input('{"a": 1}') == '{"a": 1}'
