"""IAM enforced: each function signs as its own execution role and its policies decide, as in AWS;
any other credentials act as the account's administrator."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from localcloud import LocalCloud

IAM_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "localcloud_iam" / "template.yaml"


@pytest.fixture(scope="module")
def cloud(new_cloud: Callable[..., LocalCloud]) -> Iterator[LocalCloud]:
    with new_cloud(IAM_FIXTURE) as running:
        yield running


def calls_from(cloud: LocalCloud, function: str, *calls: dict[str, Any]) -> list[dict[str, Any]]:
    """Have the function make `calls` (service, method, params) and return each outcome:
    {"ok": response} or {"error": code, "message", "status"}."""
    response = cloud.client("lambda").invoke(
        FunctionName=cloud.resources[function], Payload=json.dumps({"calls": list(calls)})
    )
    assert "FunctionError" not in response, response["Payload"].read()
    outcomes: list[dict[str, Any]] = json.loads(response["Payload"].read())
    return outcomes


def call(service: str, method: str, **params: Any) -> dict[str, Any]:
    return {"service": service, "method": method, "params": params}


def assumed_role(cloud: LocalCloud, function: str) -> str:
    role = cloud.resources[f"{function}Role"]
    return f"arn:aws:sts::123456789012:assumed-role/{role}/{cloud.resources[function]}"


def item(key: str) -> dict[str, Any]:
    return {"pk": {"S": key}}


def test_a_call_the_role_allows_succeeds_and_one_outside_it_is_denied_naming_the_action(
    cloud: LocalCloud,
) -> None:
    table = cloud.outputs["TableName"]
    allowed, denied = calls_from(
        cloud,
        "ReaderFunction",
        call("dynamodb", "put_item", TableName=table, Item=item("allowed")),
        call("ecs", "describe_clusters"),
    )

    assert "ok" in allowed
    assert denied["error"] == "AccessDeniedException"
    assert denied["status"] == 400
    assert denied["message"] == (
        f"User: {assumed_role(cloud, 'ReaderFunction')} is not authorized to perform: "
        "ecs:DescribeClusters on resource: arn:aws:ecs:us-east-1:123456789012:cluster/default "
        "because no identity-based policy allows the ecs:DescribeClusters action"
    )
    stored = cloud.client("dynamodb").get_item(TableName=table, Key=item("allowed"))
    assert stored["Item"] == item("allowed")


def test_two_functions_with_different_roles_get_different_answers(cloud: LocalCloud) -> None:
    table, bucket = cloud.outputs["TableName"], cloud.outputs["BucketName"]
    read_table = call("dynamodb", "get_item", TableName=table, Key=item("x"))
    write_object = call("s3", "put_object", Bucket=bucket, Key="allowed/by-writer", Body="x")

    reader = calls_from(cloud, "ReaderFunction", read_table, write_object)
    writer = calls_from(cloud, "WriterFunction", read_table, write_object)

    assert "ok" in reader[0] and reader[1]["error"] == "AccessDenied"
    assert writer[0]["error"] == "AccessDeniedException" and "ok" in writer[1]
    assert "dynamodb:GetItem" in writer[0]["message"]
    assert assumed_role(cloud, "WriterFunction") in writer[0]["message"]


def test_an_explicit_deny_beats_an_allow(cloud: LocalCloud) -> None:
    (denied,) = calls_from(
        cloud,
        "ReaderFunction",
        call("dynamodb", "delete_item", TableName=cloud.outputs["TableName"], Key=item("x")),
    )

    assert denied["error"] == "AccessDeniedException"
    assert denied["message"].endswith(
        "dynamodb:DeleteItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/"
        f"{cloud.outputs['TableName']} with an explicit deny in an identity-based policy"
    )


def test_wildcard_actions_match_case_insensitively_and_only_what_they_name(
    cloud: LocalCloud,
) -> None:
    listed, listed_too, described = calls_from(
        cloud,
        "ReaderFunction",
        call("ecs", "list_clusters"),  # the policy says ecs:list*
        call("ecs", "list_task_definitions"),
        call("ecs", "describe_task_definition", taskDefinition="nothing:1"),
    )

    assert "ok" in listed and "ok" in listed_too
    assert described["error"] == "AccessDeniedException"
    assert "ecs:DescribeTaskDefinition" in described["message"]


def test_a_resource_scoped_statement_allows_its_resource_and_denies_another(
    cloud: LocalCloud,
) -> None:
    bucket = cloud.outputs["BucketName"]
    s3 = cloud.client("s3")
    for key in ("allowed/spec.yaml", "private/spec.yaml"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"hello")

    in_scope, out_of_scope, other_table = calls_from(
        cloud,
        "ReaderFunction",
        call("s3", "get_object", Bucket=bucket, Key="allowed/spec.yaml"),
        call("s3", "get_object", Bucket=bucket, Key="private/spec.yaml"),
        call("dynamodb", "get_item", TableName=cloud.outputs["OtherTableName"], Key=item("x")),
    )

    assert "ok" in in_scope
    assert out_of_scope["error"] == "AccessDenied" and out_of_scope["status"] == 403
    assert (
        f"s3:GetObject on resource: arn:aws:s3:::{bucket}/private/spec.yaml"
        in (out_of_scope["message"])
    )
    assert other_table["error"] == "AccessDeniedException"
    assert f"table/{cloud.outputs['OtherTableName']}" in other_table["message"]


def test_the_iam_action_is_authorized_not_the_api_operation(cloud: LocalCloud) -> None:
    bucket = cloud.outputs["BucketName"]
    cloud.client("s3").put_object(Bucket=bucket, Key="allowed/head.yaml", Body=b"x")

    head, listing, version = calls_from(
        cloud,
        "WriterFunction",  # s3:ListBucket, s3:PutObject; no s3:GetObject
        call("s3", "head_object", Bucket=bucket, Key="allowed/head.yaml"),
        call("s3", "list_objects_v2", Bucket=bucket, Prefix="allowed/"),
        call("s3", "get_object", Bucket=bucket, Key="allowed/head.yaml", VersionId="null"),
    )

    assert head["status"] == 403  # HeadObject is s3:GetObject; a HEAD answer has no body
    assert "ok" in listing  # ListObjectsV2 is s3:ListBucket
    assert "s3:GetObjectVersion" in version["message"]


def test_each_service_answers_a_denied_call_in_its_own_protocol(cloud: LocalCloud) -> None:
    outcomes = calls_from(
        cloud,
        "WriterFunction",
        call("ec2", "describe_vpcs"),
        call("sns", "publish", TopicArn=cloud.outputs["TopicArn"], Message="x"),
        call("lambda", "invoke", FunctionName=cloud.resources["ReaderFunction"]),
        call("stepfunctions", "list_state_machines"),
        call("sqs", "list_queues"),
        call("iam", "list_roles"),
    )

    answers = [(outcome["error"], outcome["status"]) for outcome in outcomes]
    assert answers == [
        ("UnauthorizedOperation", 403),
        ("AuthorizationError", 403),
        ("AccessDeniedException", 403),
        ("AccessDeniedException", 400),
        ("AccessDenied", 403),
        ("AccessDenied", 403),
    ]
    assert "lambda:InvokeFunction on resource: arn:aws:lambda:" in outcomes[2]["message"]
    assert outcomes[0]["message"].startswith("You are not authorized to perform this operation.")


def test_conditions_on_request_values_are_evaluated(cloud: LocalCloud) -> None:
    bus = cloud.outputs["BusName"]

    def event(source: str) -> dict[str, Any]:
        entry = {"EventBusName": bus, "Source": source, "DetailType": "probe", "Detail": "{}"}
        return call("events", "put_events", Entries=[entry])

    tagged = call(
        "ecs", "create_cluster", clusterName="blue", tags=[{"key": "team", "value": "blue"}]
    )
    untagged = call("ecs", "create_cluster", clusterName="red")
    outcomes = calls_from(
        cloud, "ReaderFunction", event("fixture.reader"), event("someone.else"), tagged, untagged
    )

    assert [("ok" in outcome) for outcome in outcomes] == [True, False, True, False]
    assert "events:PutEvents" in outcomes[1]["message"]
    assert "ecs:CreateCluster" in outcomes[3]["message"]


def test_roles_handed_to_ecs_need_pass_role_to_ecs_tasks(cloud: LocalCloud) -> None:
    def register(role_arn: str) -> dict[str, Any]:
        container = {"name": "app", "image": "nginx", "memory": 128}
        return call(
            "ecs",
            "register_task_definition",
            family="app",
            containerDefinitions=[container],
            taskRoleArn=role_arn,
        )

    allowed, denied = calls_from(
        cloud,
        "ReaderFunction",
        register(cloud.outputs["TaskRoleArn"]),
        register(cloud.outputs["OtherRoleArn"]),
    )

    assert "ok" in allowed
    assert denied["error"] == "AccessDeniedException"
    assert f"iam:PassRole on resource: {cloud.outputs['OtherRoleArn']}" in denied["message"]


def test_a_function_asking_who_it_is_gets_its_assumed_role(cloud: LocalCloud) -> None:
    (identity,) = calls_from(cloud, "WriterFunction", call("sts", "get_caller_identity"))

    assert identity["ok"]["Arn"] == assumed_role(cloud, "WriterFunction")
    assert identity["ok"]["UserId"].endswith(f":{cloud.resources['WriterFunction']}")


def test_managed_policies_attached_to_the_role_count(cloud: LocalCloud) -> None:
    # SAM attaches AWSLambdaBasicExecutionRole: logs:CreateLogGroup on everything.
    (created,) = calls_from(
        cloud, "WriterFunction", call("logs", "create_log_group", logGroupName="/fixture/writer")
    )

    assert "ok" in created


def test_denied_calls_are_counted_and_logged_but_never_reach_the_service(
    cloud: LocalCloud,
) -> None:
    cloud.reset_calls()
    (denied,) = calls_from(
        cloud, "WriterFunction", call("ecs", "create_cluster", clusterName="never-made")
    )

    assert denied["error"] == "AccessDeniedException"
    assert cloud.calls()["ecs:CreateCluster"] == 1
    (logged,) = [entry for entry in cloud.call_log() if entry.name == "ecs:CreateCluster"]
    assert logged.caller.startswith("ASIA")
    assert cloud.client("ecs").describe_clusters(clusters=["never-made"])["clusters"] == []


def test_other_credentials_act_as_the_administrator(cloud: LocalCloud) -> None:
    ecs = cloud.client("ecs")
    ecs.create_cluster(clusterName="made-by-the-test")
    table = cloud.outputs["OtherTableName"]
    cloud.client("dynamodb").delete_item(TableName=table, Key=item("anything"))

    assert ecs.describe_clusters(clusters=["made-by-the-test"])["clusters"][0]["status"] == "ACTIVE"
    identity = cloud.client("sts").get_caller_identity()
    assert ":assumed-role/" not in identity["Arn"]
