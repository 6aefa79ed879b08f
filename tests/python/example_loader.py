"""Loading an example script (examples/<case>/<name>.py) as a module, for the case-study
tests: the scripts import their siblings, so their folder is on sys.path while they load."""

import importlib.util
import sys
from pathlib import Path


def load_example(folder: Path, name: str):
    """examples/<folder>/<name>.py as a module."""
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(folder))
