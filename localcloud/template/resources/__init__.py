"""Resource types the deployer can create, and those it deliberately skips."""

from __future__ import annotations

from localcloud.template.context import Handler
from localcloud.template.resources import (
    compute,
    containers,
    messaging,
    monitoring,
    security,
    storage,
)

HANDLERS: dict[str, Handler] = {
    "AWS::S3::Bucket": storage.create_bucket,
    "AWS::S3::BucketPolicy": storage.create_bucket_policy,
    "AWS::DynamoDB::Table": storage.create_table,
    "AWS::Events::EventBus": messaging.create_event_bus,
    "AWS::Events::Rule": messaging.create_rule,
    "AWS::Scheduler::ScheduleGroup": messaging.create_schedule_group,
    "AWS::SNS::Topic": messaging.create_topic,
    "AWS::SNS::Subscription": messaging.create_subscription,
    "AWS::SNS::TopicPolicy": messaging.create_topic_policy,
    "AWS::SQS::Queue": messaging.create_queue,
    "AWS::SQS::QueuePolicy": messaging.create_queue_policy,
    "AWS::IAM::Role": security.create_role,
    "AWS::IAM::Policy": security.create_inline_policy,
    "AWS::IAM::ManagedPolicy": security.create_managed_policy,
    "AWS::SecretsManager::Secret": security.create_secret,
    "AWS::KMS::Key": security.create_kms_key,
    "AWS::SSM::Parameter": security.create_parameter,
    "AWS::Logs::LogGroup": monitoring.create_log_group,
    "AWS::CloudWatch::Alarm": monitoring.create_alarm,
    "AWS::CloudWatch::Dashboard": monitoring.create_dashboard,
    "AWS::Lambda::Function": compute.create_function,
    "AWS::Lambda::LayerVersion": compute.create_layer_version,
    "AWS::Lambda::Permission": compute.create_permission,
    "AWS::Lambda::Version": compute.create_version,
    "AWS::Lambda::Alias": compute.create_alias,
    "AWS::Lambda::EventInvokeConfig": compute.create_event_invoke_config,
    "AWS::Lambda::EventSourceMapping": compute.create_event_source_mapping,
    "AWS::StepFunctions::StateMachine": compute.create_state_machine,
    "AWS::ECR::Repository": containers.create_repository,
    "AWS::ECS::Cluster": containers.create_cluster,
}

# Types with no behaviour to emulate locally. They are skipped (with a note in the deployment's
# warnings); `Ref` to them yields their logical id. Anything else unknown is an error.
IGNORED_TYPES: frozenset[str] = frozenset(
    {
        "AWS::CloudFormation::WaitConditionHandle",
        "AWS::ResourceGroups::Group",
        "AWS::ApplicationInsights::Application",
        "AWS::CDK::Metadata",
    }
)
