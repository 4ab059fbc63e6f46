"""`make demo`: the scorekeep spec through ecsdrop, on this machine.

For now the spec stage only: validate every example and render the scorekeep deployment.
The local cloud turns this into the whole pipeline.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ecsdrop.spec import Installation, validate
from ecsdrop.spec.render import render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def main() -> int:
    failed = 0
    for path in sorted(EXAMPLES.glob("*")):
        result = validate(path.read_bytes(), str(path.relative_to(ROOT)))
        print(f"{'valid  ' if result.ok else 'INVALID'} {path.relative_to(ROOT)}")
        for problem in result.problems:
            print(f"    {problem.format(str(path.relative_to(ROOT)))}")
        failed += not result.ok
    spec = validate((EXAMPLES / "scorekeep.yaml").read_bytes()).spec
    if spec is None:
        return 1
    plan = render(spec, Installation())
    print("\nscorekeep renders to:")
    print(json.dumps({k: plan[k] for k in ("network", "loadBalancer")}, indent=2)[:3000])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
