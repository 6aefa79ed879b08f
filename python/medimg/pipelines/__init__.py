"""The case-study pipelines: lung-nodule detection in chest CT (docs/lung_nodules.md)."""

from ._lung_nodule import *  # noqa: F401,F403
from ._lung_nodule import __all__ as _lung_nodule_all

__all__ = list(_lung_nodule_all)
