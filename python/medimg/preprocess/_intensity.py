"""Intensity windows (CT presets, DICOM VOI LINEAR) and per-channel normalisation."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .._convert import ImageLike, as_image, as_tensor, like
from .._medimg import (ArgumentError, Image, _channel_percentiles, _clip_percentile,
                       _normalize_minmax, _normalize_zscore, _window, _window_from_metadata,
                       _window_out, _window_preset)

__all__ = ["window", "window_preset", "window_from_metadata", "normalize_minmax",
           "normalize_zscore", "channel_percentiles", "clip_percentile"]

Range = Tuple[float, float]


def _pair(value: Sequence[float], name: str) -> Range:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ArgumentError(
            f"{name} must be a pair of numbers (low, high), got {value!r}") from None
    return low, high


def _mask(mask: Any) -> Optional[torch.Tensor]:
    return None if mask is None else as_tensor(mask)


def window(x: Any, center: Optional[float] = None, width: Optional[float] = None, *,
           preset: Optional[str] = None, mode: str = "linear-clip",
           output: Sequence[float] = (0.0, 1.0), out: Any = None) -> Any:
    """Clip intensities to a window and scale them to ``output`` (by default [0, 1]).

    With ``mode="linear-clip"`` the window is [center − width/2, center + width/2]:
    ``t = clip((x − (center − width/2)) / width, 0, 1)``. ``mode="linear"`` is DICOM's VOI
    LUT function LINEAR (PS3.3 C.11.2.1.2.1: ``((x − (c − 0.5)) / (w − 1) + 0.5)``, width
    >= 1) and ``mode="linear-exact"`` is LINEAR_EXACT (``(x − c) / w + 0.5``). The result is
    ``output[0] + t * (output[1] − output[0])``.

    Arithmetic is float32 (float64 for float64 input) with the parameters rounded once, so
    for linear-clip the result equals numpy's
    ``np.clip((x.astype(np.float32) - np.float32(c - w / 2)) / np.float32(w), 0, 1)``
    exactly. NaN stays NaN. Parallel; a 512×512×300 int16 CT volume takes about the time of
    copying it.

    Parameters
    ----------
    x : Image, torch.Tensor or numpy.ndarray
        Any shape (elementwise), any real or bool dtype, CPU.
    center, width : float
        The window in the units of ``x`` (HU for CT); width > 0.
    preset : str, optional
        Instead of center and width: ``"lung"`` (−600, 1500), ``"mediastinum"`` (40, 400),
        ``"bone"`` (400, 1800), ``"brain"`` (40, 80), ``"abdomen"`` (50, 400) or
        ``"liver"`` (60, 160).
    mode : {"linear-clip", "linear", "linear-exact"}
    output : (float, float)
        The values of the window's lower and upper ends (reversed to invert).
    out : torch.Tensor or numpy.ndarray, optional
        A float32 array of x's shape to write into (not for Images): reusing a buffer avoids
        the page faults of a fresh large output. It is returned.

    Returns
    -------
    float32 values of the kind given; an Image keeps its geometry and metadata.
    """
    if preset is not None:
        if center is not None or width is not None:
            raise ArgumentError("give either preset or center and width, not both")
        center, width = window_preset(preset)
    elif center is None or width is None:
        raise ArgumentError("window needs center and width, or a preset name")
    low, high = _pair(output, "output")
    if isinstance(x, Image):
        if out is not None:
            raise ArgumentError("out= takes arrays and tensors, not Images")
        return x.with_tensor(_window(x.tensor, center, width, mode, low, high))
    tensor = as_tensor(x)
    if out is not None:
        if isinstance(out, np.ndarray):
            if out.dtype != np.float32 or not out.flags.writeable:
                raise ArgumentError("out must be a writeable float32 array, got "
                                    f"{out.dtype}{'' if out.flags.writeable else ' (read-only)'}")
            target = torch.from_numpy(out)
        elif isinstance(out, torch.Tensor):
            target = out
        else:
            raise ArgumentError(
                f"out must be a numpy array or torch tensor, got {type(out).__name__}")
        _window_out(target, tensor, center, width, mode, low, high)
        return out
    result = _window(tensor, center, width, mode, low, high)
    return result if isinstance(x, torch.Tensor) else result.numpy()


def window_preset(name: str) -> Range:
    """(center, width) in HU of a named CT window.

    ``lung`` (−600, 1500), ``mediastinum`` (40, 400), ``bone`` (400, 1800), ``brain``
    (40, 80), ``abdomen`` (50, 400), ``liver`` (60, 160). An unknown name raises
    ArgumentError listing these.
    """
    center, width = _window_preset(name)
    return center, width


def window_from_metadata(image: Image, *, mode: str = "linear",
                         output: Sequence[float] = (0.0, 1.0)) -> Image:
    """Window an Image with its own DICOM WindowCenter / WindowWidth.

    The first value of each is used when the attribute is multi-valued ("40\\400"). They
    are in the units after the Modality LUT, i.e. what ``medimg.io.read_dicom`` returns by
    default (not with ``keep_stored_values=True``). The default mode is DICOM's LINEAR.

    Parameters
    ----------
    image : Image
        With ``meta["WindowCenter"]`` and ``meta["WindowWidth"]``.
    mode, output
        As for :func:`window`.

    Returns
    -------
    float32 Image with the same geometry and metadata. ArgumentError when the attributes
    are missing.
    """
    if not isinstance(image, Image):
        raise ArgumentError("window_from_metadata needs a medimg.Image (its metadata holds "
                            f"the window), got {type(image).__name__}")
    low, high = _pair(output, "output")
    return _window_from_metadata(image, mode, low, high)


def normalize_minmax(x: ImageLike, output: Sequence[float] = (0.0, 1.0)) -> ImageLike:
    """Scale each channel from its [min, max] to ``output``.

    ``(x − min) / (max − min) * (output[1] − output[0]) + output[0]``, computed in float64
    and rounded to float32 (float64 input stays float64). A constant channel becomes
    ``output[0]`` (zeros by default), not NaN. NaN or infinite voxels raise ArgumentError.

    Parameters
    ----------
    x : (C, Y, X) or (C, Z, Y, X) Image, torch.Tensor or numpy.ndarray
    output : (float, float)

    Returns
    -------
    float32 values of the kind given.
    """
    low, high = _pair(output, "output")
    return like(x, _normalize_minmax(as_image(x), low, high))


def _per_channel(values: Union[None, float, Sequence[float]]) -> List[float]:
    if values is None:
        return []
    if np.ndim(values) == 0:
        return [float(values)]
    return [float(v) for v in values]


def normalize_zscore(x: ImageLike, *, mask: Any = None, nonzero: bool = False,
                     mean: Union[None, float, Sequence[float]] = None,
                     std: Union[None, float, Sequence[float]] = None,
                     clip: Optional[Sequence[float]] = None) -> ImageLike:
    """Z-score each channel: ``(x − mean) / std``.

    Statistics are per channel with the population standard deviation (ddof 0, as numpy,
    MONAI and nnU-Net); a std of 0 is replaced by 1 (MONAI), so a constant channel becomes
    zeros. NaN or infinite voxels raise ArgumentError.

    Parameters
    ----------
    x : (C, Y, X) or (C, Z, Y, X) Image, torch.Tensor or numpy.ndarray
    mask : array, tensor or Image, optional
        Bool (or non-zero numbers) of shape ``(Y, X)``/``(Z, Y, X)`` or ``(1 or C, ...)``:
        the statistics come from these voxels and every voxel is normalised with them. It
        must select at least one voxel per channel.
    nonzero : bool
        MONAI's ``NormalizeIntensity(nonzero=True)``: statistics over the non-zero voxels,
        and only they are normalised; zeros stay 0.
    mean, std : float or sequence of float, optional
        Given statistics (one value, or one per channel), e.g. a dataset's as nnU-Net uses;
        give both or neither.
    clip : (float, float), optional
        Clip to this range first: nnU-Net's CT normalisation is
        ``normalize_zscore(x, clip=(p00_5, p99_5), mean=m, std=s)`` with the dataset's
        foreground percentiles and statistics.

    Returns
    -------
    float32 values (float64 for float64 input) of the kind given.
    """
    clip_range = None if clip is None else _pair(clip, "clip")
    result = _normalize_zscore(as_image(x), _mask(mask), bool(nonzero), clip_range,
                               _per_channel(mean), _per_channel(std))
    return like(x, result)


def channel_percentiles(x: ImageLike, lower: float = 0.5, upper: float = 99.5, *,
                        mask: Any = None, nonzero: bool = False) -> List[Range]:
    """The ``lower`` and ``upper`` percentiles of each channel.

    numpy's default ("linear") rule in float64: equal to
    ``np.percentile(channel[selected].astype(np.float64), [lower, upper])``. ``mask`` and
    ``nonzero`` select the voxels as in :func:`normalize_zscore`.

    Returns
    -------
    list of (lower value, upper value), one per channel.
    """
    return [tuple(r) for r in _channel_percentiles(as_image(x), float(lower), float(upper),
                                                   _mask(mask), bool(nonzero))]


def clip_percentile(x: ImageLike, lower: float = 0.5, upper: float = 99.5, *,
                    mask: Any = None, nonzero: bool = False) -> ImageLike:
    """Clip each channel to its own ``lower``/``upper`` percentiles (default 0.5 and 99.5).

    The percentiles are :func:`channel_percentiles`; follow with :func:`normalize_zscore`
    for the z-score after clipping. Output float32 (float64 for float64 input).
    """
    return like(x, _clip_percentile(as_image(x), float(lower), float(upper), _mask(mask),
                                    bool(nonzero)))
