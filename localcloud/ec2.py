"""EC2 where moto differs from AWS: NAT gateways that take their time, and the account's quotas.

Everything the local cloud does with moto's EC2 internals is here, including what the ECS
emulation needs of EC2: a task's network interface, and whether its subnet has a way out.

- CreateNatGateway answers `pending`; `profile.nat_gateway_available` simulated seconds later
  the gateway is `available`, or `failed` with `Gateway.NotAttached` when it is public and its
  VPC had no internet gateway attached. A failed gateway gives its Elastic IP back. A gateway
  in a subnet whose route table has no route to the internet gateway becomes `available`, as in
  AWS, none of whose failure codes is about routes: such a gateway cannot reach the internet,
  which is a matter of routing, not of its state.
- DeleteNatGateway answers `deleting`; `profile.nat_gateway_deleted` later the gateway is
  `deleted` and its Elastic IP disassociated, its network interface gone. Until then the
  address stays associated, and ReleaseAddress refuses it with AWS's `AuthFailure`.
- Quotas (localcloud/quotas.py): a create beyond one is refused with AWS's error code.

The model's own `state` is what changes, so describes, filters and other modules agree.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import iso_8601_datetime_with_milliseconds, utcnow
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import EC2Backend, ec2_backends
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ec2.responses import EC2Response

from localcloud import quotas
from localcloud.clock import Clock
from localcloud.patching import Patcher, guarded
from localcloud.quotas import Quotas

# NAT gateways count toward their quota in these states (Amazon VPC quotas)
_COUNTED_NAT_STATES = frozenset({"pending", "available", "deleting"})
_ADDRESS_HELD = "You do not have permission to access the specified resource."


def nat_gateway_state(account_id: str, region: str, nat_gateway_id: str) -> str | None:
    """The NAT gateway's state (`pending`, `available`, `failed`, `deleting`, `deleted`), or
    None when there is no such gateway."""
    gateway = ec2_backends[account_id][region].nat_gateways.get(nat_gateway_id)
    return None if gateway is None else str(gateway.state)


# -- what ECS tasks need of EC2 -----------------------------------------------------------------


@dataclass(frozen=True)
class Interface:
    """A task's network interface, as its attachment details show it."""

    interface_id: str
    private_ip: str
    mac_address: str
    private_dns_name: str
    availability_zone: str


def create_task_interface(
    account_id: str, region: str, subnet_id: str, group_ids: list[str], description: str
) -> Interface:
    """A network interface in the subnet, at an address of its CIDR, in use by a task."""
    backend = ec2_backends[account_id][region]
    interface = backend.create_network_interface(
        subnet=subnet_id,
        private_ip_address=None,  # type: ignore[arg-type]  # moto picks one in the subnet
        group_ids=group_ids,
        description=description,
    )
    interface.status = "in-use"
    interface.device_index = 0
    if not interface.private_dns_name:  # the name AWS gives an address of the Region's VPCs
        host = f"ip-{str(interface.private_ip_address).replace('.', '-')}"
        domain = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
        interface.private_dns_name = f"{host}.{domain}"
    return Interface(
        interface.id,
        str(interface.private_ip_address),
        str(interface.mac_address),
        str(interface.private_dns_name),
        str(backend.get_subnet(subnet_id).availability_zone),
    )


def delete_interface(account_id: str, region: str, interface_id: str) -> None:
    """Delete a task's network interface (already gone: nothing to do)."""
    with contextlib.suppress(EC2ClientError):
        ec2_backends[account_id][region].delete_network_interface(interface_id)


def subnet_exists(account_id: str, region: str, subnet_id: str) -> bool:
    try:
        ec2_backends[account_id][region].get_subnet(subnet_id)
    except EC2ClientError:
        return False
    return True


def security_group_exists(account_id: str, region: str, group_id: str) -> bool:
    return ec2_backends[account_id][region].get_security_group_from_id(group_id) is not None


def reaches_internet(account_id: str, region: str, subnet_id: str, public_ip: bool) -> bool:
    """Whether traffic from the subnet reaches the internet: a default route to an internet
    gateway (for an interface with a public IP), or to an available NAT gateway whose own
    subnet has one."""
    backend = ec2_backends[account_id][region]
    for route in _routes(backend, subnet_id):
        if route.destination_cidr_block != "0.0.0.0/0":
            continue
        gateway = getattr(route, "gateway", None)
        if gateway is not None and str(getattr(gateway, "id", "")).startswith("igw-"):
            return public_ip
        nat = getattr(route, "nat_gateway", None)
        if nat is not None:
            return str(nat.state) == "available" and reaches_internet(
                account_id, region, nat.subnet_id, True
            )
    return False


def has_interface_endpoint(account_id: str, region: str, subnet_id: str, service: str) -> bool:
    """Whether the subnet's VPC has an endpoint of `service` (com.amazonaws.<region>.<name>)."""
    backend = ec2_backends[account_id][region]
    vpc_id = backend.get_subnet(subnet_id).vpc_id
    endpoints = backend.describe_vpc_endpoints(None, filters={"vpc-id": [vpc_id]})
    return any(endpoint.service_name == service for endpoint in endpoints)


def _routes(backend: Any, subnet_id: str) -> list[Any]:
    """The routes of the subnet's route table: its own, or its VPC's main one."""
    tables = backend.describe_route_tables(filters={"association.subnet-id": [subnet_id]})
    if not tables:
        vpc_id = backend.get_subnet(subnet_id).vpc_id
        tables = backend.describe_route_tables(
            filters={"vpc-id": [vpc_id], "association.main": ["true"]}
        )
    return [route for table in tables for route in table.routes]


# -- what a quota counts, from the request (AWS's parameter names) and the backend --------------


def _vpcs(response: Any) -> int:
    return len(response.ec2_backend.vpcs)  # the default VPC counts, as in AWS


def _internet_gateways(response: Any) -> int:
    return len(response.ec2_backend.internet_gateways)


def _addresses(response: Any) -> int:
    return len(response.ec2_backend.addresses)


def _nat_gateways_in_zone(response: Any) -> int:
    backend = response.ec2_backend
    zone = _zone_of(backend, response._get_param("SubnetId"))
    if zone is None:
        return 0  # moto answers an unknown subnet with its own error
    return sum(
        1
        for gateway in backend.nat_gateways.values()
        if gateway.state in _COUNTED_NAT_STATES and _zone_of(backend, gateway.subnet_id) == zone
    )


def _subnets_in_vpc(response: Any) -> int:
    vpc_id = response._get_param("VpcId")
    return sum(
        1
        for zone in response.ec2_backend.subnets.values()
        for subnet in zone.values()
        if subnet.vpc_id == vpc_id
    )


def _route_tables_in_vpc(response: Any) -> int:
    vpc_id = response._get_param("VpcId")  # the main route table counts, as in AWS
    return sum(1 for table in response.ec2_backend.route_tables.values() if table.vpc_id == vpc_id)


def _security_groups(response: Any) -> int:
    return sum(len(groups) for groups in response.ec2_backend.groups.values())


def _zone_of(backend: Any, subnet_id: str | None) -> str | None:
    for zone in backend.subnets.values():
        if subnet_id in zone:
            return str(zone[subnet_id].availability_zone)
    return None


# EC2Response action -> (quota, error code, message, usage before the call)
_QUOTAS: dict[str, tuple[str, str, str, Callable[[Any], int]]] = {
    "create_vpc": (
        quotas.VPCS_PER_REGION,
        "VpcLimitExceeded",
        "The maximum number of VPCs has been reached.",
        _vpcs,
    ),
    "create_default_vpc": (
        quotas.VPCS_PER_REGION,
        "VpcLimitExceeded",
        "The maximum number of VPCs has been reached.",
        _vpcs,
    ),
    "create_internet_gateway": (
        quotas.INTERNET_GATEWAYS_PER_REGION,
        "InternetGatewayLimitExceeded",
        "The maximum number of internet gateways has been reached.",
        _internet_gateways,
    ),
    "allocate_address": (
        quotas.ELASTIC_IPS_PER_REGION,
        "AddressLimitExceeded",
        "The maximum number of addresses has been reached.",
        _addresses,
    ),
    "create_nat_gateway": (
        quotas.NAT_GATEWAYS_PER_AZ,
        "NatGatewayLimitExceeded",
        "The maximum number of NAT Gateways has been reached.",
        _nat_gateways_in_zone,
    ),
    "create_subnet": (
        quotas.SUBNETS_PER_VPC,
        "SubnetLimitExceeded",
        "The maximum number of subnets has been reached.",
        _subnets_in_vpc,
    ),
    "create_route_table": (
        quotas.ROUTE_TABLES_PER_VPC,
        "RouteTableLimitExceeded",
        "The maximum number of route tables has been reached.",
        _route_tables_in_vpc,
    ),
    "create_security_group": (
        quotas.SECURITY_GROUPS_PER_REGION,
        "SecurityGroupLimitExceeded",
        "The maximum number of security groups has been reached.",
        _security_groups,
    ),
}


class Ec2Emulation:
    def __init__(self, clock: Clock, account_quotas: Quotas) -> None:
        self._clock = clock
        self._quotas = account_quotas
        # One lock for every change of a NAT gateway's state and every quota check: a check
        # and the creation it allows are one step, so concurrent creates cannot overshoot.
        self._lock = threading.RLock()

    # -- NAT gateways ----------------------------------------------------------------------------

    def _provision(self, backend: Any, gateway: Any) -> None:
        gateway.state = "pending"
        failure = None
        public = gateway.connectivity_type != "private"  # moto stores None for the default
        if public and not _internet_gateway_attached(backend, gateway.vpc_id):
            # the wording of the API reference's NatGateway.FailureMessage
            failure = (
                "Gateway.NotAttached",
                f"Network {gateway.vpc_id} has no Internet gateway attached",
            )
        self._clock.after(
            self._clock.profile.nat_gateway_available,
            lambda: self._settle(backend, gateway, failure),
        )

    def _settle(self, backend: Any, gateway: Any, failure: tuple[str, str] | None) -> None:
        with self._lock:
            if gateway.state != "pending":
                return  # deleted meanwhile
            if failure is None:
                gateway.state = "available"
                return
            gateway.failure_code, gateway.failure_message = failure
            _release_network_interface(backend, gateway)
            gateway.state = "failed"

    def _delete(self, response: Any) -> ActionResult:
        nat_gateway_id = response._get_param("NatGatewayId")
        backend = response.ec2_backend
        with self._lock:
            gateway = backend.nat_gateways.get(nat_gateway_id)
            if gateway is None:
                raise EC2ClientError(
                    "NatGatewayNotFound", f"The Nat Gateway {nat_gateway_id} was not found"
                )
            if gateway.state not in ("deleting", "deleted"):
                gateway.state = "deleting"
                self._clock.after(
                    self._clock.profile.nat_gateway_deleted,
                    lambda: self._deleted(backend, gateway),
                )
        return ActionResult({"NatGatewayId": nat_gateway_id})

    def _deleted(self, backend: Any, gateway: Any) -> None:
        with self._lock:
            _release_network_interface(backend, gateway)
            gateway.delete_time = iso_8601_datetime_with_milliseconds(utcnow())
            gateway.state = "deleted"

    def _address_held(self, response: Any) -> bool:
        """Whether the address the request names is a NAT gateway's that is not gone yet."""
        backend = response.ec2_backend
        allocation_id = response._get_param("AllocationId")
        public_ip = response._get_param("PublicIp")
        for address in backend.addresses:
            named = (allocation_id and address.allocation_id == allocation_id) or (
                public_ip and address.public_ip == public_ip
            )
            if named and address.eni is not None:
                return any(
                    address.eni.id in _network_interface_ids(gateway)
                    for gateway in backend.nat_gateways.values()
                    if gateway.state not in ("deleted", "failed")
                )
        return False

    # -- moto patches ----------------------------------------------------------------------------

    def install(self, patcher: Patcher) -> None:
        emulation = self
        original_create = EC2Backend.create_nat_gateway
        # moto names an interface's address only in VPCs with DNS hostnames enabled (and fails
        # reading the name elsewhere): every interface has the attribute; tasks' get AWS's name
        patcher.replace(NetworkInterface, "private_dns_name", None)

        def create_nat_gateway(backend: Any, *args: Any, **kwargs: Any) -> Any:
            gateway = original_create(backend, *args, **kwargs)
            emulation._provision(backend, gateway)
            return gateway

        def delete_nat_gateway(response: Any) -> ActionResult:
            return emulation._delete(response)

        def describe_nat_gateways(response: Any) -> ActionResult:
            # moto serialises the answer after the handler returns, attribute by attribute: a
            # copy taken under the lock never reads FailureCode before a gateway fails and its
            # State after
            filters = response._filters_from_querystring()
            ids = response._get_param("NatGatewayIds", [])
            with emulation._lock:
                found = response.ec2_backend.describe_nat_gateways(filters, ids)
                snapshot = [copy.copy(gateway) for gateway in found]
            return ActionResult({"NatGateways": snapshot})

        def address_held(response: Any) -> EC2ClientError | None:
            held = emulation._address_held(response)
            return EC2ClientError("AuthFailure", _ADDRESS_HELD) if held else None

        patcher.replace(EC2Backend, "create_nat_gateway", create_nat_gateway)
        patcher.replace(EC2Response, "delete_nat_gateway", delete_nat_gateway)
        patcher.replace(EC2Response, "describe_nat_gateways", describe_nat_gateways)
        release = guarded(EC2Response.release_address, address_held, self._lock)
        patcher.replace(EC2Response, "release_address", release)
        for action, (quota, code, message, usage) in _QUOTAS.items():
            within = guarded(
                getattr(EC2Response, action), self._refusal(quota, code, message, usage), self._lock
            )
            patcher.replace(EC2Response, action, within)

    def _refusal(
        self, quota: str, code: str, message: str, usage: Callable[[Any], int]
    ) -> Callable[[Any], EC2ClientError | None]:
        def refusal(response: Any) -> EC2ClientError | None:
            reached = usage(response) >= self._quotas.limit(quota)
            return EC2ClientError(code, message) if reached else None

        return refusal


def _internet_gateway_attached(backend: Any, vpc_id: str) -> bool:
    return any(
        gateway.vpc is not None and gateway.vpc.id == vpc_id
        for gateway in backend.internet_gateways.values()
    )


def _network_interface_ids(gateway: Any) -> set[str]:
    return {
        entry["networkInterfaceId"]
        for entry in gateway.address_set
        if entry.get("networkInterfaceId")
    }


def _release_network_interface(backend: Any, gateway: Any) -> None:
    """What AWS does when a NAT gateway goes: its Elastic IP is disassociated (not released)
    and its network interface deleted."""
    interfaces = _network_interface_ids(gateway)
    for address in list(backend.addresses):
        if address.eni is not None and address.eni.id in interfaces:
            backend.disassociate_address(address=address.public_ip)
    for entry in gateway.address_set:
        entry["associationId"] = None
    for interface_id in interfaces:
        with contextlib.suppress(EC2ClientError):  # already gone
            backend.delete_network_interface(eni_id=interface_id)
