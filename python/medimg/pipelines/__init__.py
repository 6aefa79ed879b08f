"""The case-study pipelines: lung-nodule detection in chest CT (docs/lung_nodules.md) and
diabetic-retinopathy grading of fundus photographs (docs/case_retinopathy.md)."""

from ._lung_nodule import *  # noqa: F401,F403
from ._lung_nodule import __all__ as _lung_nodule_all

from ._dr_grading import *  # noqa: F401,F403
from ._dr_grading import __all__ as _dr_grading_all

__all__ = list(_lung_nodule_all)
__all__ += _dr_grading_all
