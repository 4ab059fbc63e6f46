"""The spec bucket: specs in, status objects out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ecsdrop.aws.errors import aws_call
from ecsdrop.errors import NotFoundError, SpecError
from ecsdrop.spec.problems import Problem

STATUS_PREFIX = "status/"


@dataclass(frozen=True)
class SpecObject:
    key: str
    version_id: str | None
    body: bytes
    last_modified: str
    uploader: str | None


@dataclass(frozen=True)
class CurrentVersion:
    deleted: bool
    version_id: str | None


class SpecBucket:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self.name = bucket

    def read(self, key: str, version_id: str | None, max_bytes: int) -> SpecObject:
        """The spec at exactly this version; an oversized object is refused before reading it."""
        version = {"VersionId": version_id} if version_id else {}
        with aws_call("s3:HeadObject"):
            head = self._s3.head_object(Bucket=self.name, Key=key, **version)
        size = int(head.get("ContentLength", 0))
        if size > max_bytes:
            raise SpecError(
                [Problem((), f"the file is {size} bytes; a spec may be at most {max_bytes} bytes")]
            )
        with aws_call("s3:GetObject"):
            response = self._s3.get_object(Bucket=self.name, Key=key, **version)
            body = response["Body"].read(max_bytes + 1)
        return SpecObject(
            key=key,
            version_id=response.get("VersionId") or version_id,
            body=body,
            last_modified=response["LastModified"].isoformat(),
            uploader=response.get("Metadata", {}).get("uploader"),
        )

    def current_version(self, key: str) -> CurrentVersion:
        """The newest version of ``key``: its id (None in an unversioned bucket), or that
        the key is deleted (its newest version is a delete marker, or there is none)."""
        try:
            with aws_call("s3:HeadObject"):
                head = self._s3.head_object(Bucket=self.name, Key=key)
        except NotFoundError:
            return CurrentVersion(deleted=True, version_id=None)
        version = head.get("VersionId")
        return CurrentVersion(False, str(version) if version and version != "null" else None)

    def write_status(self, service: str, status: dict[str, Any]) -> str:
        key = f"{STATUS_PREFIX}{service}.json"
        with aws_call("s3:PutObject"):
            self._s3.put_object(
                Bucket=self.name,
                Key=key,
                Body=json.dumps(status, indent=2, sort_keys=True).encode(),
                ContentType="application/json",
            )
        return key

    def read_status(self, service: str) -> dict[str, Any] | None:
        try:
            with aws_call("s3:GetObject"):
                body = self._s3.get_object(Bucket=self.name, Key=f"{STATUS_PREFIX}{service}.json")[
                    "Body"
                ].read()
        except NotFoundError:
            return None
        status: dict[str, Any] = json.loads(body)
        return status
