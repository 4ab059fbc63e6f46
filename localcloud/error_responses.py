"""AWS error responses in each wire protocol, so every SDK parses the intended error code."""

from __future__ import annotations

import json
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class ErrorResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def send_error(
    start_response: Callable[..., Any], error: ErrorResponse, reason: str
) -> list[bytes]:
    """Answer a WSGI request with `error` (`reason` is the status line's text)."""
    headers = [*error.headers, ("Content-Length", str(len(error.body)))]
    start_response(f"{error.status} {reason}", headers)
    return [error.body]


def _cbor_head(major_type: int, length: int) -> bytes:
    if length < 24:
        return bytes([major_type << 5 | length])
    if length < 0x100:
        return bytes([major_type << 5 | 24, length])
    if length < 0x10000:
        return bytes([major_type << 5 | 25]) + struct.pack(">H", length)
    return bytes([major_type << 5 | 26]) + struct.pack(">I", length)


def cbor_text_map(values: dict[str, str]) -> bytes:
    """CBOR encoding of a map of text strings: all an RPCv2 error body needs."""
    encoded = _cbor_head(5, len(values))
    for key, value in values.items():
        for text in (key, value):
            raw = text.encode()
            encoded += _cbor_head(3, len(raw)) + raw
    return encoded


def _json_error(
    code: str, message: str, status: int, request_id: str, content_type: str
) -> ErrorResponse:
    body = json.dumps({"__type": code, "message": message}).encode()
    headers = [
        ("Content-Type", content_type),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", code),
        ("x-amzn-query-error", f"{code};Sender"),
    ]
    return ErrorResponse(status, headers, body)


def _cbor_error(code: str, message: str, status: int, request_id: str) -> ErrorResponse:
    headers = [
        ("Content-Type", "application/cbor"),
        ("smithy-protocol", "rpc-v2-cbor"),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-query-error", f"{code};Sender"),
    ]
    return ErrorResponse(status, headers, cbor_text_map({"__type": code, "message": message}))


def _xml_error(document: str, status: int, request_id: str) -> ErrorResponse:
    headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    return ErrorResponse(status, headers, document.encode())


def render_error(protocol: str, code: str, message: str, status: int) -> ErrorResponse:
    """The error `code` with `message` and HTTP `status`, as the protocol's services send it."""
    request_id = str(uuid.uuid4())
    code_xml, message_xml = escape(code), escape(message)
    if protocol == "json":
        return _json_error(code, message, status, request_id, "application/x-amz-json-1.1")
    if protocol == "rest-json":
        return _json_error(code, message, status, request_id, "application/json")
    if protocol == "smithy-rpc-v2-cbor":
        return _cbor_error(code, message, status, request_id)
    if protocol == "ec2":
        document = (
            f"<Response><Errors><Error><Code>{code_xml}</Code><Message>{message_xml}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return _xml_error(document, status, request_id)
    if protocol == "query":
        document = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code_xml}</Code>"
            f"<Message>{message_xml}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return _xml_error(document, status, request_id)
    document = (
        f"<Error><Code>{code_xml}</Code><Message>{message_xml}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    )
    return _xml_error(document, status, request_id)  # rest-xml (S3, Route 53, CloudFront)
