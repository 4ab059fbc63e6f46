"""Container image references: ``[registry/]repository[:tag][@digest]``, as Docker reads them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecsdrop.partitions import AWS_REGION, CHINA_REGION
from ecsdrop.spec.installation import ACCOUNT_ID

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = rf"{_COMPONENT}(?:/{_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]+)?"
_REFERENCE = re.compile(
    rf"^(?:(?P<domain>{_DOMAIN})/)?"
    rf"(?P<path>{_PATH})"
    rf"(?::(?P<tag>{_TAG}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?\Z",
    re.ASCII,  # \Z: "$" would accept a final newline; ASCII: tags are ASCII
)
_REPOSITORY_TAG = re.compile(rf"^(?P<path>{_PATH}):(?P<tag>{_TAG})\Z", re.ASCII)
# An ECR registry host by its shape; the account and the region are checked apart, so that
# a host that can never exist (xx.dkr.ecr.us-east-1.amazonaws.com) is reported, not taken
# for some other registry.
_ECR_SHAPED = re.compile(
    r"^(?P<account>[^./]+)\.dkr\.ecr(?:-fips)?\.(?P<region>[^./]+)\.amazonaws\.com(?P<cn>\.cn)?\Z"
)
DOCKER_HUB = "docker.io"


@dataclass(frozen=True)
class ImageRef:
    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def ecr_account(self) -> str | None:
        parts = _ecr_parts(self.registry)
        return parts[0] if parts else None

    @property
    def ecr_region(self) -> str | None:
        parts = _ecr_parts(self.registry)
        return parts[1] if parts else None

    def is_ecr_of(self, account_id: str, region: str) -> bool:
        return self.ecr_account == account_id and self.ecr_region == region

    def pinned(self, digest: str) -> str:
        """The same repository at an exact digest (the tag is dropped: the digest decides)."""
        return f"{self.registry}/{self.repository}@{digest}"


def ecr_problem(registry: str) -> str | None:
    """Why an ECR-shaped registry host can never be pulled from: an account that is not 12
    digits, no AWS region, or a region whose ECR lives under the other domain. None for a
    real ECR host, and for any registry that is not shaped like one."""
    match = _ECR_SHAPED.match(registry)
    if match is None:
        return None
    account, region, china = match.group("account"), match.group("region"), bool(match["cn"])
    if not ACCOUNT_ID.fullmatch(account):
        return f"an ECR registry's account is 12 digits, not {account!r}"
    own, other = (CHINA_REGION, AWS_REGION) if china else (AWS_REGION, CHINA_REGION)
    if own.fullmatch(region):
        return None
    if other.fullmatch(region):
        domain = "amazonaws.com" if china else "amazonaws.com.cn"
        return f"the ECR registry of {region} is {account}.dkr.ecr.{region}.{domain}"
    return f"{region!r} is not an AWS region (such as us-east-1)"


def _ecr_parts(registry: str) -> tuple[str, str] | None:
    """Account and region of a real ECR registry host; None for any other registry."""
    match = _ECR_SHAPED.match(registry)
    if match is None or ecr_problem(registry) is not None:
        return None
    return match.group("account"), match.group("region")


def parse_image(reference: str) -> ImageRef | None:
    """The parts of an image reference, or None when Docker would refuse it."""
    match = _REFERENCE.match(reference)
    if not match:
        return None
    domain = match.group("domain")
    path = match.group("path")
    if domain is None or not _looks_like_registry(domain):
        # "team/app" is a Docker Hub path, not a registry called "team".
        path = f"{domain}/{path}" if domain else path
        domain = DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    return ImageRef(domain, path, match.group("tag"), match.group("digest"))


def parse_repository_tag(text: str) -> tuple[str, str] | None:
    """``REPOSITORY:TAG`` as one registry stores them, or None: when either part is not what
    Docker accepts, or the repository starts with a registry host (Docker would push there)."""
    match = _REPOSITORY_TAG.match(text)
    if match is None:
        return None
    first, _, rest = match.group("path").partition("/")
    if rest and _looks_like_registry(first):
        return None
    return match.group("path"), match.group("tag")


def _looks_like_registry(domain: str) -> bool:
    return "." in domain or ":" in domain or domain == "localhost"
