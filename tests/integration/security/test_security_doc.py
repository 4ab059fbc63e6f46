"""docs/security.md stays true: its numbers, its table of `*` statements, the managed
policies it explains, its hostile inputs and its checkov skips are the ones the template,
the Makefile and the tests have."""

from __future__ import annotations

import re
from functools import cache

from tests.e2e.hostile.cases import CASES
from tests.integration.security.iam_model import managed_policies, role_of, statements
from tests.support.template import ROOT, template

DOC = ROOT / "docs" / "security.md"


@cache
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def section(title: str) -> str:
    text = doc()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the markdown tables in ``text``, cells stripped."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"^\|\s*-", line):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows.append(cells)
    return [r for r in rows if r and r[0] not in ("measure", "owner", "hostile input", "check")]


def number(measure: str) -> int:
    for cells in table_rows(section("Numbers")):
        if cells[0] == measure:
            return int(cells[1])
    raise AssertionError(f"no {measure!r} in the Numbers table")


def test_the_numbers_are_the_suites() -> None:
    stars = [s for s in statements() if s.on_everything]

    assert number("hostile inputs tried") == len(CASES)
    assert number("hostile inputs rejected, each with its place") == len(CASES)
    assert number("resources leaked") == 0
    assert number("IAM statements on `*` (each justified below)") == len(stars)
    assert number("checkov findings left (template and SAM-translated template)") == 0


def test_every_statement_on_star_is_in_the_table_with_a_reason() -> None:
    # a function's role is named by its function; a role of its own (IAM::Role) by itself
    owners = {role_of(owner): owner for owner in _role_owners()}
    in_template = {(owners.get(s.role, s.role), s.sid) for s in statements() if s.on_everything}
    rows = table_rows(section('Statements on `Resource: "*"`'))

    in_doc = {(cells[0], cells[1]) for cells in rows}

    assert in_doc == in_template
    assert all(len(cells) == 4 and len(cells[3]) > 20 for cells in rows)


def _role_owners() -> list[str]:
    return [
        logical_id
        for logical_id, resource in template()["Resources"].items()
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine")
    ]


def test_every_attached_managed_policy_is_explained() -> None:
    attached = {name for names in managed_policies().values() for name in names}

    for name in attached:
        assert f"`{name}`" in section("IAM, function by function"), name


def test_every_hostile_input_is_in_the_results_table() -> None:
    rows = table_rows(section("Hostile specs"))
    listed = [cells[0].strip("`") for cells in rows if cells[0].startswith("`")]

    assert sorted(listed) == sorted(c.id for c in CASES)


def test_the_content_cases_the_cli_runs_are_counted_right() -> None:
    content = [c for c in CASES if not c.upload_only]

    assert f"the {len(content)} whose content is the" in doc()
    assert f"(the other {len(CASES) - len(content)} are refused" in doc()


def test_every_checkov_skip_is_listed_with_its_reason() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^CHECKOV_SKIPS := (.+)$", makefile, re.MULTILINE)
    assert match is not None
    skipped = {check: "every function" for check in match.group(1).split(",")}
    for logical_id, resource in template()["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip["comment"]) > 40, (logical_id, skip)
            skipped.setdefault(skip["id"], "")
            skipped[skip["id"]] += f" {logical_id}"
    rows = {cells[0].split()[0]: cells for cells in table_rows(section("checkov"))}

    assert set(rows) == set(skipped)
    for check, where in skipped.items():
        for name in where.split() if where != "every function" else ["every function"]:
            assert name in rows[check][1], (check, name)
        assert len(rows[check][2]) > 40, check


def test_the_readme_links_the_page() -> None:
    assert "(docs/security.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
