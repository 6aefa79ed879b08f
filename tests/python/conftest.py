"""Shared fixtures. ctest puts build/python on PYTHONPATH; a bare `pytest tests/python` from
the source root finds the same build folder here."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if "medimg" not in sys.modules and not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(ROOT / "build" / "python"))


@pytest.fixture
def data_dir() -> Path:
    """The project's bundled data (data/)."""
    return ROOT / "data"


@pytest.fixture
def root_dir() -> Path:
    return ROOT
