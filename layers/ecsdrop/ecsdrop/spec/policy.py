"""The installation's guardrails: what the platform team allows specs to do.

Configured once per installation (template parameters → the Load function's environment,
or a YAML file for ``ecsdrop validate --policy``) and enforced by the validator.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

CredentialPolicy = Literal["reject", "warn", "off"]
DEFAULT_MAX_BYTES = 256 * 1024  # a spec larger than this is refused unread


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
    def from_mapping(cls, settings: Mapping[str, Any]) -> Guardrails:
        """From a policy file's mapping (camelCase keys, as in the README)."""
        secret = str(settings.get("plaintextCredentials", "warn"))
        if secret not in ("reject", "warn", "off"):
            raise ValueError(f"plaintextCredentials must be reject, warn or off, not {secret!r}")
        privileged = settings.get("allowPrivileged", False)
        if not isinstance(privileged, bool):
            # bool("false") is True: a quoted "false" must not allow privileged containers.
            raise ValueError(f"allowPrivileged must be true or false, not {privileged!r}")
        return cls(
            allowed_role_arn_prefixes=_strings(settings.get("allowedRoleArnPrefixes")),
            allowed_registries=_strings(settings.get("allowedRegistries")),
            allow_privileged=privileged,
            plaintext_credentials=secret,  # type: ignore[arg-type]
            max_spec_bytes=int(settings.get("maxSpecBytes", DEFAULT_MAX_BYTES)),
        )

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Guardrails:
        """From the Load function's environment (comma-separated lists)."""
        return cls.from_mapping(
            {
                "allowedRoleArnPrefixes": _split(env.get("ALLOWED_ROLE_ARN_PREFIXES", "")),
                "allowedRegistries": _split(env.get("ALLOWED_REGISTRIES", "")),
                "allowPrivileged": env.get("ALLOW_PRIVILEGED", "false").lower() == "true",
                "plaintextCredentials": env.get("PLAINTEXT_CREDENTIALS", "warn"),
                "maxSpecBytes": env.get("MAX_SPEC_BYTES", str(DEFAULT_MAX_BYTES)),
            }
        )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(_split(value))
    return tuple(str(v) for v in value)
