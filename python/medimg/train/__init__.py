"""Training (medimg.train): learning-rate schedules so far; datasets, loaders and the
trainer follow (docs/train.md)."""

from ._scheduler import *  # noqa: F401,F403
from ._data import *  # noqa: F401,F403
from ._inference import *  # noqa: F401,F403
from ._predictor import *  # noqa: F401,F403
from ._trainer import *  # noqa: F401,F403

__all__ = sorted(name for name in dir() if not name.startswith("_"))
