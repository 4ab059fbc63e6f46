"""The installation's guardrails, read from a policy file's mapping or the environment."""

from __future__ import annotations

import pytest

from ecsdrop.errors import PolicyError
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
    ("settings", "problem"),
    [
        (
            {"plaintextCredentials": "maybe"},
            'plaintextCredentials: "maybe" is not one of: reject, warn, off',
        ),
        # bool("false") is True: a quoted "false" must not allow privileged containers.
        (
            {"allowPrivileged": "false"},
            'allowPrivileged: expected true or false, got a string "false"',
        ),
        ({"maxSpecBytes": "lots"}, 'maxSpecBytes: expected an integer, got a string "lots"'),
        ({"maxSpecBytes": 0}, "maxSpecBytes: 0 must be at least 1"),
        (
            {"allowedRegistries": {"ecr": True}},
            "allowedRegistries: expected a list or a string or null, got a mapping",
        ),
        (
            {"allowedRoleArnPrefixes": ["arn:aws:iam::123456789012:role/app-", 7]},
            'allowedRoleArnPrefixes[1]: expected a string, got an integer 7; quote it: "7"',
        ),
    ],
)
def test_a_policy_with_a_wrong_value_is_refused_naming_the_key(
    settings: dict[str, object], problem: str
) -> None:
    with pytest.raises(PolicyError) as refused:
        Guardrails.from_mapping(settings)

    assert [p.describe() for p in refused.value.problems] == [problem]


def test_an_unknown_policy_key_is_refused_with_the_key_it_resembles() -> None:
    with pytest.raises(PolicyError) as refused:
        Guardrails.from_mapping({"allowPrivilged": True, "allowedRegistry": "public.ecr.aws"})

    assert sorted(p.describe() for p in refused.value.problems) == [
        "allowPrivilged: unknown field 'allowPrivilged'; did you mean 'allowPrivileged'?",
        "allowedRegistry: unknown field 'allowedRegistry'; did you mean 'allowedRegistries'?",
    ]


def test_a_size_in_the_environment_that_is_no_number_is_refused_naming_the_key() -> None:
    with pytest.raises(PolicyError, match='maxSpecBytes: expected an integer, got a string "1k"'):
        Guardrails.from_environment({"MAX_SPEC_BYTES": "1k"})


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
