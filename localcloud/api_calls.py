"""Which AWS API call an HTTP request is (`ecs:UpdateService`), and in which wire protocol.

The service comes from the SigV4 credential scope (every SDK and the CLI sign, even against a
local endpoint); the action from the protocol: `X-Amz-Target` (JSON), the `Action` parameter
(query, EC2), the Smithy RPCv2 path (CBOR), or the botocore model's HTTP bindings (REST).
"""

from __future__ import annotations

import functools
import io
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import botocore.session

# IAM action prefixes that differ from the SigV4 signing name.
_IAM_PREFIX_BY_SIGNING_NAME = {"monitoring": "cloudwatch"}
# botocore model names that differ from the signing name.
_MODEL_BY_SIGNING_NAME = {
    "states": "stepfunctions",
    "monitoring": "cloudwatch",
    "email": "ses",
    "execute-api": "apigateway",
}
_ELB_CLASSIC_VERSION = "2012-06-01"
_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")


@dataclass(frozen=True)
class ApiCall:
    name: str  # "service:Action"
    protocol: str  # json, query, ec2, rest-json, rest-xml, smithy-rpc-v2-cbor


def _signing_name(environ: dict[str, Any]) -> str | None:
    credential = None
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        credential = match.group(1)
    else:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        credential = (query.get("X-Amz-Credential") or [None])[0]
    if not credential:
        return None
    parts = credential.split("/")
    return parts[3].lower() if len(parts) >= 5 else None


def _form_parameters(environ: dict[str, Any]) -> dict[str, list[str]]:
    """Query-protocol parameters (body or query string); the body is put back for moto."""
    parameters = parse_qs(environ.get("QUERY_STRING", ""))
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        parameters.update(parse_qs(body.decode("utf-8", errors="replace")))
    return parameters


@dataclass(frozen=True)
class _RestOperation:
    name: str
    method: str
    path: re.Pattern[str]
    required_query: tuple[tuple[str, str | None], ...]
    required_headers: tuple[str, ...]
    literal_length: int

    @classmethod
    def from_model(cls, operation: Any) -> _RestOperation:
        http = operation.http
        uri_path, _, uri_query = http.get("requestUri", "/").partition("?")
        pieces = re.split(r"(\{[^}]+\})", uri_path)
        regex = "".join(
            ("(.+)" if piece.endswith("+}") else "([^/]+)")
            if piece.startswith("{")
            else re.escape(piece)
            for piece in pieces
        )
        required = []
        for item in filter(None, uri_query.split("&")):
            key, has_value, value = item.partition("=")
            required.append((key, value if has_value else None))
        headers = []
        shape = operation.input_shape
        for member in shape.required_members if shape is not None else []:
            binding = shape.members[member].serialization
            if binding.get("location") == "querystring":
                required.append((binding.get("name", member), None))
            elif binding.get("location") == "header":
                headers.append("HTTP_" + binding.get("name", member).upper().replace("-", "_"))
        literal_length = sum(len(piece) for piece in pieces if not piece.startswith("{"))
        return cls(
            operation.name,
            http.get("method", "POST"),
            re.compile(regex.rstrip("/") + "/?"),
            tuple(required),
            tuple(headers),
            literal_length,
        )

    def score(self, environ: dict[str, Any], path: str, query: dict[str, list[str]]) -> int:
        """How specifically this operation matches the request; -1 when it does not."""
        if environ.get("REQUEST_METHOD") != self.method or not self.path.fullmatch(path):
            return -1
        for key, value in self.required_query:
            if key not in query or (value is not None and value not in query[key]):
                return -1
        if not all(header in environ for header in self.required_headers):
            return -1
        specificity = len(self.required_query) + len(self.required_headers)
        return specificity * 1000 + self.literal_length


class _RestOperationIndex:
    """Matches REST requests to operations using botocore's `requestUri` templates."""

    def __init__(self) -> None:
        self._by_model: dict[str, list[_RestOperation]] = {}
        self._lock = threading.Lock()

    def operation(
        self, model_name: str, environ: dict[str, Any], query: dict[str, list[str]]
    ) -> str:
        operations = self._operations(model_name)
        # botocore names S3 object operations itself in an `x-id` query parameter.
        named = (query.get("x-id") or [""])[0]
        if named and any(op.name == named for op in operations):
            return named
        path = environ.get("PATH_INFO", "/")
        best_name, best_score = "Unknown", -1
        for operation in operations:  # on a tie the first in model order wins (ListBuckets)
            score = operation.score(environ, path, query)
            if score > best_score:
                best_name, best_score = operation.name, score
        return best_name

    def _operations(self, model_name: str) -> list[_RestOperation]:
        with self._lock:
            if model_name not in self._by_model:
                self._by_model[model_name] = self._load(model_name)
            return self._by_model[model_name]

    @staticmethod
    def _load(model_name: str) -> list[_RestOperation]:
        model = _service_model(model_name)
        if model is None:
            return []
        return [
            _RestOperation.from_model(model.operation_model(name)) for name in model.operation_names
        ]


_REST_INDEX = _RestOperationIndex()


@functools.cache
def _service_model(model_name: str) -> Any:
    """botocore's model of a service (loaded once; None for a name botocore does not know)."""
    try:
        return botocore.session.get_session().get_service_model(model_name)
    except Exception:  # noqa: BLE001 - an unknown service is simply not matched
        return None


def _model_protocol(model_name: str) -> str:
    model = _service_model(model_name)
    return str(model.resolved_protocol) if model is not None else "rest-json"


def identify_call(environ: dict[str, Any]) -> ApiCall | None:
    """The `service:Action` of a signed AWS request, or None for anything else."""
    signing_name = _signing_name(environ)
    if signing_name is None:
        return None
    prefix = _IAM_PREFIX_BY_SIGNING_NAME.get(signing_name, signing_name)
    path = environ.get("PATH_INFO", "/")
    target = environ.get("HTTP_X_AMZ_TARGET")
    if environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor":
        return ApiCall(f"{prefix}:{path.rsplit('/', 1)[-1]}", "smithy-rpc-v2-cbor")
    if target:
        return ApiCall(f"{prefix}:{target.rsplit('.', 1)[-1]}", "json")
    parameters = _form_parameters(environ)
    if "Action" in parameters:
        protocol = "ec2" if signing_name == "ec2" else "query"
        return ApiCall(f"{prefix}:{parameters['Action'][0]}", protocol)
    model_name = _MODEL_BY_SIGNING_NAME.get(signing_name, signing_name)
    if signing_name == "elasticloadbalancing":
        classic = parameters.get("Version", [""])[0] == _ELB_CLASSIC_VERSION
        model_name = "elb" if classic else "elbv2"
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    operation = _REST_INDEX.operation(model_name, environ, query)
    return ApiCall(f"{prefix}:{operation}", _model_protocol(model_name))
