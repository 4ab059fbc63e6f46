"""Requests are named `service:Action`; injected errors parse with botocore, in every protocol."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import botocore.session
import pytest
from botocore.parsers import create_parser

from localcloud.api_calls import identify_call
from localcloud.error_responses import cbor_text_map, render_error


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


def wsgi_environ_of(service: str, operation: str, /, **params: Any) -> dict[str, Any]:
    """The WSGI environ of the request boto3 would send for this call (nothing is sent)."""
    client = boto3.session.Session().client(
        service,
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:4566",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    def capture(request: Any, **_: Any) -> None:
        raise _Captured(request)

    client.meta.events.register("before-send", capture)
    with pytest.raises(_Captured) as captured:
        getattr(client, operation)(**params)
    request = captured.value.request
    url = urlsplit(request.url)
    body = request.body or b""
    if hasattr(body, "read"):
        body = body.read()
    body = body.encode() if isinstance(body, str) else body
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": unquote(url.path),
        "QUERY_STRING": url.query,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    for name, raw in request.headers.items():
        value = raw.decode() if isinstance(raw, bytes) else raw
        key = name.upper().replace("-", "_")
        environ["CONTENT_TYPE" if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    return environ


@pytest.mark.parametrize(
    ("service", "operation", "params", "name", "protocol"),
    [
        ("ecs", "update_service", {"service": "web"}, "ecs:UpdateService", "json"),
        ("dynamodb", "put_item", {"TableName": "t", "Item": {}}, "dynamodb:PutItem", "json"),
        (
            "stepfunctions",
            "start_execution",
            {"stateMachineArn": "arn"},
            "states:StartExecution",
            "json",
        ),
        ("ec2", "create_vpc", {"CidrBlock": "10.0.0.0/16"}, "ec2:CreateVpc", "ec2"),
        (
            "iam",
            "create_role",
            {"RoleName": "r", "AssumeRolePolicyDocument": "{}"},
            "iam:CreateRole",
            "query",
        ),
        (
            "elbv2",
            "describe_load_balancers",
            {},
            "elasticloadbalancing:DescribeLoadBalancers",
            "query",
        ),
        (
            "s3",
            "put_object",
            {"Bucket": "b", "Key": "specs/a.yaml", "Body": b"x"},
            "s3:PutObject",
            "rest-xml",
        ),
        (
            "s3",
            "put_bucket_versioning",
            {"Bucket": "b", "VersioningConfiguration": {"Status": "Enabled"}},
            "s3:PutBucketVersioning",
            "rest-xml",
        ),
        (
            "lambda",
            "invoke",
            {"FunctionName": "arn:aws:lambda:us-east-1:1:function:f"},
            "lambda:Invoke",
            "rest-json",
        ),
        (
            "cloudwatch",
            "put_metric_data",
            {"Namespace": "n", "MetricData": [{"MetricName": "m", "Value": 1.0}]},
            "cloudwatch:PutMetricData",
            "json",
        ),  # botocore prefers JSON over CBOR
    ],
)
def test_request_is_named_by_iam_prefix_and_action(
    service: str, operation: str, params: dict[str, Any], name: str, protocol: str
) -> None:
    environ = wsgi_environ_of(service, operation, **params)
    body_before = environ["wsgi.input"].getvalue()
    call = identify_call(environ)
    assert call is not None
    assert (call.name, call.protocol) == (name, protocol)
    assert environ["wsgi.input"].read() == body_before  # moto still gets the whole body


def test_unsigned_request_is_not_an_api_call() -> None:
    assert (
        identify_call({"REQUEST_METHOD": "GET", "PATH_INFO": "/moto-api/", "QUERY_STRING": ""})
        is None
    )


@pytest.mark.parametrize(
    ("service", "operation", "protocol", "code", "status"),
    [
        ("ecs", "UpdateService", "json", "ThrottlingException", 400),
        ("ec2", "CreateVpc", "ec2", "RequestLimitExceeded", 503),
        ("iam", "CreateRole", "query", "Throttling", 400),
        ("s3", "PutObject", "rest-xml", "SlowDown", 503),
        ("lambda", "Invoke", "rest-json", "TooManyRequestsException", 429),
        ("cloudwatch", "PutMetricData", "smithy-rpc-v2-cbor", "Throttling", 400),
    ],
)
def test_injected_error_parses_to_its_code_with_botocore(
    service: str, operation: str, protocol: str, code: str, status: int
) -> None:
    error = render_error(protocol, code, "slow down please", status)
    model = botocore.session.get_session().get_service_model(service)
    parsed = create_parser(protocol).parse(
        {
            "status_code": error.status,
            "headers": {name.lower(): value for name, value in error.headers},
            "body": error.body,
        },
        model.operation_model(operation).output_shape,
    )
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == "slow down please"
    assert parsed["ResponseMetadata"]["RequestId"]


def test_cbor_encoding_of_short_and_long_strings() -> None:
    assert cbor_text_map({"a": "b"}) == b"\xa1\x61a\x61b"
    long_value = "x" * 300
    encoded = cbor_text_map({"k": long_value})
    assert encoded[:4] == b"\xa1\x61k\x79"  # text string with a 2-byte length
    assert encoded[4:6] == (300).to_bytes(2, "big")
