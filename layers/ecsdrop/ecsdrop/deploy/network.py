"""Network: the seed's VPC (public and private subnets over ≥ 2 zones, IGW, NAT, routes) or
the spec's existing VPC, plus the load balancer's and the tasks' security groups.

Idempotent: everything is found by its ``ecsdrop:service`` / ``ecsdrop:role`` tags before
anything is created, and what is created is in the ledger before the next call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from ecsdrop.aws.ec2 import Ec2, flatten_permissions, id_of, tags_of
from ecsdrop.contract import recorded
from ecsdrop.deploy.ledger import Changed, Created, Ledger
from ecsdrop.deploy.results import NetworkResult
from ecsdrop.deploy.state import WorkflowState
from ecsdrop.errors import NetworkError, NotFoundError
from ecsdrop.spec.model import Spec, digest_of
from ecsdrop.spec.render import TAG_ROLE, TAG_SERVICE, network_plan
from ecsdrop.states import PREPARED, SUCCEEDED, status_of


def unchanged_network(spec: Spec, deployed: dict[str, Any]) -> NetworkResult | None:
    """The network the last successful deployment recorded, when the spec plans the same."""
    previous = recorded(NetworkResult, deployed.get("network"))
    if previous is not None and previous.plan_digest == digest_of(network_plan(spec)):
        return previous
    return None


def task_network(spec: Spec, record: dict[str, Any] | None) -> NetworkResult | None:
    """Where a one-off task of the spec runs: the network the service's last successful
    deployment recorded, or the one prepared for its tasks while the spec still plans it
    (None: `ecsdrop run` has the workflow build one first)."""
    status = status_of(record) if record is not None else None
    if status == SUCCEEDED:
        return recorded(NetworkResult, (record or {}).get("network"))
    if status == PREPARED:
        return unchanged_network(spec, record or {})
    return None


# The workflow checks pending NAT gateways every NAT_CHECK_SECONDS (its Wait state) and gives
# up after NAT_CHECK_LIMIT checks: AWS makes most available in 1-5 minutes (its waiter,
# nat_gateway_available, gives up after 40 x 15 s).
NAT_CHECK_SECONDS = 10
NAT_CHECK_LIMIT = 60


def network_step(state: WorkflowState, ec2: Callable[[], Ec2], ledger: Ledger) -> NetworkResult:
    """The Network function: build the network (BuildNetwork), or, while NAT gateways it
    made are pending, check them and route the private subnets once they are available
    (CheckNatGateways). ``ec2`` is called only when EC2 is: an unchanged network makes no
    client."""
    built = state.steps.network
    if built is not None and built.nat_pending:
        return await_nat_gateways(state, built, ec2(), ledger)
    unchanged = unchanged_network(state.spec, state.deployed)
    if unchanged is not None:
        return unchanged  # unchanged since the last successful deployment: no EC2 call
    return ensure_network(state, ec2(), ledger)


def await_nat_gateways(
    state: WorkflowState, built: NetworkResult, ec2: Ec2, ledger: Ledger
) -> NetworkResult:
    """One look at the pending NAT gateways: still pending (the workflow waits and looks
    again), failed (NetworkError: the run rolls back), or available (the private subnets
    get their routes; the network is complete)."""
    pending = list(built.nat_pending or ())
    try:
        nats = ec2.nat_gateways(pending)
    except NotFoundError:  # EC2 is eventually consistent: a new gateway may not be listed yet
        nats = []
    broken = [n for n in nats if n.get("State") not in ("pending", "available")]
    if broken:
        nat = broken[0]
        raise NetworkError(
            f"NAT gateway {nat['NatGatewayId']} is {nat.get('State')}: "
            f"{nat.get('FailureCode', 'no failure code')}: "
            f"{nat.get('FailureMessage', 'no failure message')}"
        )
    if len(nats) < len(pending) or any(n.get("State") == "pending" for n in nats):
        checks = (built.nat_checks or 0) + 1
        if checks >= NAT_CHECK_LIMIT:
            raise NetworkError(
                f"NAT gateways {', '.join(pending)} not available after "
                f"{checks * NAT_CHECK_SECONDS} seconds"
            )
        return replace(built, nat_checks=checks)
    return ensure_network(state, ec2, ledger)  # finds everything by its tags, adds the routes


def ensure_network(state: WorkflowState, ec2: Ec2, ledger: Ledger) -> NetworkResult:
    """The network ids the service binds to, built or found by their tags. While NAT
    gateways are pending the private subnets have no routes yet (EC2 refuses a route to a
    pending NAT gateway) and ``natPending`` lists them: the load balancer is built meanwhile,
    and the workflow waits for the gateways in a Wait state, not in a Lambda function."""
    plan = network_plan(state.spec)
    digest = digest_of(plan)
    builder = NetworkBuilder(state.spec, ec2, ledger)
    result = builder.managed(plan) if plan["mode"] == "managed" else builder.existing(plan)
    groups = builder.security_groups(plan, result["vpcId"], result["vpcCidr"])
    placement = plan["placement"]
    return NetworkResult.from_json(
        {
            **result,
            "securityGroups": groups,
            "taskSubnetIds": result[f"{placement}SubnetIds"],
            "taskSecurityGroupIds": [groups["tasks"], *plan["extraSecurityGroupIds"]],
            "assignPublicIp": plan["assignPublicIp"],
            "planDigest": digest,
        }
    )


class NetworkBuilder:
    def __init__(self, spec: Spec, ec2: Ec2, ledger: Ledger) -> None:
        self._spec = spec
        self._ec2 = ec2
        self._ledger = ledger
        self._pending_nats: list[str] = []  # made or found pending: not available yet

    # ------------------------------------------------------------------ managed VPC

    def managed(self, plan: dict[str, Any]) -> dict[str, Any]:
        vpc_id, _ = self._ensure(
            Created.VPC, "vpc", lambda tags: self._ec2.create_vpc(plan["cidr"], tags)
        )
        self._ec2.enable_dns_hostnames(vpc_id)  # after the VPC is recorded; idempotent
        zones = self._ec2.availability_zones(plan["availabilityZones"])
        if len(zones) < plan["availabilityZones"]:
            raise NetworkError(
                f"the region has {len(zones)} availability zones; the spec asks for "
                f"{plan['availabilityZones']}"
            )
        subnets: dict[str, list[str]] = {"public": [], "private": []}
        for subnet in plan["subnets"]:
            subnet_id, _ = self._ensure(
                Created.SUBNET,
                f"subnet-{subnet['tier']}-{subnet['zone']}",
                partial(self._ec2.create_subnet, vpc_id, subnet["cidr"], zones[subnet["zone"]]),
            )
            subnets[subnet["tier"]].append(subnet_id)
        gateway_id = self._internet_gateway(vpc_id)
        self._route_table("route-table-public", vpc_id, subnets["public"], gateway_id=gateway_id)
        nat_ids = [self._nat_gateway(i, subnets["public"][i]) for i in range(plan["natGateways"])]
        pending = {"natPending": self._pending_nats} if self._pending_nats else {}
        if not pending:  # routes to NAT gateways wait until they are available
            for zone, subnet_id in enumerate(subnets["private"]):
                nat_id = nat_ids[min(zone, len(nat_ids) - 1)] if nat_ids else None
                self._route_table(f"route-table-private-{zone}", vpc_id, [subnet_id], nat_id=nat_id)
        return {
            **pending,
            "mode": "managed",
            "vpcId": vpc_id,
            "vpcCidr": plan["cidr"],
            "availabilityZones": zones,
            "publicSubnetIds": subnets["public"],
            "privateSubnetIds": subnets["private"],
            "internetGatewayId": gateway_id,
            "natGatewayIds": nat_ids,
        }

    def _internet_gateway(self, vpc_id: str) -> str:
        gateway_id, found = self._ensure(
            Created.INTERNET_GATEWAY,
            "internet-gateway",
            self._ec2.create_internet_gateway,
            vpcId=vpc_id,
        )
        attached = found and any(a.get("VpcId") == vpc_id for a in found.get("Attachments", []))
        if not attached:
            self._ec2.attach_internet_gateway(gateway_id, vpc_id)
        return gateway_id

    def _nat_gateway(self, index: int, subnet_id: str) -> str:
        allocation_id, _ = self._ensure(
            Created.ELASTIC_IP, f"nat-eip-{index}", self._ec2.allocate_address
        )

        nat_id, found = self._ensure(
            Created.NAT_GATEWAY,
            f"nat-{index}",
            partial(self._ec2.create_nat_gateway, subnet_id, allocation_id),
            allocationId=allocation_id,
        )
        if found is None or found.get("State") == "pending":
            self._pending_nats.append(nat_id)
        return nat_id

    def _route_table(
        self,
        role: str,
        vpc_id: str,
        subnet_ids: list[str],
        gateway_id: str | None = None,
        nat_id: str | None = None,
    ) -> str:
        table_id, found = self._ensure(
            Created.ROUTE_TABLE, role, lambda tags: self._ec2.create_route_table(vpc_id, tags)
        )
        routes = (found or {}).get("Routes", [])
        if (gateway_id or nat_id) and not any(
            r.get("DestinationCidrBlock") == "0.0.0.0/0" for r in routes
        ):
            self._ec2.create_default_route(table_id, gateway_id=gateway_id, nat_id=nat_id)
        associations = {
            a.get("SubnetId"): a.get("RouteTableAssociationId")
            for a in (found or {}).get("Associations", [])
        }
        for subnet_id in subnet_ids:
            association = associations.get(subnet_id)
            if association is None:
                association = self._ec2.associate_route_table(table_id, subnet_id)
                self._ledger.created(
                    Created.ROUTE_TABLE_ASSOCIATION, association, routeTableId=table_id
                )
            elif found is not None:  # a table this run made owns its associations too
                self._ledger.adopt(
                    Created.ROUTE_TABLE_ASSOCIATION,
                    association,
                    tags_of(found),
                    routeTableId=table_id,
                )
        return table_id

    # ------------------------------------------------------------------ existing VPC

    def existing(self, plan: dict[str, Any]) -> dict[str, Any]:
        vpc = self._ec2.vpc(plan["vpcId"])
        if vpc is None:
            raise NotFoundError(f"network.existing.vpcId: VPC {plan['vpcId']} does not exist")
        public = self._existing_subnets(plan, "public")
        private = self._existing_subnets(plan, "private")
        return {
            "mode": "existing",
            "vpcId": plan["vpcId"],
            "vpcCidr": vpc["CidrBlock"],
            "availabilityZones": sorted({s["AvailabilityZone"] for s in [*public, *private]}),
            "publicSubnetIds": [s["SubnetId"] for s in public],
            "privateSubnetIds": [s["SubnetId"] for s in private],
            "natGatewayIds": [],
        }

    def _existing_subnets(self, plan: dict[str, Any], tier: str) -> list[dict[str, Any]]:
        ids = plan.get(f"{tier}SubnetIds")
        tags = plan.get(f"{tier}SubnetTags")
        if not ids and not tags:
            return []
        subnets = self._ec2.subnets(ids=ids, tags=tags, vpc_id=plan["vpcId"])
        where = f"network.existing.{tier}Subnet{'Ids' if ids else 'Tags'}"
        if not subnets or (ids and len(subnets) < len(ids)):
            raise NetworkError(f"{where}: no such subnets in VPC {plan['vpcId']}")
        zones = {s["AvailabilityZone"] for s in subnets}
        if tier == "public" and self._spec.has_load_balancer and len(zones) < 2:
            raise NetworkError(
                f"{where}: a load balancer needs subnets in two availability zones; "
                f"these are all in {', '.join(sorted(zones))}"
            )
        return subnets

    # ------------------------------------------------------------------ security groups

    def security_groups(self, plan: dict[str, Any], vpc_id: str, vpc_cidr: str) -> dict[str, Any]:
        groups: dict[str, Any] = {"loadBalancer": None}
        for name in ("loadBalancer", "tasks"):
            wanted = plan["securityGroups"].get(name)
            if wanted is None:
                continue
            group_id, found = self._ensure(
                Created.SECURITY_GROUP,
                f"sg-{name}",
                partial(
                    self._ec2.create_security_group, wanted["name"], wanted["description"], vpc_id
                ),
            )
            rules = [_permission(rule, groups, vpc_cidr) for rule in wanted["ingress"]]
            self._reconcile_ingress(group_id, found, rules)
            groups[name] = group_id
        return groups

    def _reconcile_ingress(
        self, group_id: str, found: dict[str, Any] | None, wanted: list[dict[str, Any]]
    ) -> None:
        current = flatten_permissions(found.get("IpPermissions", [])) if found else []
        differs = any(p not in current for p in wanted) or any(p not in wanted for p in current)
        if found and differs:
            self._ledger.changed(Changed.SECURITY_GROUP_RULES, group_id, previous=current)
        set_ingress(self._ec2, group_id, current, wanted)

    # ------------------------------------------------------------------ find or create

    def _ensure(
        self, kind: Created, role: str, create: Callable[[dict[str, str]], str], **details: Any
    ) -> tuple[str, dict[str, Any] | None]:
        """Find the resource by the service's tags and its role, or create it and record it."""
        found = self._ec2.find_tagged(kind, {TAG_SERVICE: self._spec.name, TAG_ROLE: role})
        if found:
            resource = found[0]
            resource_id = id_of(kind, resource)
            self._ledger.adopt(kind, resource_id, tags_of(resource), **details)
            return resource_id, resource
        resource_id = create(self._ledger.tags(self._spec, role))
        self._ledger.created(kind, resource_id, **details)
        return resource_id, None


def set_ingress(
    ec2: Ec2, group_id: str, current: list[dict[str, Any]], wanted: list[dict[str, Any]]
) -> None:
    """Make the group's ingress exactly ``wanted`` (both flat: one source per permission)."""
    extra = [p for p in current if p not in wanted]
    missing = [p for p in wanted if p not in current]
    if extra:
        ec2.revoke_ingress(group_id, extra)
    if missing:
        ec2.authorize_ingress(group_id, missing)


def _permission(rule: dict[str, Any], groups: dict[str, Any], vpc_cidr: str) -> dict[str, Any]:
    """A planned ingress rule as EC2's IpPermission (one source each)."""
    permission: dict[str, Any] = {
        "IpProtocol": rule["protocol"],
        "FromPort": rule["port"],
        "ToPort": rule["port"],
    }
    if "fromGroup" in rule:
        permission["UserIdGroupPairs"] = [{"GroupId": groups[rule["fromGroup"]]}]
    else:
        cidr = vpc_cidr if rule["cidr"] == "vpc" else rule["cidr"]
        permission["IpRanges"] = [{"CidrIp": cidr}]
    return permission
