"""IAM identity-based policy evaluation: statements, wildcards and the conditions known here.

A request is one or more `Check`s (an IAM action, the resource it acts on when it can be told,
and the condition values known for it); each must be allowed. As in IAM: an explicit Deny wins,
no Allow is an implicit deny; actions match case-insensitively with `*` and `?`, resources
case-sensitively. A resource that cannot be told (`resource is None`) matches every
`Resource`/`NotResource`; a condition key whose value is not known here counts as satisfied,
and so does an operator this module does not evaluate (dates, IP addresses, binary).
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class Decision(enum.Enum):
    ALLOWED = "allowed"
    IMPLICIT_DENY = "implicit deny"
    EXPLICIT_DENY = "explicit deny"


@dataclass(frozen=True)
class ConditionContext:
    """Condition values of a request, by lower-case key. A key listed with no values is known
    to be absent; so is every key under one of `complete_prefixes` that is not listed (the
    request's tags were read, and it has no such tag). Any other key is unknown."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    complete_prefixes: tuple[str, ...] = ()

    def lookup(self, key: str) -> tuple[str, ...] | None:
        """The key's values (empty: absent), or None when unknown here."""
        key = key.lower()
        if key in self.values:
            return self.values[key]
        if any(key.startswith(prefix) for prefix in self.complete_prefixes):
            return ()
        return None

    def merged(self, other: ConditionContext) -> ConditionContext:
        return ConditionContext(
            {**self.values, **other.values}, self.complete_prefixes + other.complete_prefixes
        )


@dataclass(frozen=True)
class Check:
    """One authorization: `action` on `resource` (alternative ARNs for the same resource, any of
    which may match; None when it cannot be told) with what is known of its conditions."""

    action: str
    resource: tuple[str, ...] | None
    context: ConditionContext = field(default_factory=ConditionContext)

    @property
    def resource_text(self) -> str:
        return self.resource[0] if self.resource else "*"


def evaluate(documents: Iterable[Mapping[str, Any]], check: Check) -> Decision:
    """What identity-based policy `documents` decide for `check`."""
    allowed = False
    for document in documents:
        for statement in _listed(document.get("Statement")):
            if not isinstance(statement, Mapping) or not _applies(statement, check):
                continue
            if statement.get("Effect") == "Deny":
                return Decision.EXPLICIT_DENY
            if statement.get("Effect") == "Allow":
                allowed = True
    return Decision.ALLOWED if allowed else Decision.IMPLICIT_DENY


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _applies(statement: Mapping[str, Any], check: Check) -> bool:
    if "NotAction" in statement:
        if _action_matches(statement["NotAction"], check.action):
            return False
    elif not _action_matches(statement.get("Action"), check.action):
        return False
    if "NotResource" in statement:
        if check.resource is not None and _resource_matches(
            statement["NotResource"], check.resource
        ):
            return False
    elif check.resource is not None and not _resource_matches(
        statement.get("Resource"), check.resource
    ):
        return False
    return conditions_hold(statement.get("Condition") or {}, check.context)


def _action_matches(patterns: Any, action: str) -> bool:
    return any(
        _glob(str(pattern).lower()).fullmatch(action.lower()) for pattern in _listed(patterns)
    )


def _resource_matches(patterns: Any, candidates: Sequence[str]) -> bool:
    return any(
        _glob(str(pattern)).fullmatch(candidate)
        for pattern in _listed(patterns)
        for candidate in candidates
    )


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    """IAM wildcards: `*` any run of characters, `?` one character, nothing else special."""
    return re.compile("".join(_GLOB_PARTS.get(char, re.escape(char)) for char in pattern), re.S)


_GLOB_PARTS = {"*": ".*", "?": "."}


# -- conditions ----------------------------------------------------------------------------------


def conditions_hold(block: Mapping[str, Any], context: ConditionContext) -> bool:
    """Every operator and key of a statement's Condition block holds (unknown ones do)."""
    for operator, keys in block.items():
        if not isinstance(keys, Mapping):
            continue
        for key, expected in keys.items():
            if not _condition_holds(str(operator), str(key), _listed(expected), context):
                return False
    return True


def _condition_holds(
    operator: str, key: str, expected: list[Any], context: ConditionContext
) -> bool:
    actual = context.lookup(key)
    if actual is None:
        return True
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if base == "Null":
        wants_absent = any(str(value).lower() == "true" for value in expected)
        return (not actual) == wants_absent
    negated = "Not" in base
    compare = _COMPARISONS.get(base.replace("Not", "", 1))
    if compare is None:
        return True  # an operator not evaluated here counts as satisfied
    if not actual:
        if if_exists or qualifier == "ForAllValues":
            return True
        return negated and qualifier != "ForAnyValue"
    matches = [any(compare(value, str(e)) for e in expected) for value in actual]
    if negated:
        matches = [not match for match in matches]
    return all(matches) if qualifier == "ForAllValues" else any(matches)


def _string_like(value: str, pattern: str) -> bool:
    return _glob(pattern).fullmatch(value) is not None


def _numeric(compare: str) -> Any:
    def holds(value: str, expected: str) -> bool:
        try:
            left, right = float(value), float(expected)
        except ValueError:
            return False
        return {
            "eq": left == right,
            "lt": left < right,
            "le": left <= right,
            "gt": left > right,
            "ge": left >= right,
        }[compare]

    return holds


_COMPARISONS: dict[str, Any] = {
    "StringEquals": lambda value, expected: value == expected,
    "StringEqualsIgnoreCase": lambda value, expected: value.lower() == expected.lower(),
    "StringLike": _string_like,
    "ArnEquals": _string_like,
    "ArnLike": _string_like,
    "Bool": lambda value, expected: value.lower() == expected.lower(),
    "NumericEquals": _numeric("eq"),
    "NumericLessThan": _numeric("lt"),
    "NumericLessThanEquals": _numeric("le"),
    "NumericGreaterThan": _numeric("gt"),
    "NumericGreaterThanEquals": _numeric("ge"),
}
