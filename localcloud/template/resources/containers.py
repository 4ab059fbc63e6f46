"""ECR repositories and ECS clusters, for templates that bring their own."""

from __future__ import annotations

from typing import Any

from localcloud.template.context import Created, DeployContext, Properties, tags_as_list


def create_repository(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("RepositoryName") or ctx.physical_name(props.logical_id, 256, lowercase=True)
    request: dict[str, Any] = {"repositoryName": name}
    if props.get("ImageTagMutability"):
        request["imageTagMutability"] = props.get("ImageTagMutability")
    scanning = props.get("ImageScanningConfiguration")
    if scanning:
        request["imageScanningConfiguration"] = {
            "scanOnPush": scanning.get("ScanOnPush") in (True, "true")
        }
    tags = tags_as_list(props.get("Tags"))
    if tags:
        request["tags"] = tags
    repository = ctx.client("ecr").create_repository(**request)["repository"]
    return Created(
        name, {"Arn": repository["repositoryArn"], "RepositoryUri": repository["repositoryUri"]}
    )


def create_cluster(ctx: DeployContext, props: Properties) -> Created:
    name = props.get("ClusterName") or ctx.physical_name(props.logical_id, 255)
    request: dict[str, Any] = {"clusterName": name}
    tags = tags_as_list(props.get("Tags"), "key", "value")
    if tags:
        request["tags"] = tags
    settings = props.get("ClusterSettings")
    if settings:
        request["settings"] = [{"name": item["Name"], "value": item["Value"]} for item in settings]
    if props.get("CapacityProviders"):
        request["capacityProviders"] = props.get("CapacityProviders")
    cluster = ctx.client("ecs").create_cluster(**request)["cluster"]
    return Created(name, {"Arn": cluster["clusterArn"]})
