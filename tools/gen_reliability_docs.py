"""Generate the fault-matrix parts of docs/reliability.md from the matrix the tests run.

The numbers, the scenario list and the matrix table come from tests/support/fault_matrix.py
(the table the end-to-end suite runs) and tests/support/aws_calls.py (the calls read from
the code); they replace what stands between the ``<!-- BEGIN x -->`` and ``<!-- END x -->``
markers. The prose around them is written by hand.

    python tools/gen_reliability_docs.py          # rewrite docs/reliability.md
    python tools/gen_reliability_docs.py --check  # exit 1 when docs/reliability.md is stale
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "layers" / "ecsdrop"))

from tests.support.aws_calls import aws_calls  # noqa: E402 -- after the path set-up
from tests.support.fault_matrix import (  # noqa: E402
    CLI_FAILED,
    NO_REDEPLOY,
    NORMAL_OUTCOME,
    RAN_WITHOUT_LOG,
    ROWS,
    SCENARIOS,
    permanent_cases,
    permanent_fault,
    transient_faults,
)

DOCS_FILE = ROOT / "docs" / "reliability.md"


# What each permanent-failure outcome means, in the order the numbers show them.
OUTCOMES = {
    "SUCCEEDED": "the deployment still succeeds (a report, chat or ECS's event is lost)",
    "FAILED": "not started, nothing made or changed (FAILED)",
    "ROLLED_BACK": "cleanly undone (ROLLED_BACK)",
    "ROLLBACK_FAILED": "an undo refused: ROLLBACK_FAILED names what is left",
    "DELETE_FAILED": "a deletion refused or stopped: DELETE_FAILED names what is left, and "
    "`ecsdrop delete` run again finishes it",
    NO_REDEPLOY: "an image push starts no redeploy, nothing changes",
    CLI_FAILED: "a CLI command exits non-zero naming the refused call",
    RAN_WITHOUT_LOG: "`ecsdrop run` says it cannot read the log, naming the call, and still "
    "exits with the task's code",
}


def numbers() -> str:
    made = aws_calls()
    classified = {row.call for row in ROWS}
    cases = permanent_cases()
    services = sorted({call.split(":", 1)[0] for call in made})
    outcomes = Counter(case.outcome for _, case in cases)
    unexplained = sorted(set(outcomes) - set(OUTCOMES))
    if unexplained:
        raise SystemExit(f"outcomes without a line in OUTCOMES: {unexplained}")
    lines = [
        "| measure | value |",
        "| --- | --- |",
        f"| AWS calls the code makes (read from its `aws_call` labels) | {len(made)}, "
        f"over {len(services)} services |",
        f"| calls the matrix covers | {len(made & classified)} of {len(made)} |",
        f"| transient faults injected (a throttle, then a 5xx, on every call) | "
        f"{2 * len(ROWS)}, all survived: every run ends as it does without faults |",
        f"| permanent-failure cases | {len(cases)}: each call at least once, calls that "
        "deploy and undo also in the undo, calls of the Lock step's ownership check also "
        "in the step that deploys |",
        *(
            f"| ... {text} | {outcomes[outcome]} |"
            for outcome, text in OUTCOMES.items()
            if outcomes[outcome]
        ),
        "| ecsdrop resources left by a run that reports FAILED or ROLLED_BACK | 0: every "
        "such case checks the account |",
        "| resources left unnamed by a run that reports ROLLBACK_FAILED | 0 (but for the "
        f"{sum(case.rollback_stops for _, case in cases)} case where the ledger itself "
        "cannot be read, which says so) |",
        "| resources left unnamed by a run that reports DELETE_FAILED | 0 (but for the "
        f"{sum(case.teardown_stops for _, case in cases)} cases where the teardown stops "
        "before it lists anything: they say so, and nothing was touched) |",
    ]
    return "\n".join(lines)


def scenarios() -> str:
    lines = ["| run | what it does | ends without faults |", "| --- | --- | --- |"]
    lines += [
        f"| `{scenario}` | {text} | {NORMAL_OUTCOME[scenario]} |"
        for scenario, text in SCENARIOS.items()
    ]
    return "\n".join(lines)


def matrix() -> str:
    lines = [
        "| AWS call | made by | transient (run) | fails for good in | outcome | why |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in sorted(ROWS, key=lambda r: r.call):
        errors = "/".join(str(f["error"]) for f in transient_faults(row.call))
        for index, case in enumerate(row.permanent):
            first = index == 0
            denied = permanent_fault(row.call, case.after)
            where = f"`{case.scenario}`" + (f" (after {case.after} ok)" if case.after else "")
            lines.append(
                "| "
                + " | ".join(
                    [
                        f"`{row.call}`" if first else "",
                        ", ".join(row.paths) if first else "",
                        f"{errors} (`{row.transient}`)" if first else "",
                        f"{where}: {denied['error']}",
                        f"**{case.outcome}**",
                        case.why,
                    ]
                )
                + " |"
            )
    return "\n".join(lines)


SECTIONS = {"numbers": numbers, "scenarios": scenarios, "matrix": matrix}


def render(current: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- BEGIN {name} [^>]*-->\n).*?(<!-- END {name} -->)", re.DOTALL)
        if not pattern.search(current):
            raise SystemExit(f"{DOCS_FILE.relative_to(ROOT)} lacks the {name} markers")
        text = make()
        current = pattern.sub(lambda m, text=text: f"{m.group(1)}{text}\n{m.group(2)}", current)
    return current


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the doc is stale")
    args = parser.parse_args()
    current = DOCS_FILE.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if wanted != current:
            print(f"{DOCS_FILE.relative_to(ROOT)} is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    DOCS_FILE.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
