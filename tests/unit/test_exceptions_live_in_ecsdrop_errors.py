"""The deployable code's exception classes are in one module, ecsdrop.errors, under one base."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil

import ecsdrop
import ecsdrop.errors
from ecsdrop.errors import EcsdropError
from tests.support.template import ROOT

# Exception classes that live elsewhere on purpose, each with its reason.
ELSEWHERE = {
    # the rollback's own signal that a change is already undone, never seen outside
    # rollback.py; left there while another branch reworks that file
    "ecsdrop.deploy.rollback.AlreadyAsBefore",
}


def exception_classes_outside_errors() -> set[str]:
    found = set()
    for module_info in pkgutil.walk_packages(ecsdrop.__path__, f"{ecsdrop.__name__}."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
                and module.__name__ != ecsdrop.errors.__name__
            ):
                found.add(f"{module.__name__}.{name}")
    return found


def test_the_layer_defines_exception_classes_only_in_ecsdrop_errors() -> None:
    assert exception_classes_outside_errors() == ELSEWHERE


def test_every_class_of_ecsdrop_errors_derives_from_ecsdrop_error() -> None:
    classes = [
        value
        for value in vars(ecsdrop.errors).values()
        if inspect.isclass(value) and value.__module__ == ecsdrop.errors.__name__
    ]
    assert len(classes) > 10
    assert [c.__name__ for c in classes if not issubclass(c, EcsdropError)] == []


def test_the_handlers_define_no_exception_classes() -> None:
    defined = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
        for path in sorted((ROOT / "functions").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(base, ast.Name | ast.Attribute)
            and ast.unparse(base).endswith(("Error", "Exception"))
            for base in node.bases
        )
    ]
    assert defined == []
