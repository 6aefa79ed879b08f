"""Metrics (medimg.metrics): overlap, surface distances, classification and detection.

Every function accepts numpy arrays, torch tensors or medimg.Image where it takes images,
and takes spacing from an Image when given one. See docs/metrics.md.
"""

from ._overlap import *  # noqa: F401,F403
from ._overlap import __all__ as _overlap_all
from ._surface import *  # noqa: F401,F403
from ._surface import __all__ as _surface_all
from ._surfel import *  # noqa: F401,F403
from ._surfel import __all__ as _surfel_all
from ._detection import *  # noqa: F401,F403
from ._detection import __all__ as _detection_all
from ._classification import *  # noqa: F401,F403
from ._classification import __all__ as _classification_all

__all__ = []
__all__ += _overlap_all
__all__ += _surface_all
__all__ += _surfel_all
__all__ += _detection_all
__all__ += _classification_all
