"""Each Lambda function is its own principal: it signs with temporary credentials of its execution
role, and the local cloud authorizes those calls against the role's policies, as AWS does.

`RoleSessions` issues the credentials through moto's STS (`AssumeRole` with the function's name
as the session name, so `sts get-caller-identity` inside a function answers
`arn:aws:sts::<account>:assumed-role/<role>/<function>`). `Authorizer` evaluates a request
signed with one of them against the role's inline and attached managed policies (AWS managed
ones included) read from moto's IAM, and renders a denial in the service's protocol. Calls signed
with any other credentials act as the account's administrator: nothing is checked.

This module holds everything that touches moto's IAM and STS internals; the policy language is
in iam_policy.py, what a request asks for in iam_requests.py.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import unquote

from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from localcloud.api_calls import ApiCall
from localcloud.error_responses import ErrorResponse, render_error
from localcloud.iam_policy import Check, ConditionContext, Decision, evaluate
from localcloud.iam_requests import ApiRequest, authorization_checks, read_request
from localcloud.metering import caller_of
from localcloud.middleware import peek_body

LOG = logging.getLogger("localcloud.iam")
_SESSION_SECONDS = 12 * 3600
# AWS answers these whatever the caller's policies say.
_NEVER_DENIED = frozenset({"sts:GetCallerIdentity"})
# The error each service answers a denied call with: (code, HTTP status).
_DENIAL_BY_SERVICE = {
    "s3": ("AccessDenied", 403),
    "ec2": ("UnauthorizedOperation", 403),
    "sns": ("AuthorizationError", 403),
    "sqs": ("AccessDenied", 403),
    "iam": ("AccessDenied", 403),
    "sts": ("AccessDenied", 403),
    "elasticloadbalancing": ("AccessDenied", 403),
    "cloudwatch": ("AccessDenied", 403),
    "cloudformation": ("AccessDenied", 403),
    "lambda": ("AccessDeniedException", 403),
}
_DENIAL_BY_PROTOCOL = {
    "query": ("AccessDenied", 403),
    "rest-json": ("AccessDeniedException", 403),
    "rest-xml": ("AccessDenied", 403),
}
_DEFAULT_DENIAL = ("AccessDeniedException", 400)  # JSON services: ECS, DynamoDB, Step Functions…


class RoleCredentials(NamedTuple):
    access_key_id: str
    secret_access_key: str
    session_token: str


@dataclass(frozen=True)
class RoleSession:
    role_arn: str
    session_name: str
    arn: str  # arn:aws:sts::<account>:assumed-role/<role>/<session>


class RoleSessions:
    """Temporary credentials of a role for a function, issued once per (function, role)."""

    def __init__(self, account_id: str, region: str, partition: str) -> None:
        self._account_id = account_id
        self._region = region
        self._partition = partition
        self._issued: dict[tuple[str, str], RoleCredentials] = {}
        self._sessions: dict[str, RoleSession] = {}
        self._lock = threading.Lock()

    def credentials_for(self, function_name: str, role_arn: str) -> RoleCredentials:
        with self._lock:
            issued = self._issued.get((function_name, role_arn))
            if issued is not None:
                return issued
            assumed = sts_backends[self._account_id][self._partition].assume_role(
                region_name=self._region,
                role_session_name=function_name[:64],
                role_arn=role_arn,
                policy="",
                duration=_SESSION_SECONDS,
                external_id="",
            )
            credentials = RoleCredentials(
                assumed.access_key_id, assumed.secret_access_key, assumed.session_token
            )
            self._issued[(function_name, role_arn)] = credentials
            self._sessions[assumed.access_key_id] = RoleSession(
                role_arn, assumed.session_name, assumed.arn
            )
            return credentials

    def session_of(self, access_key_id: str) -> RoleSession | None:
        """The role session an access key id was issued for; None for any other key."""
        with self._lock:
            return self._sessions.get(access_key_id)


class Authorizer:
    """Decides requests signed with a role session's credentials; others pass unchecked."""

    def __init__(self, sessions: RoleSessions, account_id: str, partition: str) -> None:
        self._sessions = sessions
        self._account_id = account_id
        self._partition = partition

    def __call__(self, environ: dict[str, Any], call: ApiCall) -> ErrorResponse | None:
        """None when the call may go on; else the service's access-denied answer."""
        session = self._sessions.session_of(caller_of(environ))
        if session is None or call.name in _NEVER_DENIED:
            return None
        body = peek_body(environ) if _reads_body(call) else b""
        request = read_request(environ, call.name, call.protocol, body, self._account_id)
        documents = self.policies_of(session.role_arn)
        known = _principal_context(session, request)
        for asked in authorization_checks(request):
            check = Check(asked.action, asked.resource, known.merged(asked.context))
            decision = evaluate(documents, check)
            if decision is not Decision.ALLOWED:
                return _denial(call.protocol, request.service, session, check, decision)
        return None

    def policies_of(self, role_arn: str) -> list[Mapping[str, Any]]:
        """The role's identity-based policy documents: inline, then attached managed ones."""
        backend = iam_backends[self._account_id][self._partition]
        try:
            role = backend.get_role_by_arn(role_arn)
        except NotFoundException:
            return []  # a role that does not exist allows nothing
        texts = list(role.policies.values())
        for policy in list(role.managed_policies.values()):
            texts += [version.document for version in policy.versions if version.is_default]
        return [_document(text) for text in texts]

    def refusal(self, role_arn: str, principal: str, checks: list[Check]) -> str | None:
        """Why a service (``principal``: scheduler.amazonaws.com, ecs.amazonaws.com) may not
        act as ``role_arn`` for ``checks``, or None when it may: the role exists, its trust
        policy lets the service assume it, and its policies allow every check."""
        backend = iam_backends[self._account_id][self._partition]
        try:
            role = backend.get_role_by_arn(role_arn)
        except NotFoundException:
            return f"role {role_arn} does not exist"
        if not trusts(role.assume_role_policy_document, principal):
            return f"role {role_arn} does not trust {principal}"
        documents = self.policies_of(role_arn)
        for check in checks:
            if evaluate(documents, check) is not Decision.ALLOWED:
                resource = ", ".join(check.resource or ("*",))
                return f"{role_arn} is not authorized to perform {check.action} on {resource}"
        return None


def trusts(document: Any, principal: str) -> bool:
    """Whether a trust policy lets the service ``principal`` assume the role."""
    policy = json.loads(document) if isinstance(document, str) else document or {}
    statements = policy.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        given = statement.get("Principal") or {}
        services = given.get("Service", []) if isinstance(given, dict) else []
        services = [services] if isinstance(services, str) else services
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if (
            statement.get("Effect") == "Allow"
            and principal in services
            and any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions)
        ):
            return True
    return False


def _reads_body(call: ApiCall) -> bool:
    """Whether authorizing the call needs its body: REST-XML (S3) calls are told by their
    path, except a batch delete; an object upload is not read twice."""
    if call.protocol == "rest-xml":
        return call.name.endswith(":DeleteObjects")
    return call.protocol != "smithy-rpc-v2-cbor"


def _document(text: Any) -> Mapping[str, Any]:
    if isinstance(text, Mapping):
        return text
    for candidate in (str(text), unquote(str(text))):
        try:
            document = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(document, Mapping):
            return document
    return {}


def _principal_context(session: RoleSession, request: ApiRequest) -> ConditionContext:
    return ConditionContext(
        {
            "aws:securetransport": ("true",),  # SDK calls to AWS are TLS
            "aws:principalarn": (session.role_arn,),
            "aws:principalaccount": (request.account,),
            "aws:principaltype": ("AssumedRole",),
            "aws:requestedregion": (request.region,),
        }
    )


def _denial(
    protocol: str, service: str, session: RoleSession, check: Check, decision: Decision
) -> ErrorResponse:
    code, status = _DENIAL_BY_SERVICE.get(service) or _DENIAL_BY_PROTOCOL.get(
        protocol, _DEFAULT_DENIAL
    )
    reason = (
        "with an explicit deny in an identity-based policy"
        if decision is Decision.EXPLICIT_DENY
        else f"because no identity-based policy allows the {check.action} action"
    )
    message = (
        f"User: {session.arn} is not authorized to perform: {check.action} "
        f"on resource: {check.resource_text} {reason}"
    )
    LOG.info("denied: %s", message)
    if service == "ec2":
        message = f"You are not authorized to perform this operation. {message}"
    return render_error(protocol, code, message, status)
