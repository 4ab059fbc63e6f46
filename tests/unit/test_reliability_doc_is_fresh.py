"""docs/reliability.md shows the fault matrix the end-to-end suite runs, as it is now."""

from __future__ import annotations

import subprocess
import sys

from tests.support.template import ROOT


def test_the_fault_matrix_in_docs_reliability_md_is_fresh() -> None:
    checked = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_reliability_docs.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
