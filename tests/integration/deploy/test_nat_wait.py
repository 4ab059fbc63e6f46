"""Greenfield's NAT gateways: BuildNetwork leaves them pending and the private subnets
unrouted (EC2 refuses a route to a pending NAT gateway); CheckNatGateways looks once per
Wait of the workflow and routes the private subnets when they are available.

moto makes a NAT gateway available at once; AWS never does (1-5 minutes, pending first).
The tests set the state moto reports, as AWS would move it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.ec2.models import ec2_backends

from ecsdrop.deploy.network import NAT_CHECK_LIMIT, NAT_CHECK_SECONDS, network_step
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.errors import NetworkError
from tests.support.moto_stack import ACCOUNT, REGION, MotoStack, example

ASL = Path(__file__).resolve().parents[3] / "statemachines" / "deploy.asl.json"


def _nat_state(nat_id: str, state: str) -> None:
    ec2_backends[ACCOUNT][REGION].nat_gateways[nat_id].state = state


def _private_routes(ec2: Any, vpc_id: str) -> dict[str, str | None]:
    """Private route table role -> where its default route goes (None: no default route)."""
    tables = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "tag:ecsdrop:role", "Values": ["route-table-private-*"]},
        ]
    )["RouteTables"]
    routes: dict[str, str | None] = {}
    for table in tables:
        role = next(t["Value"] for t in table["Tags"] if t["Key"] == "ecsdrop:role")
        default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        routes[role] = default[0].get("NatGatewayId") if default else None
    return routes


def _built(stack: MotoStack) -> tuple[WorkflowState, dict[str, Any]]:
    state = WorkflowState.from_json(stack.start(example("scorekeep.yaml")))
    ledger = stack.runtime.ledger(state.deployment.id)
    return state, network_step(state, lambda: stack.runtime.ec2, ledger).to_json()


def _check(stack: MotoStack, state: WorkflowState, built: dict[str, Any]) -> dict[str, Any]:
    looked = WorkflowState.from_json({**state.to_json(), "steps": {"network": built}})
    return network_step(
        looked, lambda: stack.runtime.ec2, stack.runtime.ledger(state.deployment.id)
    ).to_json()


def test_a_new_nat_gateway_leaves_the_private_subnets_unrouted_until_it_is_available(
    stack: MotoStack, aws: boto3.Session
) -> None:
    ec2 = aws.client("ec2")
    state, built = _built(stack)
    assert built["natPending"] == built["natGatewayIds"]
    assert built["taskSubnetIds"] == built["privateSubnetIds"]  # known to the LB step already
    assert _private_routes(ec2, built["vpcId"]) == {}

    (nat_id,) = built["natPending"]
    _nat_state(nat_id, "pending")
    looked = _check(stack, state, built)
    assert looked == {**built, "natChecks": 1}
    assert _private_routes(ec2, built["vpcId"]) == {}

    _nat_state(nat_id, "available")
    done = _check(stack, state, looked)
    assert "natPending" not in done
    assert done["natGatewayIds"] == [nat_id]
    assert done["privateSubnetIds"] == built["privateSubnetIds"]
    assert _private_routes(ec2, built["vpcId"]) == {
        "route-table-private-0": nat_id,
        "route-table-private-1": nat_id,
    }


def test_a_nat_gateway_ec2_does_not_list_yet_counts_as_pending(stack: MotoStack) -> None:
    state, built = _built(stack)
    # right after CreateNatGateway, DescribeNatGateways may not know the id yet (EC2's
    # eventual consistency): the workflow looks again rather than failing the run
    unknown = {**built, "natPending": ["nat-0123456789abcdef0"]}
    assert _check(stack, state, unknown) == {**unknown, "natChecks": 1}


def test_a_failed_nat_gateway_fails_the_network_step_naming_it(stack: MotoStack) -> None:
    state, built = _built(stack)
    (nat_id,) = built["natPending"]
    _nat_state(nat_id, "failed")
    with pytest.raises(NetworkError, match=f"NAT gateway {nat_id} is failed"):
        _check(stack, state, built)


def test_nat_gateways_pending_past_the_last_check_fail_the_network_step(
    stack: MotoStack,
) -> None:
    state, built = _built(stack)
    (nat_id,) = built["natPending"]
    _nat_state(nat_id, "pending")
    last = {**built, "natChecks": NAT_CHECK_LIMIT - 1}
    with pytest.raises(
        NetworkError, match=f"not available after {NAT_CHECK_LIMIT * NAT_CHECK_SECONDS} seconds"
    ):
        _check(stack, state, last)


def test_the_workflow_waits_between_nat_checks_as_long_as_the_step_counts() -> None:
    states = json.loads(ASL.read_text(encoding="utf-8"))["States"]
    assert states["WaitForNatGateways"]["Seconds"] == NAT_CHECK_SECONDS
    assert states["CheckNatGateways"]["Resource"] == states["BuildNetwork"]["Resource"]
    assert states["CheckNatGateways"]["ResultPath"] == "$.steps.network"
    assert states["BuildLoadBalancer"]["Next"] == "NatGatewaysReady"
