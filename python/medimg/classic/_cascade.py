"""Haar-feature cascades: integral images, the Viola–Jones feature set, training with
opencv_traincascade's algorithm and detection identical to cv2.CascadeClassifier.

Cascades are OpenCV's XML files both ways: ``Cascade.save`` writes what
``cv2.CascadeClassifier`` loads, and ``load_cascade`` reads OpenCV's own Haar cascades.
See docs/classic_cascade.md.
"""

from __future__ import annotations

import os
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .._convert import as_tensor
from .._medimg import (ArgumentError, Cascade, HaarFeature, Image, Progress, ShapeError,
                       _cascade_from_xml, _classify_windows, _detect, _group_rectangles,
                       _haar_feature_values, _haar_features, _integral_images, _load_cascade,
                       _train_cascade)

__all__ = ["Cascade", "HaarFeature", "integral_images", "haar_features", "haar_feature_values",
           "train_cascade", "detect", "group_rectangles", "load_cascade", "cascade_from_xml",
           "classify_windows"]

PathLike = Union[str, os.PathLike]


def _plane(x: Any, name: str) -> torch.Tensor:
    """A (Y, X) tensor from a 2D array or tensor, a (1, Y, X) one, or a one-channel 2D Image."""
    if isinstance(x, Image):
        if x.spatial_dims != 2 or x.channels != 1:
            raise ShapeError(f"{name} must be a one-channel 2D image, got shape {x.shape}")
        return x.tensor[0]
    t = as_tensor(x)
    if t.dim() == 3 and t.shape[0] == 1:
        t = t[0]
    if t.dim() != 2:
        raise ShapeError(f"{name} must be (Y, X) or (1, Y, X), got shape {tuple(t.shape)}")
    return t


def _stack(samples: Any, name: str) -> torch.Tensor:
    """(N, H, W) from an array or tensor of that shape or a sequence of (H, W) ones."""
    if isinstance(samples, (np.ndarray, torch.Tensor)):
        t = as_tensor(samples)
    else:
        planes = [_plane(s, name) for s in samples]
        if not planes:
            raise ShapeError(f"{name} is empty")
        t = torch.stack(planes)
    if t.dim() != 3:
        raise ShapeError(f"{name} must be (N, H, W), got shape {tuple(t.shape)}")
    return t


def _out(template: Any, t: torch.Tensor):
    return t if isinstance(template, torch.Tensor) else t.numpy()


def integral_images(image: Any) -> Tuple[Any, Any, Any]:
    """The summed-area tables of a 2D image, as ``cv2.integral3``.

    Parameters
    ----------
    image : (Y, X) or (1, Y, X) array or tensor, or a one-channel 2D Image
        Any real or bool dtype.

    Returns
    -------
    (sum, squared_sum, tilted), each ``(Y + 1, X + 1)``: int64 for integer and bool images
    (exact), float64 for float images; torch tensors for a tensor, else numpy arrays.
    ``tilted`` is OpenCV's 45° table: ``tilted[Y, X]`` sums the pixels ``(y, x)`` with
    ``y < Y`` and ``|x - X + 1| <= Y - y - 1``.
    """
    tables = _integral_images(_plane(image, "image"))
    return tuple(_out(image, t) for t in tables)


def haar_features(window_size: Sequence[int], mode: str = "basic") -> List[HaarFeature]:
    """Every Haar-like feature that fits the window, in opencv_traincascade's order.

    Parameters
    ----------
    window_size : (height, width)
        In pixels, each 1 to 512 (array order, unlike OpenCV's ``-w``/``-h``).
    mode : {"basic", "core", "all"}
        traincascade's ``-mode``: Viola–Jones' five prototypes; plus four-wide lines and the
        centre-surround; plus the 45° tilted prototypes.

    Returns
    -------
    list of HaarFeature, each with ``rects`` [(x, y, width, height, weight), ...] and
    ``tilted``. A 24 × 24 window has 162,336 / 210,400 / 261,600 features.
    """
    try:
        sizes = tuple(window_size)
    except TypeError:
        sizes = ()
    if len(sizes) != 2:
        raise ShapeError(f"haar_features: window_size must be (height, width), got "
                         f"{window_size!r}")
    height, width = (int(v) for v in sizes)
    return _haar_features(height, width, mode)


def haar_feature_values(samples: Any, features: Sequence[HaarFeature]) -> Any:
    """The values OpenCV's cascade detector computes for ``features`` on window samples.

    Each value is the feature's weighted rectangle sum times the window's normalisation
    factor ``1 / sqrt(a * sum(p^2) - sum(p)^2)``, sums over the window shrunk by one pixel on
    each side of area ``a`` (0 for a flat window), in OpenCV's float arithmetic.

    Parameters
    ----------
    samples : (N, H, W) uint8 array or tensor, or a sequence of (H, W) images
    features : sequence of HaarFeature fitting in H × W

    Returns
    -------
    float32 (N, len(features)), a tensor for tensor input, else a numpy array.
    """
    return _out(samples, _haar_feature_values(_stack(samples, "samples"), list(features)))


def train_cascade(positives: Any, negatives: Any, *, num_stages: int = 20,
                  num_positives: int = 0, num_negatives: int = 1000,
                  min_hit_rate: float = 0.995, max_false_alarm_rate: float = 0.5,
                  weight_trim_rate: float = 0.95, max_weak_count: int = 100,
                  mode: str = "basic", acceptance_ratio_break_value: float = -1.0,
                  precalc_buffer_mb: float = 1024.0,
                  progress: Optional[Callable[[Progress], None]] = None) -> Cascade:
    """Train a Haar cascade as opencv_traincascade does (Gentle AdaBoost stumps per stage,
    negatives bootstrapped from background images).

    Each stage uses the positives and ``num_negatives`` background windows that the stages
    before it still accept, and adds stumps until, at the threshold that keeps
    ``min_hit_rate`` of its positives, at most ``max_false_alarm_rate`` of its negatives
    pass. Windows the detector rejects for low contrast (grey-level std below about 10)
    are never positives. Deterministic; the GIL is released.

    Parameters
    ----------
    positives : (N, H, W) uint8 array or tensor, or a sequence of (H, W) uint8 images
        Window-sized samples of the object; (H, W) becomes the detection window.
    negatives : sequence of (Y, X) uint8 images, or an (N, Y, X) array
        Background images without the object, each at least H × W (smaller ones are
        skipped). Windows are cut from them at every scale (√2 steps) as traincascade's
        NegReader does.
    num_stages, num_positives, num_negatives, min_hit_rate, max_false_alarm_rate,
    weight_trim_rate, max_weak_count, mode, acceptance_ratio_break_value :
        traincascade's ``-numStages``, ``-numPos`` (0 = every accepted positive),
        ``-numNeg``, ``-minHitRate``, ``-maxFalseAlarmRate``, ``-weightTrimRate``,
        ``-maxWeakCount``, ``-mode`` ("basic", "core", "all"),
        ``-acceptanceRatioBreakValue``.
    precalc_buffer_mb : float
        Memory for presorted feature values (6 bytes per feature and sample).
    progress : callable, optional
        Called with a :class:`medimg.Progress` (stage ``"train_cascade"``) after each stage;
        raising from it cancels training.

    Returns
    -------
    Cascade, with ``training_stats`` (one dict per stage) and ``training_stop_reason``.
    """
    if isinstance(negatives, (np.ndarray, torch.Tensor)) and as_tensor(negatives).dim() == 3:
        negative_list = list(as_tensor(negatives))
    elif isinstance(negatives, (np.ndarray, torch.Tensor, Image)):
        negative_list = [_plane(negatives, "negatives")]
    else:
        negative_list = [_plane(n, "negatives") for n in negatives]
    return _train_cascade(_stack(positives, "positives"), negative_list, int(num_stages),
                          int(num_positives), int(num_negatives), float(min_hit_rate),
                          float(max_false_alarm_rate), float(weight_trim_rate),
                          int(max_weak_count), mode, float(acceptance_ratio_break_value),
                          float(precalc_buffer_mb), progress)


def _size(size: Optional[Sequence[int]], name: str) -> Tuple[int, int]:
    if size is None:
        return (0, 0)
    if len(size) != 2:
        raise ArgumentError(f"{name} must be (height, width), got {size!r}")
    return (int(size[0]), int(size[1]))


def detect(image: Any, cascade: Union[Cascade, PathLike], *, scale_factor: float = 1.1,
           min_neighbors: int = 3, min_size: Optional[Sequence[int]] = None,
           max_size: Optional[Sequence[int]] = None, return_neighbors: bool = False):
    """Multi-scale detection, returning what ``cv2.CascadeClassifier.detectMultiScale``
    returns for the same cascade and parameters.

    OpenCV 4.6's algorithm is reproduced exactly: the image shrinks by ``scale_factor`` per
    level (cv::resize, INTER_LINEAR_EXACT) under a fixed window, windows step 2 pixels below
    scale 2 (else 1) and skip a column after a first-stage rejection, the rows OpenCV's
    stripes leave out are left out, low-contrast windows (grey-level std below about 10) are
    rejected, stage sums compare as OpenCV's floats do, and the raw windows are grouped as
    ``cv2.groupRectangles(rects, min_neighbors, 0.2)`` and clipped to the image.

    Parameters
    ----------
    image : (Y, X) or (1, Y, X) uint8 array or tensor, or a one-channel 2D uint8 Image
        Grey levels 0..255 (window CT to 8 bits first).
    cascade : Cascade, or the path of an OpenCV cascade XML file
    scale_factor : float, default 1.1
    min_neighbors : int, default 3
        A group is kept with more than this many raw windows; 0 returns every raw window.
    min_size, max_size : (height, width), optional
        Object size bounds in pixels, in array order (OpenCV's minSize/maxSize are
        (width, height)).
    return_neighbors : bool, default False
        Also return each box's number of merged windows (detectMultiScale2's numDetections).

    Returns
    -------
    boxes : (N, 4) int32, rows ``(x, y, width, height)`` as OpenCV's (x = column, y = row of
        the top-left corner); a tensor for tensor input, else a numpy array. In group order:
        compare with OpenCV as sets.
    neighbors : (N,) int32, only with ``return_neighbors``.
    """
    if not isinstance(cascade, Cascade):
        cascade = load_cascade(cascade)
    boxes, neighbors = _detect(_plane(image, "image"), cascade, float(scale_factor),
                               int(min_neighbors), _size(min_size, "min_size"),
                               _size(max_size, "max_size"))
    boxes, neighbors = _out(image, boxes), _out(image, neighbors)
    return (boxes, neighbors) if return_neighbors else boxes


def group_rectangles(rects: Any, group_threshold: int, eps: float = 0.2):
    """``cv2.groupRectangles(rects, group_threshold, eps)``: cluster similar rectangles,
    average each cluster, keep clusters of more than ``group_threshold`` members.

    Parameters
    ----------
    rects : (N, 4) integer array or tensor of (x, y, width, height)
    group_threshold : int
        ``<= 0`` returns the rectangles unchanged with weight 1.
    eps : float, default 0.2

    Returns
    -------
    (rects, weights): (M, 4) int32 and (M,) int32, numpy arrays (tensors for tensor input).
    """
    t = as_tensor(rects)
    if t.numel() == 0:
        t = t.reshape(0, 4)
    boxes, weights = _group_rectangles(t, int(group_threshold), float(eps))
    return _out(rects, boxes), _out(rects, weights)


def load_cascade(path: PathLike) -> Cascade:
    """Read an OpenCV cascade XML file (stageType BOOST, featureType HAAR), e.g. one of
    ``/usr/share/opencv4/haarcascades/*.xml`` (Debian's opencv-data) or one written by
    ``Cascade.save``. Old-format (``opencv-haar-classifier``), LBP and HOG cascades raise
    ``medimg.Unsupported``; malformed files raise ``medimg.FormatError``."""
    return _load_cascade(os.fspath(path))


def cascade_from_xml(xml: str) -> Cascade:
    """A cascade from the text of an OpenCV cascade XML file (see :func:`load_cascade`)."""
    return _cascade_from_xml(xml, "<xml>")


def classify_windows(samples: Any, cascade: Cascade) -> Any:
    """How far each window-sized sample gets through ``cascade``, with :func:`detect`'s
    evaluation: the number of stages passed (``cascade.num_stages`` means detected) or -1
    when the low-contrast check rejects it.

    Parameters
    ----------
    samples : (N, H, W) uint8 array or tensor, or a sequence of (H, W) images; (H, W) must
        be the cascade's window_size

    Returns
    -------
    int32 (N,), a tensor for tensor input, else a numpy array.
    """
    return _out(samples, _classify_windows(_stack(samples, "samples"), cascade))
