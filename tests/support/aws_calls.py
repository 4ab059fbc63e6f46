"""Every AWS call the domain library makes, read from its code (AST, not text search).

Every call sits inside ``with aws_call("<service>:<Action>")`` (ecsdrop/aws/errors.py). The
label names the call the way IAM and the local cloud's fault injection do
(``elasticloadbalancing:CreateRule``, ``states:StartExecution``), so the fault matrix can
inject a fault on exactly the call the code makes. A label is read when it is

- a string literal (``aws_call("ecs:CreateService")``; text after a space is a note:
  ``"dynamodb:Query GSI1"`` is ``dynamodb:Query``);
- a parameter of the enclosing function, which every caller in the module passes as a
  literal (``self._send("states:SendTaskSuccess", ...)``);
- built from a table, for the functions listed in ``TABLE_LABELS``.

Anything else is an ``UnreadableLabel`` error: a call the matrix cannot see must not slip by.
Each label is checked against botocore's model: the service prefix must be the name the
local cloud gives the request (the SigV4 signing name) and the action one of its operations.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import botocore.session

from tests.support.template import ROOT

PACKAGE = ROOT / "layers" / "ecsdrop" / "ecsdrop"


def _ec2_describe_labels() -> set[str]:
    from ecsdrop.aws.ec2 import _KINDS, _action

    return {f"ec2:{_action(operation)}" for operation, _, _ in _KINDS.values()}


# Functions whose label is built from a module table at run time: (file, function) -> labels.
TABLE_LABELS: dict[tuple[str, str], Callable[[], set[str]]] = {
    ("aws/ec2.py", "find_tagged"): _ec2_describe_labels,
}
# IAM prefixes whose botocore model has another name.
_MODEL_OF_PREFIX = {
    "elasticloadbalancing": "elbv2",
    "states": "stepfunctions",
    "tagging": "resourcegroupstaggingapi",
}


class UnreadableLabel(Exception):
    """An ``aws_call`` label that is not a literal the enumeration can read."""


@dataclass(frozen=True)
class AwsCallSite:
    call: str  # "service:Action"
    file: str  # relative to the package, e.g. "aws/ecs.py"
    line: int
    function: str


def aws_call_sites(package: Path = PACKAGE) -> list[AwsCallSite]:
    """Every ``aws_call`` block of the package, with the call it names (a block whose label
    is a parameter appears once per label its callers pass)."""
    sites = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for function, call in _aws_calls_in(tree):
            for label in _labels(tree, relative, function, call):
                sites.append(AwsCallSite(normalise(label), relative, call.lineno, function.name))
    return sites


def aws_calls(package: Path = PACKAGE) -> set[str]:
    return {site.call for site in aws_call_sites(package)}


def normalise(label: str) -> str:
    """``"dynamodb:Query GSI1"`` -> ``"dynamodb:Query"``, checked against botocore's model."""
    call = label.split(maxsplit=1)[0] if label.strip() else label
    service, _, action = call.partition(":")
    model = _service_model(_MODEL_OF_PREFIX.get(service, service))
    if model is None:
        raise UnreadableLabel(f"{label!r}: no AWS service {service!r}")
    signing_name = model.metadata.get("signingName") or model.metadata["endpointPrefix"]
    if signing_name != service:
        raise UnreadableLabel(f"{label!r}: the local cloud names this service {signing_name!r}")
    if action not in model.operation_names:
        raise UnreadableLabel(f"{label!r}: {service} has no operation {action!r}")
    return call


@cache
def _service_model(name: str) -> object | None:
    session = botocore.session.get_session()
    if name not in session.get_available_services():
        return None
    return session.get_service_model(name)


def _aws_calls_in(tree: ast.Module) -> Iterator[tuple[ast.FunctionDef, ast.Call]]:
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "aws_call"
                and _innermost_function(function, node)
            ):
                yield function, node


def _innermost_function(function: ast.FunctionDef, target: ast.AST) -> bool:
    """Whether ``target`` belongs to ``function`` itself, not to a function nested in it."""
    for child in ast.iter_child_nodes(function):
        for node in ast.walk(child):
            if isinstance(node, ast.FunctionDef) and any(n is target for n in ast.walk(node)):
                return False
    return True


def _labels(tree: ast.Module, relative: str, function: ast.FunctionDef, call: ast.Call) -> set[str]:
    where = f"{relative}:{call.lineno} ({function.name})"
    if not call.args:
        raise UnreadableLabel(f"{where}: aws_call() without a label")
    label = call.args[0]
    if isinstance(label, ast.Constant) and isinstance(label.value, str):
        return {label.value}
    if (relative, function.name) in TABLE_LABELS:
        return TABLE_LABELS[(relative, function.name)]()
    if isinstance(label, ast.Name):
        passed = _literals_passed(tree, function, label.id)
        if passed:
            return passed
    raise UnreadableLabel(
        f"{where}: aws_call({ast.unparse(label)}) - write the label as a literal "
        "(or pass it as one), so the fault matrix sees the call"
    )


def _literals_passed(tree: ast.Module, function: ast.FunctionDef, parameter: str) -> set[str]:
    """The literal values the module's calls of ``function`` pass as ``parameter``; empty when
    it is not a parameter or some caller passes something else."""
    names = [a.arg for a in [*function.args.posonlyargs, *function.args.args]]
    if parameter not in names:
        return set()
    position = names.index(parameter) - (1 if names and names[0] == "self" else 0)
    values: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _calls(node, function.name)):
            continue
        argument = next((k.value for k in node.keywords if k.arg == parameter), None)
        if argument is None and position < len(node.args):
            argument = node.args[position]
        if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
            return set()
        values.add(argument.value)
    return values


def _calls(node: ast.Call, name: str) -> bool:
    func = node.func
    return (isinstance(func, ast.Name) and func.id == name) or (
        isinstance(func, ast.Attribute) and func.attr == name
    )


# --------------------------------------------------------------------------- unlabelled calls


@dataclass(frozen=True)
class UnlabelledCall:
    file: str
    line: int
    code: str


def unlabelled_client_calls(package: Path = PACKAGE) -> list[UnlabelledCall]:
    """Calls on an adapter's boto3 client (``self._ecs.create_service(...)``) made outside an
    ``aws_call`` block: invisible to the enumeration, so to the fault matrix."""
    found = []
    for path in sorted((package / "aws").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        clients = _client_attributes(tree)
        covered = _nodes_inside_aws_call(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _uses_client(node, clients) and node not in covered:
                relative = path.relative_to(package).as_posix()
                found.append(UnlabelledCall(relative, node.lineno, ast.unparse(node)))
    return found


def _client_attributes(tree: ast.Module) -> set[str]:
    """``self._x`` attributes an adapter sets from its ``client`` constructor argument."""
    attributes = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "__init__":
            for statement in ast.walk(node):
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.value, ast.Name)
                    and statement.value.id in ("client", "dynamodb", "s3")
                ):
                    targets = statement.targets
                    attributes |= {t.attr for t in targets if isinstance(t, ast.Attribute)}
    return attributes


def _uses_client(node: ast.Call, clients: set[str]) -> bool:
    func = node.func
    if isinstance(func, ast.Attribute):
        owner = func.value
    elif isinstance(func, ast.Name) and func.id == "getattr" and node.args:
        owner = node.args[0]
    else:
        return False
    return (
        isinstance(owner, ast.Attribute)
        and isinstance(owner.value, ast.Name)
        and owner.value.id == "self"
        and owner.attr in clients
    )


def _nodes_inside_aws_call(tree: ast.Module) -> set[ast.AST]:
    inside: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.With) and any(
            isinstance(item.context_expr, ast.Call)
            and isinstance(item.context_expr.func, ast.Name)
            and item.context_expr.func.id == "aws_call"
            for item in node.items
        ):
            for statement in node.body:
                inside |= set(ast.walk(statement))
    return inside
