"""Preprocessing (medimg.preprocess): intensity windows and normalisation, histogram
equalisation and CLAHE (docs/preprocess_intensity.md); resampling, crop/pad, flips, warps
and filters (docs/preprocess_spatial.md).

Every function accepts a medimg.Image, a torch.Tensor or a numpy array and returns the same
kind; an Image keeps its geometry and metadata. Images are channel first, ``(C, Y, X)`` or
``(C, Z, Y, X)``, and per-channel operations treat each channel on its own.
"""

from ._intensity import *  # noqa: F401,F403
from ._histogram import *  # noqa: F401,F403
from ._spatial import *  # noqa: F401,F403
from ._filter import *  # noqa: F401,F403
from ._fundus import *  # noqa: F401,F403

# Each module above exports exactly its __all__; a new module needs only its import line.
__all__ = sorted(name for name in dir() if not name.startswith("_"))
