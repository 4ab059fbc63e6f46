"""Application Auto Scaling: the service's desired-count target and its CPU policy."""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.errors import aws_call

# What ecsdrop scales: an ECS service's desired count.
SERVICE_NAMESPACE = "ecs"
SCALABLE_DIMENSION = "ecs:service:DesiredCount"


class AutoScaling:
    def __init__(self, client: Any) -> None:
        self._aas = client

    def scalable_target(self, resource_id: str) -> dict[str, Any] | None:
        with aws_call("application-autoscaling:DescribeScalableTargets"):
            found = self._aas.describe_scalable_targets(
                ServiceNamespace=SERVICE_NAMESPACE,
                ResourceIds=[resource_id],
                ScalableDimension=SCALABLE_DIMENSION,
            )["ScalableTargets"]
        return dict(found[0]) if found else None

    def register_scalable_target(self, request: dict[str, Any]) -> None:
        with aws_call("application-autoscaling:RegisterScalableTarget"):
            self._aas.register_scalable_target(**request)

    def put_scaling_policy(self, request: dict[str, Any]) -> None:
        with aws_call("application-autoscaling:PutScalingPolicy"):
            self._aas.put_scaling_policy(**request)

    def deregister_scalable_target(self, resource_id: str) -> None:
        with aws_call("application-autoscaling:DeregisterScalableTarget"):
            self._aas.deregister_scalable_target(
                ServiceNamespace=SERVICE_NAMESPACE,
                ResourceId=resource_id,
                ScalableDimension=SCALABLE_DIMENSION,
            )
