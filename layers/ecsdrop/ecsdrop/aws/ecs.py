"""Amazon ECS: clusters, task definitions and services."""

from __future__ import annotations

import functools
from typing import Any

from ecsdrop.aws.admission import Admission
from ecsdrop.aws.errors import aws_call, error_code
from ecsdrop.errors import AwsError, NotFoundError

# Fields describe-task-definition returns that RegisterTaskDefinition does not take.
READ_ONLY_TASK_DEFINITION_FIELDS = (
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
)


@functools.cache
def ecs_enum(shape: str) -> tuple[str, ...]:
    """The values of one of ECS's enums in botocore's model, in the API's own order
    (``ServiceDeploymentLifecycleStage`` lists a deployment's stages as ECS goes
    through them)."""
    # imported here, not at module import: only the CLI and the local cloud read the model,
    # and a Lambda handler importing this module must not pay for botocore's session
    import botocore.session  # noqa: PLC0415
    from botocore.model import StringShape  # noqa: PLC0415

    found = botocore.session.get_session().get_service_model("ecs").shape_for(shape)
    if not isinstance(found, StringShape) or not found.enum:
        raise ValueError(f"{shape} is not an enum in botocore's ECS model")
    return tuple(found.enum)


def lifecycle_stages() -> tuple[str, ...]:
    """ECS's lifecycle stages of a service deployment, in the order it goes through them."""
    return ecs_enum("ServiceDeploymentLifecycleStage")


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    """An ECS resource's tags (as describe returns them with include=["TAGS"]) as a map."""
    return {t["key"]: t.get("value", "") for t in resource.get("tags", [])}


class Ecs:
    """``admission`` (when given) gives each rate-limited write its turn before it is made."""

    def __init__(self, client: Any, admission: Admission | None = None) -> None:
        self._ecs = client
        self._admission = admission

    def _admit(self, action: str) -> None:
        if self._admission is not None:
            self._admission.admit(action)

    # ------------------------------------------------------------------ clusters

    def cluster(self, name: str) -> dict[str, Any] | None:
        """The cluster (with its tags) when it exists and is ACTIVE."""
        with aws_call("ecs:DescribeClusters"):
            clusters = self._ecs.describe_clusters(clusters=[name], include=["TAGS"]).get(
                "clusters", []
            )
        return next((dict(c) for c in clusters if c.get("status") == "ACTIVE"), None)

    def create_cluster(self, name: str, tags: dict[str, str]) -> str:
        with aws_call("ecs:CreateCluster"):
            response = self._ecs.create_cluster(
                clusterName=name,
                tags=[{"key": k, "value": v} for k, v in tags.items()],
                settings=[{"name": "containerInsights", "value": "enabled"}],
            )
        arn: str = response["cluster"]["clusterArn"]
        return arn

    def delete_cluster(self, name: str) -> None:
        with aws_call("ecs:DeleteCluster"):
            self._ecs.delete_cluster(cluster=name)

    # ------------------------------------------------------------------ task definitions

    def latest_task_definition(self, family: str) -> dict[str, Any] | None:
        """The family's latest ACTIVE revision (with its tags), or None."""
        return self.task_definition(family)

    def task_definition(self, reference: str) -> dict[str, Any] | None:
        """The ACTIVE revision a family name (its latest), ``family:revision`` or ARN names,
        with its tags; None when there is none."""
        try:
            with aws_call("ecs:DescribeTaskDefinition"):
                response = self._ecs.describe_task_definition(
                    taskDefinition=reference, include=["TAGS"]
                )
        except NotFoundError:
            return None
        except AwsError as e:
            if error_code(e) == "ClientException":  # ECS's answer for an unknown family
                return None
            raise
        definition = response["taskDefinition"]
        if definition.get("status") != "ACTIVE":
            return None
        return {**definition, "tags": response.get("tags", [])}

    @staticmethod
    def as_register_input(definition: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in definition.items() if k not in READ_ONLY_TASK_DEFINITION_FIELDS}

    def run_task(self, request: dict[str, Any]) -> dict[str, Any]:
        """The tasks started, and ECS's failures (each with arn, reason, detail)."""
        self._admit("RunTask")
        with aws_call("ecs:RunTask"):
            response = self._ecs.run_task(**request)
        return {"tasks": response.get("tasks", []), "failures": response.get("failures", [])}

    def describe_tasks(self, cluster: str, task_arns: list[str]) -> list[dict[str, Any]]:
        """The tasks as ECS describes them now (at most 100 a call); one ECS no longer
        knows is left out."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(task_arns), 100):
            with aws_call("ecs:DescribeTasks"):
                response = self._ecs.describe_tasks(
                    cluster=cluster, tasks=task_arns[start : start + 100]
                )
            found += response.get("tasks", [])
        return found

    def running_tasks(self, cluster: str, family: str) -> list[str]:
        """The ARNs of the family's tasks ECS still wants running in the cluster."""
        arns: list[str] = []
        kwargs: dict[str, Any] = {"cluster": cluster, "family": family, "desiredStatus": "RUNNING"}
        while True:
            with aws_call("ecs:ListTasks"):
                response = self._ecs.list_tasks(**kwargs)
            arns += response.get("taskArns", [])
            if not response.get("nextToken"):
                return arns
            kwargs["nextToken"] = response["nextToken"]

    def stop_task(self, cluster: str, task_arn: str, reason: str) -> None:
        self._admit("StopTask")
        with aws_call("ecs:StopTask"):
            self._ecs.stop_task(cluster=cluster, task=task_arn, reason=reason[:255])

    def register_task_definition(self, request: dict[str, Any]) -> str:
        self._admit("ecs:RegisterTaskDefinition")
        with aws_call("ecs:RegisterTaskDefinition"):
            response = self._ecs.register_task_definition(**request)
        arn: str = response["taskDefinition"]["taskDefinitionArn"]
        return arn

    def deregister_task_definition(self, arn: str) -> None:
        with aws_call("ecs:DeregisterTaskDefinition"):
            self._ecs.deregister_task_definition(taskDefinition=arn)

    def delete_task_definition(self, arn: str) -> None:
        """Delete an INACTIVE revision (NotFoundError when it is gone already)."""
        with aws_call("ecs:DeleteTaskDefinitions"):
            failures = self._ecs.delete_task_definitions(taskDefinitions=[arn]).get("failures")
        if failures:
            reason = str(failures[0].get("reason", ""))
            error = NotFoundError if "does not exist" in reason else AwsError
            raise error(f"ecs:DeleteTaskDefinitions: {arn}: {reason}")

    # ------------------------------------------------------------------ services

    def describe_service(self, cluster: str, name: str) -> dict[str, Any] | None:
        """The service (with its tags) when it exists and is ACTIVE (a deleted service shows
        as INACTIVE)."""
        try:
            with aws_call("ecs:DescribeServices"):
                response = self._ecs.describe_services(
                    cluster=cluster, services=[name], include=["TAGS"]
                )
        except NotFoundError:
            return None
        for service in response.get("services", []):
            if service.get("status") == "ACTIVE":
                return dict(service)
        return None

    def create_service(self, request: dict[str, Any]) -> dict[str, Any]:
        self._admit("ecs:CreateService")
        with aws_call("ecs:CreateService"):
            return dict(self._ecs.create_service(**request)["service"])

    def update_service(self, request: dict[str, Any]) -> dict[str, Any]:
        self._admit("ecs:UpdateService")
        with aws_call("ecs:UpdateService"):
            return dict(self._ecs.update_service(**request)["service"])

    def delete_service(self, cluster: str, name: str) -> None:
        with aws_call("ecs:DeleteService"):
            self._ecs.delete_service(cluster=cluster, service=name, force=True)

    # ------------------------------------------------------------------ service deployments

    def active_service_deployment(self, cluster: str, service: str) -> dict[str, Any] | None:
        """The service's service deployment in progress (or paused), described; None when
        none is."""
        with aws_call("ecs:ListServiceDeployments"):
            listed = self._ecs.list_service_deployments(
                cluster=cluster, service=service, status=["PENDING", "IN_PROGRESS"]
            ).get("serviceDeployments", [])
        if not listed:
            return None
        with aws_call("ecs:DescribeServiceDeployments"):
            found = self._ecs.describe_service_deployments(
                serviceDeploymentArns=[listed[0]["serviceDeploymentArn"]]
            ).get("serviceDeployments", [])
        return dict(found[0]) if found else None

    def continue_service_deployment(self, arn: str, hook_id: str, action: str) -> None:
        """Answer a paused lifecycle hook: CONTINUE, or ROLLBACK."""
        with aws_call("ecs:ContinueServiceDeployment"):
            self._ecs.continue_service_deployment(
                serviceDeploymentArn=arn, hookId=hook_id, action=action
            )

    def stop_service_deployment(self, arn: str) -> None:
        """Stop the deployment and roll it back to the service revision before it."""
        with aws_call("ecs:StopServiceDeployment"):
            self._ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")

    # ------------------------------------------------------------------ tags

    def tag_resource(self, arn: str, tags: dict[str, str]) -> None:
        with aws_call("ecs:TagResource"):
            self._ecs.tag_resource(
                resourceArn=arn, tags=[{"key": k, "value": v} for k, v in tags.items()]
            )

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        with aws_call("ecs:UntagResource"):
            self._ecs.untag_resource(resourceArn=arn, tagKeys=keys)
