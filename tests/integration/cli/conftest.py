"""Running the real `ecsdrop` command in a subprocess, and the files it is fed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted(p for p in (REPO_ROOT / "examples").iterdir() if p.is_file())
DEADLINE_SECONDS = 60
VALID_SPEC = """\
version: 1
service:
  name: web
taskDefinition:
  containerDefinitions:
    - name: web
      image: nginx:1.27
"""

# Each is refused with problems, never with a traceback.
HOSTILE_INPUTS: dict[str, bytes] = {
    "oversized.yaml": b"version: 1\n# " + b"x" * (300 * 1024) + b"\n",
    "deep-nesting.yaml": b"version: 1\nx: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "deep-nesting.json": b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "deep-nesting-tab-indented.json": b'{\t"x": ' + b"[" * 980 + b"]" * 980 + b"}",
    "alias-bomb.yaml": (
        b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        b"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        b"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        b"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        b"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
        b"h: [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
    ),
    "latin1.yaml": "version: 1\nservice:\n  name: café\n".encode("latin-1"),
    "binary.yaml": bytes(range(256)) * 4,
    "nul.yaml": b"version: 1\x00\n",
    "duplicate-keys.json": b'{"version": 1, "version": 1}',
    "duplicate-keys.yaml": b"version: 1\nversion: 1\n",
    "cloudformation-tags.yaml": b"version: 1\nservice: !Ref Service\nx: !GetAtt A.B\n",
    "top-level-list.yaml": b"- version: 1\n- service: web\n",
    "empty.yaml": b"",
    "surrogate-escape.json": b'{"version": 1, "service": {"name": "\\ud800"}}',
    "control-character.yaml": b"version: 1\x1f\n",
    "truncated.json": b'{"version": 1, "service": {"name": "web"',
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "hostile_name" in metafunc.fixturenames:
        metafunc.parametrize("hostile_name", sorted(HOSTILE_INPUTS))


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def examples() -> list[Path]:
    return list(EXAMPLES)


@pytest.fixture
def hostile_inputs() -> dict[str, bytes]:
    return dict(HOSTILE_INPUTS)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


Ecsdrop = Callable[..., Run]


@pytest.fixture
def ecsdrop(tmp_path: Path) -> Ecsdrop:
    """``ecsdrop(*args, stdin=b"", env={...})``: the command, run in tmp_path, as a user would
    run it; ``env`` changes the environment (a None value removes the variable)."""

    def run(
        *args: str | Path, stdin: bytes = b"", env: Mapping[str, str | None] | None = None
    ) -> Run:
        environment = {**os.environ, **(env or {})}
        done = subprocess.run(
            [sys.executable, "-m", "ecsdrop_cli", *map(str, args)],
            input=stdin,
            capture_output=True,
            cwd=tmp_path,
            timeout=DEADLINE_SECONDS,
            check=False,
            env={name: value for name, value in environment.items() if value is not None},
        )
        return Run(
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
        )

    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """``write(name, content)``: a file in the directory ecsdrop runs in."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write
