"""Fault injection at the HTTP layer: every client sees faults in its service's own protocol."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from localcloud import FaultSpecError, LocalCloud

NO_RETRIES = Config(retries={"total_max_attempts": 1})


def error_of(call: Callable[[], Any]) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


PROTOCOL_CASES = [
    # service, call name, error code, expected status, the call (protocol in the comment)
    ("ecs", "ecs:ListClusters", "ThrottlingException", 400, lambda c: c.list_clusters()),  # json
    (
        "dynamodb",
        "dynamodb:ListTables",
        "ProvisionedThroughputExceededException",
        400,
        lambda c: c.list_tables(),
    ),
    ("ec2", "ec2:DescribeVpcs", "RequestLimitExceeded", 503, lambda c: c.describe_vpcs()),  # ec2
    ("iam", "iam:ListRoles", "Throttling", 400, lambda c: c.list_roles()),  # query
    (
        "sqs",
        "sqs:ListQueues",
        "RequestThrottled",
        400,
        lambda c: c.list_queues(),
    ),  # json, query-compatible
    ("s3", "s3:ListBuckets", "SlowDown", 503, lambda c: c.list_buckets()),  # rest-xml
    (
        "lambda",
        "lambda:ListFunctions",
        "TooManyRequestsException",
        429,
        lambda c: c.list_functions(),
    ),  # rest-json
    (
        "cloudwatch",
        "cloudwatch:ListMetrics",
        "Throttling",
        400,
        lambda c: c.list_metrics(),
    ),  # rpc-v2-cbor
]


@pytest.mark.parametrize("case", PROTOCOL_CASES, ids=[case[1] for case in PROTOCOL_CASES])
def test_call_throttled_twice_then_succeeds_with_the_error_code_boto3_expects(
    cloud: LocalCloud, case: tuple[str, str, str, int, Callable[[Any], Any]]
) -> None:
    service, call_name, code, status, call = case
    client = cloud.client(service, config=NO_RETRIES)
    cloud.reset_calls()
    cloud.add_fault({"api": call_name, "error": code, "times": 2})

    assert error_of(lambda: call(client)) == (code, status)
    assert error_of(lambda: call(client)) == (code, status)
    call(client)  # the third attempt reaches the service
    assert cloud.calls() == {call_name: 3}
    assert cloud.faults() == []


def test_sdk_retries_absorb_two_throttles_and_every_attempt_is_counted(cloud: LocalCloud) -> None:
    cloud.reset_calls()
    cloud.add_fault({"api": "ecs:UpdateService", "error": "ThrottlingException", "times": 2})
    ecs = cloud.client("ecs", config=Config(retries={"mode": "standard", "total_max_attempts": 3}))
    with pytest.raises(ClientError) as raised:  # retried twice, then the real answer comes back
        ecs.update_service(cluster="default", service="missing")
    assert raised.value.response["Error"]["Code"] == "ClusterNotFoundException"
    assert cloud.calls() == {"ecs:UpdateService": 3}


def test_permanent_error_fails_every_matching_call_until_cleared(cloud: LocalCloud) -> None:
    s3 = cloud.client("s3", config=NO_RETRIES)
    bucket = cloud.outputs["BucketName"]
    cloud.add_fault({"api": "s3:PutObject", "error": "AccessDenied"})
    for _ in range(3):
        assert error_of(lambda: s3.put_object(Bucket=bucket, Key="drafts/x.yaml", Body=b"x")) == (
            "AccessDenied",
            403,
        )
    s3.get_bucket_versioning(Bucket=bucket)  # other S3 calls are untouched
    cloud.clear_faults()
    s3.put_object(Bucket=bucket, Key="drafts/x.yaml", Body=b"x")


def test_a_fault_can_wait_for_its_turn_and_spare_other_clients(cloud: LocalCloud) -> None:
    tagged = cloud.client(
        "sts", config=Config(retries={"total_max_attempts": 1}, user_agent_extra="tagged")
    )
    plain = cloud.client("sts", config=NO_RETRIES)
    cloud.add_fault(
        {
            "api": "sts:GetCallerIdentity",
            "error": "ExpiredToken",
            "after": 1,
            "user-agent": "tagged",
        }
    )
    plain.get_caller_identity()  # another client's calls neither trip nor count
    tagged.get_caller_identity()  # the first matching call passes
    assert error_of(tagged.get_caller_identity)[0] == "ExpiredToken"
    assert error_of(tagged.get_caller_identity)[0] == "ExpiredToken"
    plain.get_caller_identity()


def test_a_fault_on_matching_bodies_leaves_other_requests_whole(cloud: LocalCloud) -> None:
    s3 = cloud.client("s3", config=NO_RETRIES)
    bucket = cloud.outputs["BucketName"]
    cloud.add_fault({"api": "s3:PutObject", "error": "AccessDenied", "body": "*forbidden*"})
    s3.put_object(Bucket=bucket, Key="drafts/fine.yaml", Body=b"all fine")
    assert s3.get_object(Bucket=bucket, Key="drafts/fine.yaml")["Body"].read() == b"all fine"
    put = lambda: s3.put_object(Bucket=bucket, Key="drafts/no.yaml", Body=b"forbidden")  # noqa: E731
    assert error_of(put) == ("AccessDenied", 403)


def test_a_delay_without_an_error_makes_the_call_but_answers_late(cloud: LocalCloud) -> None:
    s3 = cloud.client("s3", config=Config(retries={"total_max_attempts": 1}, read_timeout=0.5))
    bucket = cloud.outputs["BucketName"]
    cloud.add_fault({"api": "s3:PutObject", "delay": 1.5, "times": 1})
    with pytest.raises(ReadTimeoutError):  # the caller gave up, as a timed-out function does
        s3.put_object(Bucket=bucket, Key="drafts/late.yaml", Body=b"late")
    # ...but the call was made: the object is there.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not s3.list_objects_v2(
        Bucket=bucket, Prefix="drafts/late.yaml"
    ).get("KeyCount"):
        time.sleep(0.1)
    assert s3.get_object(Bucket=bucket, Key="drafts/late.yaml")["Body"].read() == b"late"
    assert cloud.faults() == []


def test_faults_can_be_managed_over_http(cloud: LocalCloud) -> None:
    def control(method: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{cloud.endpoint}/_localcloud/faults", data=data, method=method
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None

    status, added = control("POST", {"api": "sts:GetCallerIdentity", "error": "ExpiredToken"})
    assert status == 201
    assert added["faults"][0]["api"] == "sts:GetCallerIdentity"
    sts = cloud.client("sts", config=NO_RETRIES)
    assert error_of(sts.get_caller_identity)[0] == "ExpiredToken"
    assert control("GET")[1]["faults"][0]["error"] == "ExpiredToken"
    assert control("DELETE")[0] == 204
    assert sts.get_caller_identity()["Account"] == cloud.account_id


def test_malformed_fault_is_rejected_with_400(cloud: LocalCloud) -> None:
    request = urllib.request.Request(
        f"{cloud.endpoint}/_localcloud/faults", data=b'{"api": "no-colon"}', method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    assert raised.value.code == 400
    assert cloud.faults() == []


def test_throttled_lambda_inside_the_workflow_is_retried_by_the_state_machine(
    cloud: LocalCloud, run_workflow: Any
) -> None:
    cloud.add_fault({"api": "lambda:Invoke", "error": "TooManyRequestsException", "times": 1})
    started = time.monotonic()
    result = run_workflow({"n": 1})
    assert result["status"] == "SUCCEEDED"
    assert time.monotonic() - started < 10  # the 20 s retry interval and 60 s Wait, scaled
    history = cloud.client("stepfunctions").get_execution_history(
        executionArn=result["executionArn"]
    )["events"]
    failures = [e["taskFailedEventDetails"]["error"] for e in history if e["type"] == "TaskFailed"]
    assert failures == ["Lambda.TooManyRequestsException"]


def probe(cloud: LocalCloud, n: int) -> None:
    cloud.client("events").put_events(
        Entries=[
            {
                "EventBusName": cloud.outputs["BusName"],
                "Source": "localcloud.probe",
                "DetailType": "Probe",
                "Detail": json.dumps({"n": n}),
            }
        ]
    )


def drain(cloud: LocalCloud, queue_url: str) -> list[dict[str, Any]]:
    sqs = cloud.client("sqs")
    bodies = []
    while messages := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
    ).get("Messages"):
        bodies += [json.loads(message["Body"]) for message in messages]
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_event_faults_drop_then_duplicate_matching_events(cloud: LocalCloud) -> None:
    queue = cloud.outputs["EnabledProbeQueueUrl"]
    drain(cloud, queue)
    cloud.add_fault({"event": "drop", "source": "localcloud.probe", "times": 1})
    probe(cloud, 1)
    cloud.add_fault({"event": "duplicate", "detail-type": "Probe", "times": 1})
    probe(cloud, 2)
    probe(cloud, 3)

    delivered = drain(cloud, queue)
    assert sorted(body["detail"]["n"] for body in delivered) == [2, 2, 3]
    duplicates = [body["id"] for body in delivered if body["detail"]["n"] == 2]
    assert duplicates[0] == duplicates[1]  # at-least-once delivery repeats the same event
    journal = [e for e in cloud.events() if e["event"]["source"] == "localcloud.probe"]
    assert [entry["copies"] for entry in journal[-3:]] == [0, 2, 1]


def test_an_event_can_be_delivered_three_times(cloud: LocalCloud) -> None:
    queue = cloud.outputs["EnabledProbeQueueUrl"]
    drain(cloud, queue)
    cloud.add_fault({"event": "duplicate", "source": "localcloud.probe", "copies": 3, "times": 1})
    probe(cloud, 4)
    delivered = drain(cloud, queue)
    assert [body["detail"]["n"] for body in delivered] == [4, 4, 4]
    assert len({body["id"] for body in delivered}) == 1


def test_missing_fault_file_is_reported_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(FaultSpecError, match="does not exist"):
        LocalCloud(faults=tmp_path / "absent.yaml")
