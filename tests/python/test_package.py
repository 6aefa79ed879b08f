"""The package surface: __all__, the stubs and the version."""

import ast
import re
from pathlib import Path

import medimg
from medimg import _medimg

STUB = Path(medimg.__file__).with_name("_medimg.pyi")


def test_all_names_exist():
    for name in medimg.__all__:
        assert hasattr(medimg, name), name


def test_stub_declares_exactly_the_bound_names():
    tree = ast.parse(STUB.read_text())
    declared = {node.name for node in tree.body
                if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    declared |= {target.id for node in tree.body if isinstance(node, ast.AnnAssign)
                 for target in [node.target]}
    # pybind11's bind_map adds view helpers named like "KeysView[str]": not API.
    bound = {name for name in dir(_medimg)
             if not name.startswith("__") and "[" not in name} | {"__version__"}
    assert declared == bound


def test_stub_classes_declare_their_public_members():
    tree = ast.parse(STUB.read_text())
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or issubclass(getattr(_medimg, node.name), Exception):
            continue
        cls = getattr(_medimg, node.name)
        declared = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
        declared |= {item.target.id for item in node.body if isinstance(item, ast.AnnAssign)}
        public = {name for name in vars(cls)
                  if not name.startswith("_") or name in {"__init__", "__array__"}}
        if isinstance(vars(cls).get("__init__"), type(object.__init__)):
            public.discard("__init__")  # pybind11's "No constructor defined" slot
        assert public <= declared, (node.name, public - declared)


def test_version_matches_the_header(root_dir):
    header = (root_dir / "include/medimg/version.hpp").read_text()
    assert medimg.__version__ == re.search(r'VERSION_STRING "(.+)"', header).group(1)
