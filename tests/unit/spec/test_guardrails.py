"""The installation's guardrails, read from a policy file's mapping or the environment."""

from __future__ import annotations

import pytest

from ecsdrop.spec import Guardrails
from ecsdrop.spec.images import parse_image


def test_a_policy_mapping_sets_every_guardrail() -> None:
    guardrails = Guardrails.from_mapping(
        {
            "allowedRoleArnPrefixes": ["arn:aws:iam::123456789012:role/app-"],
            "allowedRegistries": "*.dkr.ecr.*.amazonaws.com, public.ecr.aws",
            "allowPrivileged": True,
            "plaintextCredentials": "reject",
            "maxSpecBytes": 4096,
        }
    )

    assert guardrails == Guardrails(
        allowed_role_arn_prefixes=("arn:aws:iam::123456789012:role/app-",),
        allowed_registries=("*.dkr.ecr.*.amazonaws.com", "public.ecr.aws"),
        allow_privileged=True,
        plaintext_credentials="reject",
        max_spec_bytes=4096,
    )


def test_an_empty_policy_is_the_default() -> None:
    assert Guardrails.from_mapping({}) == Guardrails()


def test_the_environment_sets_every_guardrail() -> None:
    guardrails = Guardrails.from_environment(
        {
            "ALLOWED_ROLE_ARN_PREFIXES": "arn:aws:iam::123456789012:role/app-,",
            "ALLOWED_REGISTRIES": "",
            "ALLOW_PRIVILEGED": "TRUE",
            "PLAINTEXT_CREDENTIALS": "off",
            "MAX_SPEC_BYTES": "1000",
        }
    )

    assert guardrails.allowed_role_arn_prefixes == ("arn:aws:iam::123456789012:role/app-",)
    assert guardrails.allowed_registries == ()
    assert guardrails.allow_privileged is True
    assert guardrails.plaintext_credentials == "off"
    assert guardrails.max_spec_bytes == 1000


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"plaintextCredentials": "maybe"}, "plaintextCredentials must be reject, warn or off"),
        ({"allowPrivileged": "false"}, "allowPrivileged must be true or false"),
        ({"maxSpecBytes": "lots"}, "invalid literal"),
    ],
)
def test_a_policy_with_a_wrong_value_is_refused(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Guardrails.from_mapping(settings)


@pytest.mark.parametrize(
    ("registry", "allowed"),
    [
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com", True),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com", True),
        ("docker.io", False),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example", False),
    ],
)
def test_registry_wildcards_match_host_names(registry: str, allowed: bool) -> None:
    guardrails = Guardrails(allowed_registries=("*.dkr.ecr.*.amazonaws.com",))

    assert guardrails.registry_allowed(registry) is allowed


def test_empty_allow_lists_allow_everything() -> None:
    guardrails = Guardrails()

    assert guardrails.registry_allowed("docker.io")
    assert guardrails.role_allowed("arn:aws:iam::999999999999:role/anything")


def test_an_ecr_path_under_another_registry_is_not_ecr() -> None:
    ref = parse_image("evil.example/123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1")

    assert ref is not None
    assert not Guardrails(allowed_registries=("*.dkr.ecr.*.amazonaws.com",)).registry_allowed(
        ref.registry
    )
