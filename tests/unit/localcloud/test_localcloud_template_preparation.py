"""Reading templates and preparing them for the offline SAM transform."""

from __future__ import annotations

from pathlib import Path

import pytest

from localcloud.errors import TemplateError
from localcloud.template.context import Properties
from localcloud.template.loader import parse_template
from localcloud.template.resources.compute import substitute_definition
from localcloud.template.sam import CODE_BUCKET, localize_paths, translate

SHORT_FORMS = """
AWSTemplateFormatVersion: 2010-09-09
Resources:
  Thing:
    Type: AWS::SQS::Queue
    Properties:
      A: !Ref Other
      B: !GetAtt Other.Arn
      C: !Sub "${Other}-x"
      D: !If [IsProd, !Join [",", [a, b]], !Ref "AWS::NoValue"]
      E: !Select [0, !Split [",", "a,b"]]
      F: !Not [!Condition IsProd]
"""


def test_short_form_tags_become_intrinsic_functions_and_dates_stay_strings() -> None:
    template = parse_template(SHORT_FORMS)
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    props = template["Resources"]["Thing"]["Properties"]
    assert props["A"] == {"Ref": "Other"}
    assert props["B"] == {"Fn::GetAtt": ["Other", "Arn"]}
    assert props["C"] == {"Fn::Sub": "${Other}-x"}
    assert props["D"] == {
        "Fn::If": ["IsProd", {"Fn::Join": [",", ["a", "b"]]}, {"Ref": "AWS::NoValue"}]
    }
    assert props["E"] == {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}
    assert props["F"] == {"Fn::Not": [{"Condition": "IsProd"}]}


def test_local_code_paths_become_placeholders_remembered_with_their_folder(tmp_path: Path) -> None:
    (tmp_path / "src" / "fn").mkdir(parents=True)
    (tmp_path / "layer").mkdir()
    (tmp_path / "sm.json").write_text('{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}')
    template = {
        "Globals": {"Function": {"CodeUri": "src/fn"}},
        "Resources": {
            "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "app.h"}},
            "Own": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "src/fn/"}},
            "Layer": {
                "Type": "AWS::Serverless::LayerVersion",
                "Properties": {"ContentUri": "layer"},
            },
            "Flow": {
                "Type": "AWS::Serverless::StateMachine",
                "Properties": {"DefinitionUri": "sm.json"},
            },
            "Remote": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "s3://b/k.zip"},
            },
        },
    }
    localized, artifacts = localize_paths(template, tmp_path)
    resources = localized["Resources"]
    assert localized["Globals"]["Function"]["CodeUri"] == f"s3://{CODE_BUCKET}/Globals"
    assert resources["Own"]["Properties"]["CodeUri"] == f"s3://{CODE_BUCKET}/Own"
    assert resources["Layer"]["Properties"]["ContentUri"] == f"s3://{CODE_BUCKET}/Layer"
    assert resources["Flow"]["Properties"]["Definition"]["StartAt"] == "A"
    assert "DefinitionUri" not in resources["Flow"]["Properties"]
    assert resources["Remote"]["Properties"]["CodeUri"] == "s3://b/k.zip"
    assert artifacts.folder_for(CODE_BUCKET, "Own") == (tmp_path / "src" / "fn").resolve()
    assert artifacts.folder_for("other-bucket", "Own") is None
    assert template["Resources"]["Own"]["Properties"]["CodeUri"] == "src/fn/"  # input untouched


def test_missing_code_folder_is_named(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "nope/"}}
        }
    }
    with pytest.raises(TemplateError, match=r"Fn: code folder .*nope does not exist"):
        localize_paths(template, tmp_path)


def test_container_image_functions_are_refused(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"PackageType": "Image"}}
        }
    }
    with pytest.raises(TemplateError, match="container-image functions"):
        localize_paths(template, tmp_path)


def test_unsupported_transform_is_refused() -> None:
    with pytest.raises(TemplateError, match="AWS::LanguageExtensions"):
        translate({"Transform": ["AWS::LanguageExtensions"], "Resources": {}}, {}, "us-east-1")


def test_template_without_transform_is_left_as_is() -> None:
    template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
    assert translate(template, {}, "us-east-1") is template


def test_sam_errors_are_reported_as_template_errors() -> None:
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "a.b"}}
        },
    }
    with pytest.raises(TemplateError, match="SAM transform failed"):
        translate(template, {}, "us-east-1")


def test_definition_substitutions_replace_only_the_given_keys() -> None:
    definition = '{"Resource": "arn:${Partition}:states:::x", "Other": "${Unknown}", "N": ${Count}}'
    substituted = substitute_definition(definition, {"Partition": "aws", "Count": 3})
    assert substituted == '{"Resource": "arn:aws:states:::x", "Other": "${Unknown}", "N": 3}'


def test_properties_report_what_the_handler_never_read() -> None:
    props = Properties(
        "Bucket", "AWS::S3::Bucket", {"BucketName": "b", "CorsConfiguration": {}, "Tags": []}
    )
    assert props.get("BucketName") == "b"
    props.ignore("Tags")
    assert props.unread() == ["CorsConfiguration"]
    with pytest.raises(TemplateError, match=r"Bucket \(AWS::S3::Bucket\): Missing is required"):
        props.require("Missing")
