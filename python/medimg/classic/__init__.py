"""Classical detection (medimg.classic): thresholds, morphology, connected components, edges,
lung masks and nodule candidates,
Haar-feature cascades. Each module adds itself with one import line below.
"""

from ._cascade import *  # noqa: F401,F403
from ._threshold import *  # noqa: F401,F403
from ._footprint import *  # noqa: F401,F403
from ._morphology import *  # noqa: F401,F403
from ._label import *  # noqa: F401,F403
from ._edges import *  # noqa: F401,F403
from ._lung import *  # noqa: F401,F403

__all__ = sorted(name for name in dir() if not name.startswith("_"))
