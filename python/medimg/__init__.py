"""medimg: medical image detection and segmentation on LibTorch.

The compiled core (``medimg._medimg``) is the same ``libmedimg`` that C++ applications link.
Images are channel first, ``(C, Y, X)`` or ``(C, Z, Y, X)``; per-axis values such as spacing
are in array order; world coordinates are LPS millimetres (docs/conventions.md).
"""

# torch first: the extension's tensor casters need torch's Python types registered.
import torch as _torch  # noqa: F401

from . import _medimg
from ._medimg import (
    ArgumentError,
    ChannelStats,
    Error,
    FormatError,
    Geometry,
    Image,
    IoError,
    Metadata,
    Progress,
    ShapeError,
    Unsupported,
    __version__,
    default_num_threads,
    get_num_threads,
    set_num_threads,
)
from ._convert import as_image, like
from ._statistics import channel_stats
from . import augment, io, metrics, phantoms, preprocess
from . import nn
from . import classic
from . import train
from . import pipelines

__all__ = [
    "ArgumentError",
    "ChannelStats",
    "Error",
    "FormatError",
    "Geometry",
    "Image",
    "IoError",
    "Metadata",
    "Progress",
    "ShapeError",
    "Unsupported",
    "__version__",
    "as_image",
    "augment",
    "channel_stats",
    "classic",
    "default_num_threads",
    "get_num_threads",
    "io",
    "metrics",
    "nn",
    "phantoms",
    "pipelines",
    "preprocess",
    "train",
    "like",
    "set_num_threads",
]
