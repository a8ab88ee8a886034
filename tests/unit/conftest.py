"""Fixtures the unit tests share."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def make_sample() -> ModuleType:
    """``samples/make_sample.py``, the script that writes the bundled sample and its labels."""
    # samples/ is not a package: load the script by path.
    spec = importlib.util.spec_from_file_location(
        "make_sample", ROOT / "samples" / "make_sample.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
