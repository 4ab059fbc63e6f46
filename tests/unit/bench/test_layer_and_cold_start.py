"""Weighing a built layer, and reading import times."""

from __future__ import annotations

from pathlib import Path

from bench.cold_start import functions, runtime_pins, top_imports
from bench.layer import breakdown, entry_group, reductions, tree_bytes


def _file(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def test_a_layer_is_weighed_by_package_and_by_what_it_could_drop(tmp_path: Path) -> None:
    _file(tmp_path / "yaml" / "__init__.py", 10)
    _file(tmp_path / "yaml" / "_yaml.cpython-313-aarch64-linux-gnu.so", 1000)
    _file(tmp_path / "PyYAML-6.0.4.dist-info" / "METADATA", 5)
    _file(tmp_path / "aws_lambda_powertools" / "event_handler" / "api.py", 300)
    _file(tmp_path / "aws_lambda_powertools" / "logging" / "logger.py", 40)
    _file(tmp_path / "wrapt" / "_wrappers.so", 200)
    _file(tmp_path / "wrapt-stubs" / "__init__.pyi", 7)
    _file(tmp_path / "typing_extensions.py", 3)
    assert tree_bytes(tmp_path) == 1565
    assert breakdown(tmp_path) == {
        "yaml": 1010,
        "aws_lambda_powertools": 340,
        "wrapt": 207,
        "(package metadata: *.dist-info)": 5,
        "typing_extensions": 3,
    }
    saved = list(reductions(tmp_path).values())
    assert saved == [207]  # the Tracer's X-Ray SDK and wrapt


def test_entries_are_grouped_by_package() -> None:
    assert entry_group("wrapt-stubs") == "wrapt"
    assert entry_group("six.py") == "six"
    assert entry_group("attrs-26.1.0.dist-info") == "(package metadata: *.dist-info)"


def test_import_time_goes_to_the_package_that_caused_it() -> None:
    output = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       300 |        300 | importlib.util",
            "import time:      1500 |       1500 |       asyncio",
            "import time:      2000 |       3500 |     botocore.utils",
            "import time:      1000 |       4500 |   botocore",
            "import time:      4000 |       4000 |   ecsdrop.spec",
            "import time:       500 |       9000 | app",
        ]
    )
    assert top_imports(output) == {"botocore": 4.5, "ecsdrop": 4.0, "app": 0.5}
    assert top_imports(output, keep=1) == {"botocore": 4.5}


def test_every_function_of_the_template_is_measured() -> None:
    found = functions()
    assert "LoadSpecFunction" in found
    assert all((folder / "app.py").is_file() for folder in found.values())


def test_runtime_packages_are_pinned_from_the_constraints(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("# pins\nboto3==1.2.3\nbotocore==1.2.4\nmoto==5.0\nsix==1.17.0\n")
    assert runtime_pins(constraints) == ["boto3==1.2.3", "botocore==1.2.4", "six==1.17.0"]
