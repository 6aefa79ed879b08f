"""Per-channel intensity statistics."""

from __future__ import annotations

from typing import List

from ._convert import ImageLike, as_image
from ._medimg import ChannelStats, _channel_stats


def channel_stats(x: ImageLike) -> List[ChannelStats]:
    """Count, NaN count, min, max, mean and population std of each channel.

    NaN voxels are counted and otherwise ignored, as numpy's ``nanmin``/``nanmean``/
    ``nanstd`` do; a channel of NaNs only has NaN statistics.

    Parameters
    ----------
    x : (C, Y, X) or (C, Z, Y, X) Image, torch.Tensor or numpy.ndarray
        Any real or bool dtype, CPU memory.

    Returns
    -------
    list of ChannelStats, one per channel
    """
    return _channel_stats(as_image(x))
