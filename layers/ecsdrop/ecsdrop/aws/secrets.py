"""Secrets Manager: the destinations secret's current value (adapter, no decisions)."""

from __future__ import annotations

from typing import Any

from ecsdrop.aws.errors import aws_call


class SecretsManagerSecret:
    def __init__(self, client: Any, secret_id: str) -> None:
        self._secrets = client
        self._secret_id = secret_id

    def read(self) -> str:
        with aws_call("secretsmanager:GetSecretValue"):
            response = self._secrets.get_secret_value(SecretId=self._secret_id)
        if "SecretString" in response:
            return str(response["SecretString"])
        return bytes(response["SecretBinary"]).decode("utf-8")
