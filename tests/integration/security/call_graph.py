"""Which AWS calls each Lambda function can make, read from the code without running it.

Every AWS call in the domain library sits inside ``with aws_call("service:Action")``. This
module follows the code from a handler (``functions/<step>/app.py``) through the functions
and methods it can reach, using the type annotations (the code is ``mypy --strict``) to
tell which class a method call lands on, and collects the labels of the ``aws_call``
blocks it meets. Unlike "every module the handler imports", this is precise enough to show
that, say, CheckRollout calls ``ecs:DescribeServices`` and nothing else.

What counts as reaching a function or method: calling it, or naming it as a value (a
callback such as ``partial(self._ec2.create_subnet, ...)`` or ``read_secret=secret.read``),
reading a property, or reading a module-level table whose values are functions or lambdas
(their parameters typed from the table's ``Callable[[...], ...]`` annotation). A label that
is not a literal is resolved from the literal arguments the callers pass, or from
``DYNAMIC_LABELS``; anything else is an error, so a new kind of label cannot slip by.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.template import ROOT

PACKAGE_ROOT = ROOT / "layers" / "ecsdrop"
PACKAGE = "ecsdrop"


def _ec2_describe_labels() -> set[str]:
    from ecsdrop.aws.ec2 import _KINDS, _action

    return {f"ec2:{_action(operation)}" for operation, _, _ in _KINDS.values()}


# Labels built at run time from a table the analysis cannot evaluate: the function's
# qualified name -> how to list every label it can produce.
DYNAMIC_LABELS: dict[str, Callable[[], set[str]]] = {
    "ecsdrop.aws.ec2.Ec2.find_tagged": _ec2_describe_labels,
}


@dataclass
class ClassInfo:
    qualname: str
    module: str
    node: ast.ClassDef
    bases: list[str] = field(default_factory=list)
    methods: dict[str, ast.FunctionDef] = field(default_factory=dict)
    attributes: dict[str, str | None] = field(default_factory=dict)  # name -> class qualname
    properties: set[str] = field(default_factory=set)


@dataclass
class ModuleInfo:
    name: str
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    tables: dict[str, ast.AnnAssign | ast.Assign] = field(default_factory=dict)


@dataclass
class Reached:
    """What a handler reaches: the functions (qualified names) and the AWS call labels."""

    functions: set[str]
    labels: set[str]


class UnresolvedLabelError(Exception):
    """An ``aws_call`` label the analysis cannot turn into literal strings."""


class Codebase:
    """The domain library and the handlers, parsed once."""

    def __init__(self, package_root: Path = PACKAGE_ROOT) -> None:
        self.modules: dict[str, ModuleInfo] = {}
        for path in sorted((package_root / PACKAGE).rglob("*.py")):
            parts = path.relative_to(package_root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            self._add(name, path)
        self.classes = {c.qualname: c for m in self.modules.values() for c in m.classes.values()}
        for info in self.classes.values():
            self._class_attributes(info)

    def add_handler(self, path: Path) -> str:
        """Parse a handler file as a module of its own; returns its module name."""
        name = "handler:" + str(path.relative_to(ROOT))
        self._add(name, path)
        return name

    def _add(self, name: str, path: Path) -> None:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        module = ModuleInfo(name, tree)
        for node in tree.body:
            if isinstance(node, ast.ImportFrom | ast.Import):
                module.imports.update(_imported_names(name, node))
            elif isinstance(node, ast.FunctionDef):
                module.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                info = ClassInfo(f"{name}.{node.name}", name, node)
                info.methods = {i.name: i for i in node.body if isinstance(i, ast.FunctionDef)}
                module.classes[node.name] = info
            elif isinstance(node, ast.AnnAssign | ast.Assign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        module.tables[target.id] = node
        self.modules[name] = module

    # ------------------------------------------------------------------ names and types

    def resolve(self, module: str, name: str) -> str | None:
        """The qualified name a bare name of ``module`` stands for (function, class, table)."""
        info = self.modules[module]
        if name in info.functions or name in info.classes or name in info.tables:
            return f"{module}.{name}"
        target = info.imports.get(name)
        if target is None:
            return None
        owner, _, attribute = target.rpartition(".")
        if owner not in self.modules or owner == module:
            return None
        return self.resolve(owner, attribute)  # defined there, or re-exported by it

    def annotation_class(self, module: str, node: ast.expr | None) -> str | None:
        """The ecsdrop class an annotation names (``X``, ``X | None``, ``Optional[X]``)."""
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return self.annotation_class(module, ast.parse(node.value, mode="eval").body)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.annotation_class(module, node.left) or self.annotation_class(
                module, node.right
            )
        if isinstance(node, ast.Subscript):
            return self.annotation_class(module, node.slice)
        if isinstance(node, ast.Name):
            qualname = self.resolve(module, node.id)
            return qualname if qualname in self.classes else None
        return None

    def _class_attributes(self, info: ClassInfo) -> None:
        info.bases = [
            base
            for base in (
                self.resolve(info.module, b.id) for b in info.node.bases if isinstance(b, ast.Name)
            )
            if base
        ]
        for item in info.node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                info.attributes[item.target.id] = self.annotation_class(
                    info.module, item.annotation
                )
        for name, method in info.methods.items():
            decorators = {_decorator_name(d) for d in method.decorator_list}
            if decorators & {"property", "cached_property"}:
                info.properties.add(name)
                info.attributes[name] = self.annotation_class(info.module, method.returns)
        init = info.methods.get("__init__")
        if init is not None:
            params = {
                a.arg: self.annotation_class(info.module, a.annotation) for a in _arguments(init)
            }
            for node in ast.walk(init):
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if _is_self_attribute(target):
                            assert isinstance(target, ast.Attribute)
                            kind = _initial_type(self, info.module, node, params)
                            info.attributes.setdefault(target.attr, kind)

    def lookup(self, class_name: str, member: str) -> tuple[ClassInfo, str] | None:
        """The class (this one or a base) defining ``member`` as a method or property."""
        pending = [class_name]
        while pending:
            info = self.classes.get(pending.pop(0))
            if info is None:
                continue
            if member in info.methods:
                return info, member
            pending.extend(info.bases)
        return None

    def attribute_type(self, class_name: str, member: str) -> str | None:
        pending = [class_name]
        while pending:
            info = self.classes.get(pending.pop(0))
            if info is None:
                continue
            if member in info.attributes:
                return info.attributes[member]
            pending.extend(info.bases)
        return None

    def function_node(self, qualname: str) -> tuple[str, ast.FunctionDef, str | None] | None:
        """(module, node, owning class) of a function or method by qualified name."""
        owner, _, name = qualname.rpartition(".")
        if owner in self.modules and name in self.modules[owner].functions:
            return owner, self.modules[owner].functions[name], None
        if owner in self.classes and name in self.classes[owner].methods:
            info = self.classes[owner]
            return info.module, info.methods[name], owner
        return None

    # ------------------------------------------------------------------ reachability

    def reach(self, handler_module: str, entry: str = "lambda_handler") -> Reached:
        walker = _Walker(self)
        walker.visit_function(f"{handler_module}.{entry}")
        walker.run()
        return Reached(set(walker.done), walker.labels())


def _imported_names(module: str, node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """Local name -> qualified name, for one import statement of ``module``."""
    if isinstance(node, ast.Import):
        return {alias.asname or alias.name: alias.name for alias in node.names}
    if not node.module:
        return {}
    source = node.module
    if node.level:
        package = module.rsplit(".", 1)[0] if "." in module else module
        source = package.rsplit(".", node.level - 1)[0] + "." + node.module
    return {alias.asname or alias.name: f"{source}.{alias.name}" for alias in node.names}


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _decorator_name(node.func)
    return ""


def _arguments(function: ast.FunctionDef | ast.Lambda) -> list[ast.arg]:
    args = function.args
    return [*args.posonlyargs, *args.args, *args.kwonlyargs]


def _is_self_attribute(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _initial_type(
    codebase: Codebase,
    module: str,
    node: ast.Assign | ast.AnnAssign,
    params: dict[str, str | None],
) -> str | None:
    if isinstance(node, ast.AnnAssign):
        return codebase.annotation_class(module, node.annotation)
    value = node.value
    if isinstance(value, ast.Name):
        return params.get(value.id)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        qualname = codebase.resolve(module, value.func.id)
        return qualname if qualname in codebase.classes else None
    return None


@dataclass
class _Scope:
    module: str
    owner: str | None  # the class of ``self``
    names: dict[str, str | None]  # local name -> class qualname
    function: str  # qualified name of the function being walked


class _Walker:
    def __init__(self, codebase: Codebase) -> None:
        self.codebase = codebase
        self.pending: list[tuple[str, _Scope, ast.AST]] = []
        self.done: set[str] = set()
        self.raw_labels: list[tuple[str, ast.expr, ast.FunctionDef | None]] = []
        # arguments callers pass: (callee, parameter) -> literal strings
        self.literal_arguments: dict[tuple[str, str], set[str]] = {}

    def visit_function(self, qualname: str, types: dict[str, str | None] | None = None) -> None:
        if qualname in self.done:
            return
        found = self.codebase.function_node(qualname)
        if found is None:
            self._visit_table(qualname)
            return
        self.done.add(qualname)
        module, node, owner = found
        names = {
            a.arg: self.codebase.annotation_class(module, a.annotation) for a in _arguments(node)
        }
        if owner is not None:
            names["self"] = owner
        names.update(types or {})
        self.pending.append((qualname, _Scope(module, owner, names, qualname), node))

    def _visit_table(self, qualname: str) -> None:
        """A module-level table (say, a dict of undo functions): everything it names is
        reachable, and its lambdas' parameters take the types its annotation gives them."""
        module, _, name = qualname.rpartition(".")
        table = self.codebase.modules.get(module, ModuleInfo("", ast.Module([], []))).tables.get(
            name
        )
        if table is None or qualname in self.done or table.value is None:
            return
        self.done.add(qualname)
        parameter_types: list[str | None] = []
        if isinstance(table, ast.AnnAssign):
            parameter_types = self._callable_parameters(module, table.annotation)
        for node in ast.walk(table.value):
            if isinstance(node, ast.Lambda):
                names = {
                    a.arg: (parameter_types[i] if i < len(parameter_types) else None)
                    for i, a in enumerate(_arguments(node))
                }
                self.pending.append((qualname, _Scope(module, None, names, qualname), node))
        self.pending.append((qualname, _Scope(module, None, {}, qualname), table.value))

    def _callable_parameters(self, module: str, annotation: ast.expr) -> list[str | None]:
        for node in ast.walk(annotation):
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Name)
                and node.value.id == "Callable"
                and isinstance(node.slice, ast.Tuple)
                and isinstance(node.slice.elts[0], ast.List)
            ):
                return [self.codebase.annotation_class(module, e) for e in node.slice.elts[0].elts]
        return []

    def run(self) -> None:
        while self.pending:
            _, scope, node = self.pending.pop()
            self._walk(scope, node)

    # ------------------------------------------------------------------ one body

    def _walk(self, scope: _Scope, root: ast.AST) -> None:
        statements = root.body if isinstance(root, ast.FunctionDef) else [root]
        for statement in statements:
            for node in _nodes_in_order(statement):
                if isinstance(node, ast.FunctionDef | ast.Lambda):  # a closure: same scope
                    for argument in _arguments(node):
                        scope.names.setdefault(
                            argument.arg,
                            self.codebase.annotation_class(
                                scope.module, getattr(argument, "annotation", None)
                            ),
                        )
                self._note_assignment(scope, node)
                self._note_reference(scope, node)
                if isinstance(node, ast.Call):
                    self._note_call(scope, node, root)

    def _note_assignment(self, scope: _Scope, node: ast.AST) -> None:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                scope.names[target.id] = self.type_of(scope, node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            scope.names[node.target.id] = self.codebase.annotation_class(
                scope.module, node.annotation
            ) or (self.type_of(scope, node.value) if node.value else None)
        elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
            scope.names[node.optional_vars.id] = self.type_of(scope, node.context_expr)

    def _note_reference(self, scope: _Scope, node: ast.AST) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in scope.names:
                return
            qualname = self.codebase.resolve(scope.module, node.id)
            if qualname is None:
                return
            if qualname in self.codebase.classes:
                init = self.codebase.lookup(qualname, "__init__")
                if init:
                    self.visit_function(f"{init[0].qualname}.__init__")
            else:
                self.visit_function(qualname)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            owner = self.type_of(scope, node.value)
            if owner is None:
                return
            found = self.codebase.lookup(owner, node.attr)
            if found is not None:
                self.visit_function(f"{found[0].qualname}.{found[1]}")

    def _note_call(self, scope: _Scope, call: ast.Call, root: ast.AST) -> None:
        callee = self._callee(scope, call.func)
        if callee is not None:
            self._note_literal_arguments(callee, call)
        if isinstance(call.func, ast.Name) and call.func.id == "aws_call" and call.args:
            function = root if isinstance(root, ast.FunctionDef) else None
            self.raw_labels.append((scope.function, call.args[0], function))

    def _callee(self, scope: _Scope, func: ast.expr) -> str | None:
        if isinstance(func, ast.Name):
            qualname = self.codebase.resolve(scope.module, func.id)
            return qualname if qualname and self.codebase.function_node(qualname) else None
        if isinstance(func, ast.Attribute):
            owner = self.type_of(scope, func.value)
            found = self.codebase.lookup(owner, func.attr) if owner else None
            return f"{found[0].qualname}.{found[1]}" if found else None
        return None

    def _note_literal_arguments(self, callee: str, call: ast.Call) -> None:
        found = self.codebase.function_node(callee)
        if found is None:
            return
        _, node, owner = found
        parameters = [a.arg for a in _arguments(node)]
        if owner is not None and parameters and parameters[0] == "self":
            parameters = parameters[1:]
        for i, argument in enumerate(call.args):
            if i < len(parameters) and _is_text(argument):
                assert isinstance(argument, ast.Constant)
                self.literal_arguments.setdefault((callee, parameters[i]), set()).add(
                    argument.value
                )
        for keyword in call.keywords:
            if keyword.arg and _is_text(keyword.value):
                assert isinstance(keyword.value, ast.Constant)
                self.literal_arguments.setdefault((callee, keyword.arg), set()).add(
                    keyword.value.value
                )

    # ------------------------------------------------------------------ types of expressions

    def type_of(self, scope: _Scope, node: ast.expr | None) -> str | None:
        if isinstance(node, ast.Name):
            if node.id in scope.names:
                return scope.names[node.id]
            qualname = self.codebase.resolve(scope.module, node.id)
            return qualname if qualname in self.codebase.classes else None
        if isinstance(node, ast.Attribute):
            owner = self.type_of(scope, node.value)
            return self.codebase.attribute_type(owner, node.attr) if owner else None
        if isinstance(node, ast.Call):
            return self._returns(scope, node.func)
        return None

    def _returns(self, scope: _Scope, func: ast.expr) -> str | None:
        if isinstance(func, ast.Name):
            qualname = self.codebase.resolve(scope.module, func.id)
            if qualname in self.codebase.classes:
                return qualname
        callee = self._callee(scope, func)
        found = self.codebase.function_node(callee) if callee else None
        if found is None:
            return None
        module, node, _ = found
        return self.codebase.annotation_class(module, node.returns)

    # ------------------------------------------------------------------ labels

    def labels(self) -> set[str]:
        labels: set[str] = set()
        for function, argument, _ in self.raw_labels:
            labels |= self._label_values(function, argument)
        return labels

    def _label_values(self, function: str, argument: ast.expr) -> set[str]:
        if _is_text(argument):
            assert isinstance(argument, ast.Constant)
            return {argument.value}
        if function in DYNAMIC_LABELS:
            return DYNAMIC_LABELS[function]()
        if isinstance(argument, ast.Name):
            values = self.literal_arguments.get((function, argument.id))
            if values:
                return set(values)
        if isinstance(argument, ast.JoinedStr):
            return self._formatted(function, argument)
        raise UnresolvedLabelError(f"{function}: aws_call({ast.unparse(argument)})")

    def _formatted(self, function: str, text: ast.JoinedStr) -> set[str]:
        results = {""}
        for part in text.values:
            if _is_text(part):
                assert isinstance(part, ast.Constant)
                results = {r + part.value for r in results}
                continue
            if not (isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name)):
                raise UnresolvedLabelError(f"{function}: aws_call({ast.unparse(text)})")
            values = self.literal_arguments.get((function, part.value.id))
            if not values:
                raise UnresolvedLabelError(f"{function}: aws_call({ast.unparse(text)})")
            results = {r + v for r in results for v in values}
        return results


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _nodes_in_order(root: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``root`` in source order (assignments before later uses); nested
    functions and lambdas are closures, walked as part of the function around them."""
    yield root
    for child in ast.iter_child_nodes(root):
        if isinstance(child, ast.ClassDef):
            continue
        yield from _nodes_in_order(child)
