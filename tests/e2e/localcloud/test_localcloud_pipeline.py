"""The fixture template on the local cloud: functions, workflow, rules and events act as in AWS."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import pytest

from localcloud import LocalCloud


def invoke(cloud: LocalCloud, logical_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = cloud.client("lambda").invoke(
        FunctionName=cloud.resources[logical_id], Payload=json.dumps(payload)
    )
    assert "FunctionError" not in response, response["Payload"].read()
    return json.loads(response["Payload"].read())


def test_functions_sharing_a_module_name_run_isolated_with_their_own_environment(
    cloud: LocalCloud,
) -> None:
    echo_first = invoke(cloud, "EchoFunction", {"n": 1})
    greeter = invoke(cloud, "GreeterFunction", {"n": 2})
    echo_again = invoke(cloud, "EchoFunction", {"n": 3})

    assert greeter["module_marker"] == "greeter"
    assert greeter["greeting"] == "*** hello ***"  # decorated by the layer's module
    assert greeter["module_file"].endswith("functions/greeter/app.py")
    assert greeter["other_app_loaded"] is False  # the echo worker's modules are not here
    assert greeter["memory_limit_in_mb"] == 256
    assert greeter["env_memory"] == "256"
    assert greeter["handler_env"] == "app.lambda_handler"
    assert greeter["endpoint"] == cloud.endpoint
    assert 0 < greeter["remaining_ms"] <= 10_000
    assert greeter["function_name"] == cloud.resources["GreeterFunction"]
    assert echo_first["module_marker"] == echo_again["module_marker"] == "echo"
    assert echo_first["greeting"] == "bonjour"  # Fn::If on the Stage parameter's default
    assert echo_first["module_file"].endswith("functions/echo/app.py")
    assert echo_first["table_name_visible"] is True  # from Globals


def test_handler_writes_through_the_endpoint_from_its_worker(cloud: LocalCloud) -> None:
    before = cloud.calls().get("dynamodb:PutItem", 0)
    invoke(cloud, "GreeterFunction", {})
    assert cloud.calls()["dynamodb:PutItem"] == before + 1


def test_function_logs_are_captured_with_lambda_start_end_report_lines(cloud: LocalCloud) -> None:
    invoke(cloud, "EchoFunction", {"marker": "log-me"})
    lines = cloud.lambda_logs("EchoFunction")
    assert any("echo invoked with {'marker': 'log-me'}" in line for line in lines)
    assert any(line.startswith("START RequestId: ") for line in lines)
    assert any(
        line.startswith("REPORT RequestId: ") and "Memory Size: 128 MB" in line for line in lines
    )


def test_upload_under_watched_prefix_starts_the_workflow_which_runs_the_lambda(
    cloud: LocalCloud, eventually: Any, finished: Any
) -> None:
    sfn = cloud.client("stepfunctions")
    workflow = cloud.outputs["WorkflowArn"]
    before = {
        e["executionArn"] for e in sfn.list_executions(stateMachineArn=workflow)["executions"]
    }

    cloud.client("s3").put_object(
        Bucket=cloud.outputs["BucketName"], Key="specs/web.yaml", Body=b"x"
    )

    def new_execution() -> list[dict[str, Any]]:
        executions = sfn.list_executions(stateMachineArn=workflow)["executions"]
        return [e for e in executions if e["executionArn"] not in before]

    (execution,) = eventually(new_execution, what="an execution started by the upload")
    result = finished(sfn, execution["executionArn"])
    assert result["status"] == "SUCCEEDED"
    output = json.loads(result["output"])
    assert output["greeting"] == "*** hello ***"
    event = output["input"]
    assert event["source"] == "aws.s3"
    assert event["detail-type"] == "Object Created"
    assert event["detail"]["object"]["key"] == "specs/web.yaml"


def test_upload_outside_watched_prefix_starts_nothing(cloud: LocalCloud) -> None:
    sfn = cloud.client("stepfunctions")
    workflow = cloud.outputs["WorkflowArn"]
    before = len(sfn.list_executions(stateMachineArn=workflow)["executions"])

    cloud.client("s3").put_object(
        Bucket=cloud.outputs["BucketName"], Key="drafts/web.yaml", Body=b"x"
    )

    time.sleep(1.0)  # a delivery would have happened by now (they take ~0.1 s)
    assert len(sfn.list_executions(stateMachineArn=workflow)["executions"]) == before


def test_s3_events_carry_an_iso_time_a_fresh_id_and_the_aws_detail_shape(cloud: LocalCloud) -> None:
    s3 = cloud.client("s3")
    for key in ("specs/a.yaml", "specs/b.yaml"):
        s3.put_object(Bucket=cloud.outputs["BucketName"], Key=key, Body=b"hello")
    created = [
        entry["event"]
        for entry in cloud.events()
        if entry["event"]["detail-type"] == "Object Created"
        and entry["event"]["detail"]["object"]["key"] in ("specs/a.yaml", "specs/b.yaml")
    ]
    assert len(created) == 2
    assert created[0]["id"] != created[1]["id"]
    for event in created:
        datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")  # ISO, not a unix float
        obj = event["detail"]["object"]
        assert obj["size"] == 5
        assert obj["etag"]
        assert obj["version-id"]  # the bucket is versioned
        assert event["detail"]["reason"] == "PutObject"
        assert event["resources"] == [f"arn:aws:s3:::{cloud.outputs['BucketName']}"]


def test_a_delete_in_a_versioned_bucket_announces_its_delete_marker(cloud: LocalCloud) -> None:
    s3, bucket = cloud.client("s3"), cloud.outputs["BucketName"]
    s3.put_object(Bucket=bucket, Key="specs/gone.yaml", Body=b"hello")

    marker = s3.delete_object(Bucket=bucket, Key="specs/gone.yaml")

    assert marker["DeleteMarker"] is True
    deleted = [
        entry["event"]
        for entry in cloud.events()
        if entry["event"]["detail-type"] == "Object Deleted"
        and entry["event"]["detail"]["object"]["key"] == "specs/gone.yaml"
    ]
    assert len(deleted) == 1
    detail = deleted[0]["detail"]
    assert detail["deletion-type"] == "Delete Marker Created"
    assert detail["reason"] == "DeleteObject"
    assert detail["object"]["version-id"] == marker["VersionId"]
    assert "size" not in detail["object"]


def test_input_transformer_shapes_s3_events_for_a_queue_target(
    cloud: LocalCloud, eventually: Any
) -> None:
    cloud.client("s3").put_object(
        Bucket=cloud.outputs["BucketName"], Key="specs/shaped.yaml", Body=b"x"
    )
    sqs = cloud.client("sqs")

    def shaped_message() -> dict[str, Any] | None:
        for message in sqs.receive_message(
            QueueUrl=cloud.outputs["ShapedEventsQueueUrl"], MaxNumberOfMessages=10
        ).get("Messages", []):
            body = json.loads(message["Body"])
            if body["summary"] == "aws.s3 specs/shaped.yaml":
                return body
        return None

    body = eventually(shaped_message, what="the transformed S3 event in the queue")
    assert body["source"] == "aws.s3"
    assert body["rule"].startswith("localcloud-ShapeUploadsRule-")
    datetime.strptime(body["time"], "%Y-%m-%dT%H:%M:%SZ")


def test_workflow_catches_a_named_exception_raised_by_a_lambda(run_workflow: Any) -> None:
    result = run_workflow({"mode": "fail", "reason": "bad port"})
    assert result["status"] == "SUCCEEDED"
    caught = json.loads(result["output"])["error"]
    assert caught["Error"] == "SpecError"
    cause = json.loads(caught["Cause"])
    assert cause["errorMessage"] == "spec rejected: bad port"
    assert any("functions/failing/app.py" in frame for frame in cause["stackTrace"])


def test_wait_state_is_compressed_by_the_time_scale(cloud: LocalCloud, run_workflow: Any) -> None:
    result = run_workflow({"n": 1})
    assert result["status"] == "SUCCEEDED"
    history = cloud.client("stepfunctions").get_execution_history(
        executionArn=result["executionArn"]
    )
    stamps = {
        event["type"]: event["timestamp"]
        for event in history["events"]
        if event["type"] in ("WaitStateEntered", "WaitStateExited")
    }
    waited = (stamps["WaitStateExited"] - stamps["WaitStateEntered"]).total_seconds()
    assert 0.5 <= waited < 5  # the 60 s Wait state, scaled by 0.01


def test_lambda_timeout_is_enforced_and_caught_as_sandbox_timedout(
    cloud: LocalCloud, run_workflow: Any
) -> None:
    started = time.monotonic()
    result = run_workflow({"mode": "slow"})
    assert time.monotonic() - started < 10  # the handler sleeps 30 s; its Timeout is 1 s
    caught = json.loads(result["output"])["error"]
    assert caught["Error"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in json.loads(caught["Cause"])["errorMessage"]
    response = cloud.client("lambda").invoke(
        FunctionName=cloud.resources["SlowFunction"], Payload=json.dumps({"seconds": 0})
    )
    assert json.loads(response["Payload"].read()) == {"slept": True}  # a fresh worker took over


def test_wait_for_task_token_is_resumed_by_send_task_success_from_a_lambda(
    cloud: LocalCloud, run_workflow: Any
) -> None:
    result = run_workflow({"mode": "callback", "ticket": 7})
    assert result["status"] == "SUCCEEDED"
    output = json.loads(result["output"])
    assert output == {
        "resumed_by": cloud.resources["CallbackFunction"],
        "input": {"mode": "callback", "ticket": 7},
    }


def test_dynamodb_and_put_events_integrations_run_and_reach_sns_through_a_bus_rule(
    cloud: LocalCloud, run_workflow: Any, eventually: Any
) -> None:
    result = run_workflow({"mode": "record", "key": "integration-key"})
    assert result["status"] == "SUCCEEDED"
    item = cloud.client("dynamodb").get_item(
        TableName=cloud.outputs["TableName"], Key={"pk": {"S": "integration-key"}}
    )["Item"]
    assert item["via"] == {"S": "stepfunctions"}
    sqs = cloud.client("sqs")

    def notification() -> dict[str, Any] | None:
        messages = sqs.receive_message(QueueUrl=cloud.outputs["NotificationsQueueUrl"]).get(
            "Messages"
        )
        return json.loads(messages[0]["Body"]) if messages else None

    envelope = eventually(notification, what="the SNS notification in its subscribed queue")
    assert json.loads(envelope["Message"]) == {"key": "integration-key"}  # InputPath: $.detail


def test_disabled_rule_does_not_deliver_while_the_enabled_twin_does(
    cloud: LocalCloud, eventually: Any
) -> None:
    cloud.client("events").put_events(
        Entries=[
            {
                "EventBusName": cloud.outputs["BusName"],
                "Source": "localcloud.probe",
                "DetailType": "Probe",
                "Detail": json.dumps({"n": 1}),
            }
        ]
    )
    sqs = cloud.client("sqs")
    enabled = eventually(
        lambda: sqs.receive_message(QueueUrl=cloud.outputs["EnabledProbeQueueUrl"]).get("Messages"),
        what="delivery by the enabled rule",
    )
    assert json.loads(enabled[0]["Body"])["detail"] == {"n": 1}
    disabled = sqs.receive_message(
        QueueUrl=cloud.outputs["DisabledProbeQueueUrl"], WaitTimeSeconds=1
    )
    assert "Messages" not in disabled


def test_ecr_put_image_emits_an_image_action_event(
    cloud: LocalCloud, eventually: Any, table_items: Any
) -> None:
    ecr = cloud.client("ecr")
    ecr.create_repository(repositoryName="pipeline-web")
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"digest": "sha256:" + "a" * 64, "size": 1, "mediaType": "application/json"},
        "layers": [{"digest": "sha256:" + "b" * 64, "size": 1, "mediaType": "application/gzip"}],
    }
    image = ecr.put_image(
        repositoryName="pipeline-web", imageManifest=json.dumps(manifest), imageTag="v1"
    )["image"]
    digest = image["imageId"]["imageDigest"]

    (item,) = eventually(
        lambda: table_items(f"event#ECR Image Action#{digest}"), what="the recorder to see the push"
    )
    event = json.loads(item["event"]["S"])
    assert event["source"] == "aws.ecr"
    assert event["account"] == cloud.account_id
    assert event["region"] == cloud.region
    assert event["resources"] == []
    assert event["detail"] == {
        "result": "SUCCESS",
        "repository-name": "pipeline-web",
        "image-digest": digest,
        "action-type": "PUSH",
        "image-tag": "v1",
        "manifest-media-type": "application/vnd.docker.distribution.manifest.v2+json",
    }
    datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")


def test_outputs_resolve_intrinsics_and_skip_resources_whose_condition_is_false(
    cloud: LocalCloud,
) -> None:
    assert cloud.outputs["StageBanner"] == "test-sandbox-aws"
    assert "ProdQueueUrl" not in cloud.outputs
    assert "ProdOnlyQueue" not in cloud.resources
    assert cloud.outputs["GreeterName"] == cloud.resources["GreeterFunction"]
    assert cloud.outputs["BusName"] == "localcloud-bus"  # Fn::Sub with AWS::StackName


def test_deployed_resources_are_configured_as_the_template_says(cloud: LocalCloud) -> None:
    bucket = cloud.outputs["BucketName"]
    s3 = cloud.client("s3")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    table = cloud.client("dynamodb").describe_table(TableName=cloud.outputs["TableName"])["Table"]
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["by-source"]
    ttl = cloud.client("dynamodb").describe_time_to_live(TableName=cloud.outputs["TableName"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    secret = cloud.client("secretsmanager").get_secret_value(
        SecretId=cloud.resources["WebhookSecret"]
    )
    assert set(json.loads(secret["SecretString"])) == {"slack", "token"}
    retention = cloud.client("logs").describe_log_groups(
        logGroupNamePrefix=cloud.resources["WorkflowLogGroup"]
    )["logGroups"][0]["retentionInDays"]
    assert retention == 7
    alarm = cloud.client("cloudwatch").describe_alarms(
        AlarmNames=[cloud.resources["WorkflowFailuresAlarm"]]
    )["MetricAlarms"][0]
    assert alarm["Dimensions"] == [
        {"Name": "StateMachineArn", "Value": cloud.outputs["WorkflowArn"]}
    ]
    assert cloud.warnings == []


def test_control_api_reports_the_stack_and_counts_calls(cloud: LocalCloud) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{cloud.endpoint}/_localcloud/stack", timeout=5) as response:
        stack = json.load(response)
    assert stack["outputs"]["BucketName"] == cloud.outputs["BucketName"]
    cloud.reset_calls()
    cloud.client("sts").get_caller_identity()
    with urllib.request.urlopen(f"{cloud.endpoint}/_localcloud/calls", timeout=5) as response:
        assert json.load(response)["calls"] == {"sts:GetCallerIdentity": 1}


def test_unknown_control_resource_is_a_404(cloud: LocalCloud) -> None:
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(f"{cloud.endpoint}/_localcloud/nope", timeout=5)
    assert raised.value.code == 404


def test_second_local_cloud_in_the_same_process_is_refused(cloud: LocalCloud) -> None:
    with pytest.raises(Exception, match="already running"):
        LocalCloud().start()
    assert cloud.client("sts").get_caller_identity()["Account"] == cloud.account_id


def callback_machine(cloud: LocalCloud, name: str, **task_options: Any) -> str:
    """A one-state machine that hands its task token to the echo function and waits."""
    echo_arn = cloud.client("lambda").get_function(FunctionName=cloud.resources["EchoFunction"])[
        "Configuration"
    ]["FunctionArn"]
    definition = {
        "StartAt": "Wait",
        "States": {
            "Wait": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": echo_arn, "Payload": {"token.$": "$$.Task.Token"}},
                "End": True,
                **task_options,
            }
        },
    }
    role = cloud.client("iam").get_role(RoleName=cloud.resources["WorkflowRole"])["Role"]["Arn"]
    return cloud.client("stepfunctions").create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]


def test_missed_heartbeat_fails_the_task_with_states_heartbeat_timeout(
    cloud: LocalCloud, finished: Any
) -> None:
    sfn = cloud.client("stepfunctions")
    machine = callback_machine(cloud, "heartbeat", TimeoutSeconds=30, HeartbeatSeconds=1)
    execution = sfn.start_execution(stateMachineArn=machine, name="no-heartbeat")["executionArn"]
    started = time.monotonic()
    result = finished(sfn, execution)
    assert result["status"] == "FAILED"
    assert result["error"] == "States.HeartbeatTimeout"
    assert time.monotonic() - started < 10


def test_send_task_failure_passes_error_and_cause_to_the_execution(
    cloud: LocalCloud, eventually: Any, finished: Any
) -> None:
    sfn = cloud.client("stepfunctions")
    machine = callback_machine(cloud, "rejecting", TimeoutSeconds=30)
    execution = sfn.start_execution(stateMachineArn=machine, name="rejected")["executionArn"]

    def task_token() -> str | None:
        for event in sfn.get_execution_history(executionArn=execution)["events"]:
            if event["type"] == "TaskScheduled":
                parameters = json.loads(event["taskScheduledEventDetails"]["parameters"])
                return str(parameters["Payload"]["token"])
        return None

    sfn.send_task_failure(
        taskToken=eventually(task_token, what="the task token"),
        error="SpecRejected",
        cause="port 0 is not allowed",
    )
    result = finished(sfn, execution)
    assert (result["status"], result["error"], result["cause"]) == (
        "FAILED",
        "SpecRejected",
        "port 0 is not allowed",
    )
