"""Amazon EC2 networking: VPC, subnets, gateways, route tables, security groups."""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.errors import aws_call
from ecsdrop.errors import NotFoundError

# describe call, result key and id field of each kind of tagged network resource
_KINDS: dict[str, tuple[str, str, str]] = {
    "vpc": ("describe_vpcs", "Vpcs", "VpcId"),
    "subnet": ("describe_subnets", "Subnets", "SubnetId"),
    "internet-gateway": ("describe_internet_gateways", "InternetGateways", "InternetGatewayId"),
    "elastic-ip": ("describe_addresses", "Addresses", "AllocationId"),
    "natgateway": ("describe_nat_gateways", "NatGateways", "NatGatewayId"),
    "route-table": ("describe_route_tables", "RouteTables", "RouteTableId"),
    "security-group": ("describe_security_groups", "SecurityGroups", "GroupId"),
}


def id_of(kind: str, resource: dict[str, Any]) -> str:
    """The id of a resource of ``kind`` as EC2 describes it (VpcId, GroupId, ...)."""
    return str(resource[_KINDS[kind][2]])


_TAG_RESOURCE_TYPE = {
    "vpc": "vpc",
    "subnet": "subnet",
    "internet-gateway": "internet-gateway",
    "elastic-ip": "elastic-ip",
    "natgateway": "natgateway",
    "route-table": "route-table",
    "security-group": "security-group",
}


def _tag_spec(kind: str, tags: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "ResourceType": _TAG_RESOURCE_TYPE[kind],
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        }
    ]


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def flatten_permissions(permissions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """EC2's IpPermissions (several sources each) as one permission per source, so that
    rule sets compare item by item."""
    flat = []
    for permission in permissions:
        base: dict[str, Any] = {
            k: permission[k] for k in ("IpProtocol", "FromPort", "ToPort") if k in permission
        }
        for ip_range in permission.get("IpRanges", []):
            flat.append({**base, "IpRanges": [{"CidrIp": ip_range["CidrIp"]}]})
        for pair in permission.get("UserIdGroupPairs", []):
            flat.append({**base, "UserIdGroupPairs": [{"GroupId": pair["GroupId"]}]})
    return flat


# protocol, from port, to port, source (a CIDR or a security group id)
IngressRule = tuple[str | None, int | None, int | None, str]


def ingress_rules(permissions: list[dict[str, Any]]) -> frozenset[IngressRule]:
    """IpPermissions, as EC2 describes them or flat (as a ledger stores them: JSON with
    sorted keys), as a set of rules: the same rules are equal whatever their order,
    grouping, key order or descriptions."""
    return frozenset(
        (p.get("IpProtocol"), p.get("FromPort"), p.get("ToPort"), _source(p))
        for p in flatten_permissions(permissions)
    )


def _source(flat: dict[str, Any]) -> str:
    """The one source of a flat permission."""
    if "IpRanges" in flat:
        return str(flat["IpRanges"][0]["CidrIp"])
    return str(flat["UserIdGroupPairs"][0]["GroupId"])


class Ec2:
    def __init__(self, client: Any) -> None:
        self._ec2 = client

    # ------------------------------------------------------------------ look-ups

    def find_tagged(self, kind: str, tags: dict[str, str]) -> list[dict[str, Any]]:
        """Resources of ``kind`` carrying every tag in ``tags`` (deleted NAT gateways skipped)."""
        operation, key, _ = _KINDS[kind]
        filters = [{"Name": f"tag:{k}", "Values": [v]} for k, v in tags.items()]
        if kind == "natgateway":
            filters.append({"Name": "state", "Values": ["pending", "available"]})
            arguments: dict[str, Any] = {"Filter": filters}
        else:
            arguments = {"Filters": filters}
        with aws_call(f"ec2:{_action(operation)}"):
            found: list[dict[str, Any]] = getattr(self._ec2, operation)(**arguments).get(key, [])
        # The filter is the API's; checking the tags again costs nothing and keeps one
        # service from adopting another's resource where a filter is not applied.
        return [item for item in found if tags.items() <= tags_of(item).items()]

    def availability_zones(self, count: int) -> list[str]:
        with aws_call("ec2:DescribeAvailabilityZones"):
            zones = self._ec2.describe_availability_zones(
                Filters=[
                    {"Name": "state", "Values": ["available"]},
                    {"Name": "zone-type", "Values": ["availability-zone"]},
                ]
            )["AvailabilityZones"]
        names = sorted(z["ZoneName"] for z in zones)
        return names[:count]

    def subnets(
        self,
        ids: list[str] | None = None,
        tags: dict[str, str] | None = None,
        vpc_id: str | None = None,
    ) -> list[dict[str, Any]]:
        filters = [{"Name": f"tag:{k}", "Values": [v]} for k, v in (tags or {}).items()]
        if vpc_id:
            filters.append({"Name": "vpc-id", "Values": [vpc_id]})
        arguments: dict[str, Any] = {"Filters": filters} if filters else {}
        if ids:
            arguments["SubnetIds"] = ids
        with aws_call("ec2:DescribeSubnets"):
            found: list[dict[str, Any]] = self._ec2.describe_subnets(**arguments)["Subnets"]
        return found

    def vpc(self, vpc_id: str) -> dict[str, Any] | None:
        try:
            with aws_call("ec2:DescribeVpcs"):
                found = self._ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
        except NotFoundError:
            return None
        return dict(found[0]) if found else None

    def security_group(self, group_id: str) -> dict[str, Any] | None:
        try:
            with aws_call("ec2:DescribeSecurityGroups"):
                found = self._ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
        except NotFoundError:
            return None
        return dict(found[0]) if found else None

    # ------------------------------------------------------------------ creation

    def create_vpc(self, cidr: str, tags: dict[str, str]) -> str:
        with aws_call("ec2:CreateVpc"):
            vpc_id: str = self._ec2.create_vpc(
                CidrBlock=cidr, TagSpecifications=_tag_spec("vpc", tags)
            )["Vpc"]["VpcId"]
        return vpc_id

    def enable_dns_hostnames(self, vpc_id: str) -> None:
        with aws_call("ec2:ModifyVpcAttribute"):
            self._ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})

    def create_subnet(self, vpc_id: str, cidr: str, zone: str, tags: dict[str, str]) -> str:
        with aws_call("ec2:CreateSubnet"):
            subnet_id: str = self._ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=zone,
                TagSpecifications=_tag_spec("subnet", tags),
            )["Subnet"]["SubnetId"]
        return subnet_id

    def create_internet_gateway(self, tags: dict[str, str]) -> str:
        with aws_call("ec2:CreateInternetGateway"):
            gateway_id: str = self._ec2.create_internet_gateway(
                TagSpecifications=_tag_spec("internet-gateway", tags)
            )["InternetGateway"]["InternetGatewayId"]
        return gateway_id

    def attach_internet_gateway(self, gateway_id: str, vpc_id: str) -> None:
        with aws_call("ec2:AttachInternetGateway"):
            self._ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)

    def allocate_address(self, tags: dict[str, str]) -> str:
        with aws_call("ec2:AllocateAddress"):
            allocation_id: str = self._ec2.allocate_address(
                Domain="vpc", TagSpecifications=_tag_spec("elastic-ip", tags)
            )["AllocationId"]
        return allocation_id

    def create_nat_gateway(self, subnet_id: str, allocation_id: str, tags: dict[str, str]) -> str:
        with aws_call("ec2:CreateNatGateway"):
            nat_id: str = self._ec2.create_nat_gateway(
                SubnetId=subnet_id,
                AllocationId=allocation_id,
                TagSpecifications=_tag_spec("natgateway", tags),
            )["NatGateway"]["NatGatewayId"]
        return nat_id

    def nat_gateways(self, nat_ids: list[str]) -> list[dict[str, Any]]:
        """The NAT gateways ``nat_ids`` as they are now (state, failure code and message)."""
        with aws_call("ec2:DescribeNatGateways"):
            found: list[dict[str, Any]] = self._ec2.describe_nat_gateways(
                NatGatewayIds=nat_ids
            ).get("NatGateways", [])
        return found

    def create_route_table(self, vpc_id: str, tags: dict[str, str]) -> str:
        with aws_call("ec2:CreateRouteTable"):
            table_id: str = self._ec2.create_route_table(
                VpcId=vpc_id, TagSpecifications=_tag_spec("route-table", tags)
            )["RouteTable"]["RouteTableId"]
        return table_id

    def create_default_route(
        self, table_id: str, gateway_id: str | None = None, nat_id: str | None = None
    ) -> None:
        target = {"GatewayId": gateway_id} if gateway_id else {"NatGatewayId": nat_id}
        with aws_call("ec2:CreateRoute"):
            self._ec2.create_route(
                RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", **target
            )

    def associate_route_table(self, table_id: str, subnet_id: str) -> str:
        with aws_call("ec2:AssociateRouteTable"):
            association: str = self._ec2.associate_route_table(
                RouteTableId=table_id, SubnetId=subnet_id
            )["AssociationId"]
        return association

    def create_security_group(
        self, name: str, description: str, vpc_id: str, tags: dict[str, str]
    ) -> str:
        with aws_call("ec2:CreateSecurityGroup"):
            group_id: str = self._ec2.create_security_group(
                GroupName=name,
                Description=description,
                VpcId=vpc_id,
                TagSpecifications=_tag_spec("security-group", tags),
            )["GroupId"]
        return group_id

    def authorize_ingress(self, group_id: str, permissions: list[dict[str, Any]]) -> None:
        with aws_call("ec2:AuthorizeSecurityGroupIngress"):
            self._ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=permissions)

    def revoke_ingress(self, group_id: str, permissions: list[dict[str, Any]]) -> None:
        with aws_call("ec2:RevokeSecurityGroupIngress"):
            self._ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=permissions)

    # ------------------------------------------------------------------ deletion

    def delete_security_group(self, group_id: str) -> None:
        with aws_call("ec2:DeleteSecurityGroup"):
            self._ec2.delete_security_group(GroupId=group_id)

    def delete_nat_gateway(self, nat_id: str) -> None:
        with aws_call("ec2:DeleteNatGateway"):
            self._ec2.delete_nat_gateway(NatGatewayId=nat_id)

    def wait_nat_gateways_deleted(self, nat_ids: list[str], max_seconds: int = 540) -> None:
        with aws_call("ec2:DescribeNatGateways"):
            self._ec2.get_waiter("nat_gateway_deleted").wait(
                NatGatewayIds=nat_ids,
                WaiterConfig={"Delay": 15, "MaxAttempts": max(1, max_seconds // 15)},
            )

    def release_address(self, allocation_id: str) -> None:
        with aws_call("ec2:ReleaseAddress"):
            self._ec2.release_address(AllocationId=allocation_id)

    def disassociate_route_table(self, association_id: str) -> None:
        with aws_call("ec2:DisassociateRouteTable"):
            self._ec2.disassociate_route_table(AssociationId=association_id)

    def delete_route_table(self, table_id: str) -> None:
        with aws_call("ec2:DeleteRouteTable"):
            self._ec2.delete_route_table(RouteTableId=table_id)

    def detach_internet_gateway(self, gateway_id: str, vpc_id: str) -> None:
        with aws_call("ec2:DetachInternetGateway"):
            self._ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)

    def delete_internet_gateway(self, gateway_id: str) -> None:
        with aws_call("ec2:DeleteInternetGateway"):
            self._ec2.delete_internet_gateway(InternetGatewayId=gateway_id)

    def delete_subnet(self, subnet_id: str) -> None:
        with aws_call("ec2:DeleteSubnet"):
            self._ec2.delete_subnet(SubnetId=subnet_id)

    def delete_vpc(self, vpc_id: str) -> None:
        with aws_call("ec2:DeleteVpc"):
            self._ec2.delete_vpc(VpcId=vpc_id)


def _action(operation: str) -> str:
    return "".join(part.capitalize() for part in operation.split("_"))
