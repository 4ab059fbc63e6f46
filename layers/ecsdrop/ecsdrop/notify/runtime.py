"""The notifier function's composition root: its settings and gateways, built once per
container on first use (never at import) from the function's environment."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ecsdrop.aws.clients import AwsClients
from ecsdrop.aws.secrets import SecretsManagerSecret
from ecsdrop.notify.delivery import Courier
from ecsdrop.notify.destinations import CachedDestinations
from ecsdrop.notify.notifier import Notifier
from ecsdrop.notify.once import OncePerDestination
from ecsdrop.notify.webhook import post_json
from ecsdrop.settings import from_environment


@dataclass(frozen=True)
class NotifierSettings:
    """Where the destinations live, and how long a read of them is trusted."""

    destinations_secret_arn: str
    destinations_cache_seconds: int = 60
    table_name: str = ""  # where each post is recorded once made (no table: at least once)


@dataclass
class NotifierRuntime:
    env: Mapping[str, str]
    clients: AwsClients = field(default_factory=AwsClients)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    @cached_property
    def settings(self) -> NotifierSettings:
        return from_environment(NotifierSettings, self.env)

    @cached_property
    def destinations(self) -> CachedDestinations:
        arn = self.settings.destinations_secret_arn
        secret = SecretsManagerSecret(self.clients.client("secretsmanager"), arn)
        return CachedDestinations(
            read_secret=secret.read,
            source=f"secret {arn}",
            max_age_seconds=self.settings.destinations_cache_seconds,
            clock=self.clock,
        )

    @cached_property
    def notifier(self) -> Notifier:
        courier = Courier(post=post_json, clock=self.clock, sleep=self.sleep)
        table = self.settings.table_name
        once = OncePerDestination(table, self.clients.client("dynamodb")) if table else None
        return Notifier(destinations=self.destinations, courier=courier, once=once)


_runtime: NotifierRuntime | None = None


def notifier_runtime(env: Mapping[str, str]) -> NotifierRuntime:
    """The container's NotifierRuntime, made on the first invocation; the secret it reads is
    cached for ``DESTINATIONS_CACHE_SECONDS`` across warm invocations."""
    global _runtime  # noqa: PLW0603 -- one per Lambda container, by design
    if _runtime is None:
        _runtime = NotifierRuntime(env)
    return _runtime
