"""Image references, read the way Docker reads them."""

from __future__ import annotations

import pytest

from ecsdrop.spec.images import ImageRef, ecr_problem, parse_image, parse_repository_tag

DIGEST = "sha256:" + "0123456789abcdef" * 4
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


@pytest.mark.parametrize(
    ("reference", "parsed"),
    [
        ("nginx", ImageRef("docker.io", "library/nginx", None, None)),
        ("nginx:1.27", ImageRef("docker.io", "library/nginx", "1.27", None)),
        ("bitnami/redis:7.2", ImageRef("docker.io", "bitnami/redis", "7.2", None)),
        ("localhost/app", ImageRef("localhost", "app", None, None)),
        ("localhost:5000/team/app:v1", ImageRef("localhost:5000", "team/app", "v1", None)),
        (
            "public.ecr.aws/docker/library/httpd:2.4",
            ImageRef("public.ecr.aws", "docker/library/httpd", "2.4", None),
        ),
        (f"{ECR}/shop/web:stable", ImageRef(ECR, "shop/web", "stable", None)),
        (f"{ECR}/shop/web@{DIGEST}", ImageRef(ECR, "shop/web", None, DIGEST)),
        (f"{ECR}/web:1@{DIGEST}", ImageRef(ECR, "web", "1", DIGEST)),
        (
            "ghcr.io/org/my_app-x:2024.01.01",
            ImageRef("ghcr.io", "org/my_app-x", "2024.01.01", None),
        ),
    ],
)
def test_parse_image_splits_registry_repository_tag_and_digest(
    reference: str, parsed: ImageRef
) -> None:
    assert parse_image(reference) == parsed


@pytest.mark.parametrize(
    "reference",
    [
        "",
        " nginx",
        "nginx:latest ",
        "Nginx",
        "org/App",
        "nginx:",
        "nginx:-bad",
        "nginx@sha256:abc",
        "<your-image>",
        "registry.example.com/",
        "a//b",
        "nginx:" + "t" * 129,
    ],
)
def test_parse_image_refuses_what_docker_refuses(reference: str) -> None:
    assert parse_image(reference) is None


def test_an_ecr_image_knows_its_account_and_region() -> None:
    ref = parse_image(f"{ECR}/web:1")

    assert ref is not None
    assert (ref.ecr_account, ref.ecr_region) == ("123456789012", "us-east-1")
    assert ref.is_ecr_of("123456789012", "us-east-1")
    assert not ref.is_ecr_of("123456789012", "eu-west-1")


@pytest.mark.parametrize(
    "registry",
    [
        "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
    ],
)
def test_fips_and_china_ecr_registries_are_ecr(registry: str) -> None:
    ref = parse_image(f"{registry}/web")

    assert ref is not None
    assert ref.ecr_account == "123456789012"


def test_an_image_outside_ecr_has_no_account() -> None:
    ref = parse_image("public.ecr.aws/nginx/nginx:1")

    assert ref is not None
    assert ref.ecr_account is None
    assert not ref.is_ecr_of("123456789012", "us-east-1")


def test_pinning_replaces_the_tag_with_the_digest() -> None:
    ref = parse_image(f"{ECR}/shop/web:stable")

    assert ref is not None
    assert ref.pinned(DIGEST) == f"{ECR}/shop/web@{DIGEST}"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("web:1", ("web", "1")),
        ("team/web:latest", ("team/web", "latest")),
        ("web.app:2024.01", ("web.app", "2024.01")),
        ("web", None),
        ("web:", None),
        ("Web:1", None),
        ("web:bad tag", None),
        (f"web@{DIGEST}", None),
        (f"{ECR}/web:1", None),
        ("localhost:5000/web:1", None),
    ],
)
def test_repository_and_tag_are_what_one_registry_stores_without_a_host(
    text: str, parsed: tuple[str, str] | None
) -> None:
    assert parse_repository_tag(text) == parsed


@pytest.mark.parametrize(
    "registry",
    [
        ECR,
        "123456789012.dkr.ecr.ap-southeast-5.amazonaws.com",
        "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
        "123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn",
    ],
)
def test_a_real_ecr_host_has_no_problem_and_names_its_account_and_region(registry: str) -> None:
    ref = parse_image(f"{registry}/web:1")

    assert ref is not None
    assert ecr_problem(registry) is None
    assert ref.ecr_account == "123456789012"
    assert ref.ecr_region == registry.split(".")[3]


@pytest.mark.parametrize(
    ("registry", "problem"),
    [
        ("xx.dkr.ecr.us-east-1.amazonaws.com", "an ECR registry's account is 12 digits, not 'xx'"),
        (
            "1234567890123.dkr.ecr.us-east-1.amazonaws.com",
            "an ECR registry's account is 12 digits, not '1234567890123'",
        ),
        (
            "123456789012.dkr.ecr.region-code.amazonaws.com",
            "'region-code' is not an AWS region (such as us-east-1)",
        ),
        (
            "123456789012.dkr.ecr.us-east-1.amazonaws.com.cn",
            "the ECR registry of us-east-1 is 123456789012.dkr.ecr.us-east-1.amazonaws.com",
        ),
    ],
)
def test_an_ecr_shaped_host_that_cannot_exist_says_why_and_is_no_ecr_of_anyone(
    registry: str, problem: str
) -> None:
    ref = parse_image(f"{registry}/web:1")

    assert ref is not None
    assert ecr_problem(registry) == problem
    assert (ref.ecr_account, ref.ecr_region) == (None, None)


@pytest.mark.parametrize(
    "registry", ["public.ecr.aws", "ghcr.io", f"{ECR}.evil.example", "docker.io", "localhost:5000"]
)
def test_a_registry_not_shaped_like_ecr_is_not_judged_by_ecr_rules(registry: str) -> None:
    assert ecr_problem(registry) is None
