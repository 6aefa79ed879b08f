"""Reading and writing images (medimg.io).

Each format lives in its own module; this package re-exports their public functions.
"""

from ._raster import *  # noqa: F401,F403
from ._raster import __all__ as _raster_all

__all__ = []
__all__ += _raster_all
