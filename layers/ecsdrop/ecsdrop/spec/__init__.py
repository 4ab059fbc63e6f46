"""The deployment spec: parse, validate (every problem at once, each with its place), complete.

validation = validate(raw_bytes, "specs/web.yaml", guardrails, installation)
if validation.ok:
    spec = validation.spec   # complete: every default applied
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ecsdrop.errors import SpecError
from ecsdrop.spec.defaults import apply_defaults
from ecsdrop.spec.installation import Installation
from ecsdrop.spec.model import Spec
from ecsdrop.spec.policy import Guardrails
from ecsdrop.spec.problems import Problem, sort_problems
from ecsdrop.spec.rules import rule_problems

__all__ = [
    "Guardrails",
    "Installation",
    "Problem",
    "Spec",
    "SpecError",
    "Validation",
    "load_spec",
    "validate",
]


@dataclass(frozen=True)
class Validation:
    """Every problem found (errors and warnings, in document order) and, when valid, the spec."""

    problems: tuple[Problem, ...]
    spec: Spec | None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        return self.spec is not None


def validate(
    raw: bytes | str,
    filename: str = "spec.yaml",
    guardrails: Guardrails | None = None,
    installation: Installation | None = None,
) -> Validation:
    """Validate a spec document; never raises for anything wrong with the document itself."""
    # PyYAML and jsonschema cost ~90 ms to import: only the functions that validate pay.
    from ecsdrop.spec.parse import parse_document  # noqa: PLC0415
    from ecsdrop.spec.schema import drop_optional_nulls, schema_problems  # noqa: PLC0415

    guardrails = guardrails or Guardrails()
    installation = installation or Installation()
    try:
        document = parse_document(raw, filename, guardrails.max_spec_bytes)
    except SpecError as e:
        return Validation(tuple(sort_problems(e.problems)), None)
    if not isinstance(document.data, dict):
        problem = Problem((), "a spec is a mapping with version, service and taskDefinition", 1, 1)
        return Validation((problem,), None)
    data, ignored = drop_optional_nulls(document.data)
    structural = schema_problems(data)
    semantic = [p for p in rule_problems(data, guardrails) if not _overlaps(p, structural)]
    found = [*ignored, *structural, *semantic]
    problems = tuple(sort_problems(p.located(document.positions) for p in found))
    if any(p.severity == "error" for p in problems):
        return Validation(problems, None)
    warnings = tuple(p for p in problems if p.severity == "warning")
    return Validation(problems, Spec(apply_defaults(data, installation), warnings))


def load_spec(
    raw: bytes | str,
    filename: str = "spec.yaml",
    guardrails: Guardrails | None = None,
    installation: Installation | None = None,
) -> Spec:
    """The complete spec, or SpecError with every error found."""
    validation = validate(raw, filename, guardrails, installation)
    if validation.spec is None:
        raise SpecError(validation.errors)
    return validation.spec


def _overlaps(problem: Problem, others: Sequence[Problem]) -> bool:
    """A rule's finding about a field the schema already rejected is noise, not news."""
    for other in others:
        shorter = min(len(problem.path), len(other.path))
        if problem.path[:shorter] == other.path[:shorter]:
            return True
    return False
