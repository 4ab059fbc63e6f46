"""The whole deploy pipeline, through the real template, state machine and handlers."""

from __future__ import annotations

from tests.e2e.pipeline.conftest import Pipeline, scorekeep
from tests.support.architecture import (
    NO_NETWORK,
    assert_complete_architecture,
    tagged_network,
)


def test_scorekeep_yields_exactly_the_seed_complete_architecture(pipeline: Pipeline) -> None:
    result = pipeline.submit(scorekeep("scorekeep"), "scorekeep")
    assert result["status"] == "SUCCEEDED", result
    current = pipeline.state("scorekeep")
    assert_complete_architecture(pipeline.client, current["network"], current["loadBalancer"])
    assert result["loadBalancerDnsName"] == current["loadBalancer"]["dnsName"]
    assert result["revision"] == 1
    # ECS itself says the rollout completed: one PRIMARY deployment running the new revision.
    ecs = pipeline.client("ecs")
    (service,) = ecs.describe_services(cluster="ecsdrop", services=["scorekeep"])["services"]
    (deployment,) = service["deployments"]
    assert (deployment["status"], deployment["rolloutState"]) == ("PRIMARY", "COMPLETED")
    assert deployment["taskDefinition"] == result["taskDefinitionArn"]


def test_changing_an_image_yields_a_new_revision_and_an_updated_service(
    pipeline: Pipeline,
) -> None:
    first = pipeline.submit(scorekeep("sk-image"), "sk-image")
    assert first["status"] == "SUCCEEDED", first
    pipeline.push("scorekeep-api", "v2", "v2")
    second = pipeline.submit(
        scorekeep("sk-image", **{"scorekeep-api:latest": "scorekeep-api:v2"}), "sk-image"
    )
    assert second["status"] == "SUCCEEDED", second
    assert second["revision"] == 2
    ecs = pipeline.client("ecs")
    (service,) = ecs.describe_services(cluster="ecsdrop", services=["sk-image"])["services"]
    assert service["taskDefinition"] == second["taskDefinitionArn"]
    task = ecs.describe_task_definition(taskDefinition=second["taskDefinitionArn"])
    images = {c["name"]: c["image"] for c in task["taskDefinition"]["containerDefinitions"]}
    digest = pipeline.client("ecr").describe_images(
        repositoryName="scorekeep-api", imageIds=[{"imageTag": "v2"}]
    )["imageDetails"][0]["imageDigest"]
    assert images["scorekeep-api"].endswith(f"/scorekeep-api@{digest}")


def test_an_image_that_cannot_be_pulled_leaves_the_service_on_its_previous_revision(
    pipeline: Pipeline,
) -> None:
    first = pipeline.submit(scorekeep("sk-pull"), "sk-pull")
    assert first["status"] == "SUCCEEDED", first
    broken = pipeline.submit(
        scorekeep("sk-pull", **{"scorekeep-api:latest": "scorekeep-api:does-not-exist"}),
        "sk-pull",
    )
    assert broken["status"] == "ROLLED_BACK", broken
    assert "scorekeep-api:does-not-exist" in broken["cause"]
    ecs = pipeline.client("ecs")
    (service,) = ecs.describe_services(cluster="ecsdrop", services=["sk-pull"])["services"]
    assert service["taskDefinition"] == first["taskDefinitionArn"]


def test_a_rollout_ecs_fails_is_rolled_back_to_the_previous_revision(pipeline: Pipeline) -> None:
    first = pipeline.submit(scorekeep("sk-rollout"), "sk-rollout")
    assert first["status"] == "SUCCEEDED", first
    pipeline.push("scorekeep-api", "v3", "v3")
    pipeline.cloud.add_fault({"rollout": "sk-rollout", "times": 1})
    changed = {"desiredCount: 2": "desiredCount: 3", "scorekeep-api:latest": "scorekeep-api:v3"}
    failed = pipeline.submit(scorekeep("sk-rollout", **changed), "sk-rollout")
    assert failed["status"] == "ROLLED_BACK", failed
    assert failed["error"] == "DeploymentFailedError"
    ecs = pipeline.client("ecs")
    (service,) = ecs.describe_services(cluster="ecsdrop", services=["sk-rollout"])["services"]
    assert service["taskDefinition"] == first["taskDefinitionArn"]
    assert service["desiredCount"] == 2
    new = failed["taskDefinitionArn"]
    assert new != first["taskDefinitionArn"]
    status = ecs.describe_task_definition(taskDefinition=new)["taskDefinition"]["status"]
    assert status == "INACTIVE"


def test_a_failure_in_the_network_step_of_a_greenfield_deploy_leaves_nothing_behind(
    pipeline: Pipeline,
) -> None:
    pipeline.cloud.add_fault({"api": "ec2:CreateNatGateway", "error": "UnauthorizedOperation"})
    result = pipeline.submit(scorekeep("sk-network"), "sk-network")
    assert result["status"] == "ROLLED_BACK", result
    assert "CreateNatGateway" in (result["cause"] or "")
    assert tagged_network(pipeline.client, "sk-network") == NO_NETWORK
    groups = pipeline.client("logs").describe_log_groups(logGroupNamePrefix="/ecsdrop/sk-network")
    assert groups["logGroups"] == []


def test_a_rollback_after_the_nat_gateway_exists_releases_its_address_once_it_is_deleted(
    pipeline: Pipeline,
) -> None:
    """The NAT gateway takes its time to go (deleting, then deleted) and keeps its Elastic IP
    until then, as in AWS: the rollback waits for it before releasing the address."""
    pipeline.cloud.add_fault(
        {"api": "elasticloadbalancing:CreateLoadBalancer", "error": "AccessDenied"}
    )
    result = pipeline.submit(scorekeep("sk-nat-back"), "sk-nat-back")
    assert result["status"] == "ROLLED_BACK", result
    assert "CreateLoadBalancer" in (result["cause"] or "")
    assert tagged_network(pipeline.client, "sk-nat-back") == NO_NETWORK
    ec2 = pipeline.client("ec2")
    tag = {"Key": "ecsdrop:service", "Value": "sk-nat-back"}
    (gateway,) = [n for n in ec2.describe_nat_gateways()["NatGateways"] if tag in n["Tags"]]
    assert gateway["State"] == "deleted"


def test_an_invalid_spec_is_rejected_and_changes_nothing(pipeline: Pipeline) -> None:
    spec = scorekeep("sk-invalid", **{"containerPort: 5000": "containerPort: 8080"})
    result = pipeline.submit(spec, "sk-invalid")
    assert result["status"] == "REJECTED", result
    assert "port 8080/tcp is already taken" in result["cause"]
    assert tagged_network(pipeline.client, "sk-invalid") == NO_NETWORK
    ecs = pipeline.client("ecs")
    assert ecs.list_task_definitions(familyPrefix="sk-invalid")["taskDefinitionArns"] == []


def test_the_same_spec_uploaded_again_creates_nothing(pipeline: Pipeline) -> None:
    first = pipeline.submit(scorekeep("sk-again"), "sk-again")
    assert first["status"] == "SUCCEEDED", first
    before = inventory(pipeline, "sk-again")
    again = pipeline.submit(scorekeep("sk-again"), "sk-again")
    assert again["status"] == "SUCCEEDED", again
    assert again["taskDefinitionArn"] == first["taskDefinitionArn"]
    assert inventory(pipeline, "sk-again") == before


def inventory(pipeline: Pipeline, service: str) -> dict[str, object]:
    elb, ecs = pipeline.client("elbv2"), pipeline.client("ecs")
    return {
        "network": tagged_network(pipeline.client, service),
        "load balancers": sorted(
            lb["LoadBalancerArn"] for lb in elb.describe_load_balancers()["LoadBalancers"]
        ),
        "target groups": sorted(
            tg["TargetGroupArn"] for tg in elb.describe_target_groups()["TargetGroups"]
        ),
        "listeners": sorted(
            listener["ListenerArn"]
            for lb in elb.describe_load_balancers()["LoadBalancers"]
            for listener in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])[
                "Listeners"
            ]
        ),
        "revisions": ecs.list_task_definitions(familyPrefix=service)["taskDefinitionArns"],
        "log groups": [
            g["logGroupName"]
            for g in pipeline.client("logs").describe_log_groups(logGroupNamePrefix="/ecsdrop/")[
                "logGroups"
            ]
        ],
    }
