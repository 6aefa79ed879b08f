"""Sliding-window inference (C++ train/sliding_window.hpp) with MONAI's argument names.

``sliding_window_inference(inputs, roi_size, sw_batch_size, predictor, ...)`` is a drop-in
for ``monai.inferers.sliding_window_inference`` (same window placement, padding and
blending; the Gaussian is nnU-Net's), run by C++: a medimg network runs there without the
GIL, any other predictor is called back with the GIL held for its call only.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, List, Optional, Sequence, Union

import numpy as np
import torch

from .._convert import ImageLike, as_image, as_tensor, like
from .._medimg import (ArgumentError, Progress, _gaussian_importance_map,
                       _sliding_window_inference, _sliding_window_predict, cpp)
from ..nn._module import CppModule

__all__ = ["sliding_window_inference", "predict_image", "gaussian_importance_map"]

Predictor = Callable[[torch.Tensor], torch.Tensor]
ProgressArg = Union[None, bool, Callable[[int, int], Any]]


def sliding_window_inference(inputs: Union[torch.Tensor, np.ndarray],
                             roi_size: Union[int, Sequence[Optional[int]]],
                             sw_batch_size: int, predictor: Predictor, overlap: float = 0.25,
                             mode: str = "constant", sigma_scale: float = 0.125,
                             padding_mode: str = "constant", cval: float = 0.0,
                             flip_tta: bool = False, progress: ProgressArg = None
                             ) -> Union[torch.Tensor, np.ndarray]:
    """The blended prediction of ``predictor`` over ``inputs``, window by window (MONAI's
    ``sliding_window_inference``).

    The input is padded symmetrically to at least ``roi_size``; windows start every
    ``max(1, int(roi * (1 - overlap)))`` voxels per axis, the last one moved back to end at
    the border, and go to ``predictor`` ``sw_batch_size`` at a time. Each output voxel is
    ``sum(w * prediction) / sum(w)`` over the windows covering it; the padding is cropped
    away. Runs under ``torch.no_grad()`` (the predictor itself under inference mode).

    Parameters
    ----------
    inputs : (N, C, Y, X) or (N, C, Z, Y, X) torch.Tensor or numpy.ndarray
        Any real dtype; windows keep it.
    roi_size : int or sequence of int
        Window size per spatial axis in array order; ``None`` or an entry <= 0 takes the
        whole axis (MONAI's rule), an int is used for every axis.
    sw_batch_size : int
        Windows per predictor call, >= 1.
    predictor : callable
        Maps windows ``(B, C, *roi)`` to ``(B, K, *roi)``: a medimg network (run in C++),
        any ``torch.nn.Module`` or function. Put modules in ``eval()`` mode first.
    overlap : float, default 0.25
        In ``[0, 1)``.
    mode : {"constant", "gaussian"}, default "constant"
        Equal weights, or nnU-Net's Gaussian (:func:`gaussian_importance_map`), which lets
        window borders count less.
    sigma_scale : float, default 0.125
        Gaussian sigma = sigma_scale * roi per axis (a single float; MONAI also accepts one
        per axis).
    padding_mode : {"constant", "reflect", "replicate", "circular"}, default "constant"
        How an input smaller than the window is padded (as ``torch.nn.functional.pad``).
    cval : float, default 0
        Fill value of ``padding_mode="constant"``.
    flip_tta : bool, default False
        nnU-Net's mirroring: every window is also predicted flipped along each non-empty
        subset of the spatial axes, flipped back and averaged (2^D predictor calls).
    progress : bool or callable, optional
        ``progress(done, total)`` after each batch, counted in windows; ``True`` draws a bar
        (tqdm when installed, else a line on stderr).

    Returns
    -------
    (N, K, *spatial) float32 (float64 when the predictor returns float64), the kind of
    ``inputs`` (tensor or array).

    Raises
    ------
    ShapeError
        Another rank, an empty axis, or a prediction whose batch or spatial size differs
        from its windows'.
    ArgumentError
        A roi_size of the wrong length, sw_batch_size < 1, overlap outside [0, 1), an
        unknown mode or padding_mode, a predictor that is not callable or returns no tensor.
    """
    tensor = as_tensor(inputs)
    roi = _roi_size(roi_size, tensor.dim() - 2)
    with torch.no_grad():
        out = _sliding_window_inference(tensor, _predictor(predictor), roi, int(sw_batch_size),
                                        float(overlap), mode, float(sigma_scale), padding_mode,
                                        float(cval), bool(flip_tta), _progress(progress))
    return out if isinstance(inputs, torch.Tensor) else out.numpy()


def predict_image(image: ImageLike, predictor: Predictor,
                  roi_size: Union[int, Sequence[Optional[int]]], sw_batch_size: int = 1,
                  overlap: float = 0.25, mode: str = "constant", sigma_scale: float = 0.125,
                  padding_mode: str = "constant", cval: float = 0.0, flip_tta: bool = False,
                  progress: ProgressArg = None, output: str = "probabilities") -> ImageLike:
    """Sliding-window prediction of one image, returned on the image's grid and geometry.

    Parameters
    ----------
    image : Image, or (C, Y, X) / (C, Z, Y, X) tensor or array
        Integer voxels are converted to float32 first; it is predicted as a batch of one.
    predictor, roi_size, sw_batch_size, overlap, mode, sigma_scale, padding_mode, cval, \
flip_tta, progress
        As :func:`sliding_window_inference`.
    output : {"probabilities", "labels", "logits"}, default "probabilities"
        ``"logits"``: the blended predictor output, ``(K, *spatial)`` float;
        ``"probabilities"``: its softmax over the channels (sigmoid when K == 1);
        ``"labels"``: ``(1, *spatial)`` argmax over the channels (sigmoid > 0.5 when
        K == 1), uint8 when K <= 256, else int64.

    Returns
    -------
    The kind of ``image``: an Image with the input's geometry and metadata, or a tensor or
    array.
    """
    source = as_image(image)
    roi = _roi_size(roi_size, source.tensor.dim() - 1)
    with torch.no_grad():
        result = _sliding_window_predict(source, _predictor(predictor), roi, int(sw_batch_size),
                                         float(overlap), mode, float(sigma_scale), padding_mode,
                                         float(cval), bool(flip_tta), _progress(progress),
                                         output)
    return like(image, result)


def gaussian_importance_map(roi_size: Sequence[int], sigma_scale: float = 0.125) -> torch.Tensor:
    """nnU-Net's Gaussian window weights (``compute_gaussian``).

    A unit impulse at ``roi // 2`` blurred by ``scipy.ndimage.gaussian_filter`` with sigma
    ``sigma_scale * roi`` per axis (``mode="constant"``, truncated at 4 sigma), divided by
    its maximum, as float32, with zeros replaced by the smallest non-zero value.

    Returns
    -------
    float32 tensor of shape ``roi_size``, 1 at the centre.
    """
    return _gaussian_importance_map([int(s) for s in roi_size], float(sigma_scale))


def _roi_size(roi_size: Union[int, Sequence[Optional[int]]], spatial_dims: int) -> List[int]:
    if isinstance(roi_size, (int, np.integer)):
        roi = [int(roi_size)] * max(spatial_dims, 0)
    else:
        roi = [-1 if s is None else int(s) for s in roi_size]
    # The input is padded to the window: a huge roi_size would ask for that much memory.
    if int(np.prod([max(s, 1) for s in roi], dtype=object)) > 2 ** 31:
        raise ArgumentError(f"roi_size {roi} is too large: a window holds at most 2^31 voxels")
    return roi


def _predictor(predictor: Any) -> Any:
    """A medimg U-Net without Python hooks or overrides goes to C++ as its C++ module, which
    then runs without the GIL; anything else is called back from C++."""
    cpp_module = getattr(predictor, "cpp_module", None)
    if (isinstance(predictor, CppModule) and isinstance(cpp_module, cpp.UNet)
            and type(predictor).forward is CppModule.forward
            and not predictor._forward_hooks and not predictor._forward_pre_hooks
            and not torch.nn.modules.module._global_forward_hooks
            and not torch.nn.modules.module._global_forward_pre_hooks):
        return cpp_module
    if not callable(predictor):
        raise ArgumentError(f"predictor must be a module or a callable, got "
                            f"{type(predictor).__name__}")
    return predictor


def _progress(progress: ProgressArg) -> Optional[Callable[[Progress], None]]:
    if progress is None or progress is False:
        return None
    if progress is True:
        return _ProgressBar()
    if not callable(progress):
        raise ArgumentError(f"progress must be a bool or a callable(done, total), got "
                            f"{type(progress).__name__}")
    return lambda p: progress(p.done, p.total)


class _ProgressBar:
    """tqdm when it is installed, else one rewritten line on stderr."""

    def __init__(self) -> None:
        self._bar = None

    def __call__(self, p: Progress) -> None:
        try:
            from tqdm import tqdm
        except ImportError:
            end = "\n" if p.done == p.total else ""
            print(f"\r{p.stage}: {p.done}/{p.total} windows", end=end, file=sys.stderr)
            return
        if self._bar is None:
            self._bar = tqdm(total=p.total, desc=p.stage, unit="window")
        self._bar.update(p.done - self._bar.n)
        if p.done == p.total:
            self._bar.close()
