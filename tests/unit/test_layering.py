"""The layering contracts (``[tool.importlinter]`` in pyproject.toml, run by ``make lint``) fail
when they are broken: each test runs ``lint-imports`` on a copy of the packages with one bad import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
SHARED = "shared never imports services"
INDEPENDENT = "no service package imports another"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The two packages' Python files, copied."""
    for package in ("shared", "services"):
        for source in (ROOT / package).rglob("*.py"):
            target = tmp_path / source.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    return tmp_path


def _add_import(tree: Path, module: str, line: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")


def lint(tree: Path) -> str:
    """What ``lint-imports`` says about ``tree`` under the project's contracts."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Analyzed" in done.stdout, done.stdout + done.stderr
    return done.stdout


def test_the_copy_keeps_the_layering(tree: Path) -> None:
    out = lint(tree)
    assert f"{SHARED} KEPT" in out and f"{INDEPENDENT} KEPT" in out
    # services.ingest has cycles until the ingest clean-up lands; these two must have none.
    assert "No cycles are allowed in shared." not in out.splitlines()
    assert "No cycles are allowed in services." not in out.splitlines()


def test_shared_importing_services_breaks_a_contract(tree: Path) -> None:
    _add_import(tree, "shared.logs", "import services.topology")
    out = lint(tree)
    assert f"{SHARED} BROKEN" in out
    assert "shared.logs -> services.topology" in out


def test_a_service_importing_another_breaks_a_contract(tree: Path) -> None:
    _add_import(tree, "services.render.markdown", "from services.classify import text")
    out = lint(tree)
    assert f"{INDEPENDENT} BROKEN" in out
    assert "services.render is not allowed to import services.classify" in out


def test_a_service_reaching_another_through_a_composition_root_breaks_a_contract(
    tree: Path,
) -> None:
    _add_import(tree, "services.summarize.schedule", "import services.topology")
    out = lint(tree)
    assert f"{INDEPENDENT} BROKEN" in out
    assert "services.summarize is not allowed to import services.render" in out


@pytest.mark.parametrize(
    ("first", "second", "package"),
    [
        ("shared.errors", "shared.logs", "shared"),
        ("services.topology", "services.embedded", "services"),
    ],
)
def test_an_import_cycle_breaks_a_contract(tree: Path, first: str, second: str, package: str):
    _add_import(tree, first, f"import {second}")
    _add_import(tree, second, f"import {first}")
    out = lint(tree)
    assert "no import cycles BROKEN" in out
    assert f"No cycles are allowed in {package}." in out.splitlines()
