"""The installation's guardrails: what the platform team allows specs to do.

Configured once per installation (template parameters → the Load function's environment,
or a YAML file for ``ecsdrop validate --policy``) and enforced by the validator.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ecsdrop.errors import PolicyError

CredentialPolicy = Literal["reject", "warn", "off"]
DEFAULT_MAX_BYTES = 256 * 1024  # a spec larger than this is refused unread
_PREFIXES = {"type": ["array", "string", "null"], "items": {"type": "string"}}
# What a policy mapping holds (lists may also be one comma-separated string); checked with
# the spec's own schema machinery, so its problems read like a spec's.
POLICY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "allowedRoleArnPrefixes": _PREFIXES,
        "allowedRegistries": _PREFIXES,
        "allowPrivileged": {"type": "boolean"},
        "plaintextCredentials": {"enum": ["reject", "warn", "off"]},
        "maxSpecBytes": {"type": "integer", "minimum": 1},
    },
}


@dataclass(frozen=True)
class Guardrails:
    """Empty allow-lists allow everything; the defaults refuse privileged containers."""

    allowed_role_arn_prefixes: tuple[str, ...] = ()
    allowed_registries: tuple[str, ...] = ()
    allow_privileged: bool = False
    plaintext_credentials: CredentialPolicy = "warn"
    max_spec_bytes: int = DEFAULT_MAX_BYTES

    def role_allowed(self, arn: str) -> bool:
        return not self.allowed_role_arn_prefixes or any(
            arn.startswith(prefix) for prefix in self.allowed_role_arn_prefixes
        )

    def registry_allowed(self, registry: str) -> bool:
        """Registries are host names; ``*.dkr.ecr.*.amazonaws.com`` style wildcards work."""
        return not self.allowed_registries or any(
            fnmatch.fnmatchcase(registry, pattern) for pattern in self.allowed_registries
        )

    @classmethod
    def from_mapping(cls, settings: Any) -> Guardrails:
        """From a policy file's mapping (camelCase keys, as in the README), or PolicyError
        with every unknown key and wrong value (a quoted "false" is no boolean: it must not
        allow privileged containers)."""
        # jsonschema costs an import: only reading a policy pays it.
        from ecsdrop.spec.schema import schema_problems  # noqa: PLC0415

        problems = schema_problems(settings, POLICY_SCHEMA)
        if problems:
            raise PolicyError(problems)
        return cls(
            allowed_role_arn_prefixes=_strings(settings.get("allowedRoleArnPrefixes")),
            allowed_registries=_strings(settings.get("allowedRegistries")),
            allow_privileged=settings.get("allowPrivileged", False),
            plaintext_credentials=settings.get("plaintextCredentials", "warn"),
            max_spec_bytes=settings.get("maxSpecBytes", DEFAULT_MAX_BYTES),
        )

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Guardrails:
        """From the Load function's environment (comma-separated lists)."""
        size = env.get("MAX_SPEC_BYTES", str(DEFAULT_MAX_BYTES))
        return cls.from_mapping(
            {
                "allowedRoleArnPrefixes": _split(env.get("ALLOWED_ROLE_ARN_PREFIXES", "")),
                "allowedRegistries": _split(env.get("ALLOWED_REGISTRIES", "")),
                "allowPrivileged": env.get("ALLOW_PRIVILEGED", "false").lower() == "true",
                "plaintextCredentials": env.get("PLAINTEXT_CREDENTIALS", "warn"),
                "maxSpecBytes": int(size) if size.strip().isdigit() else size,
            }
        )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _strings(value: list[str] | str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(_split(value))
    return tuple(value)
