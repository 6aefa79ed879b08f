"""Synthetic colour fundus photographs with diabetic-retinopathy lesions (docs/fundus.md)."""

from __future__ import annotations

from typing import Tuple

import torch

from .._medimg import _fundus_dataset, _fundus_phantom

__all__ = ["fundus_phantom", "fundus_dataset"]


def fundus_phantom(grade: int, size: int = 128, seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """One synthetic fundus photograph of DR ``grade`` and its lesion map.

    A black background outside a circular field of view, an orange-red retina with
    vignetting and random illumination, an optic disc with a cup, a vessel tree, and
    lesions whose count sets the grade (docs/fundus.md has the rule):
    0 none; 1 1-4 microaneurysms; 2 5-10 microaneurysms plus 1-3 haemorrhages or 1-3
    exudates; 3 5-10 microaneurysms, 8-12 haemorrhages in all four quadrants, 0-2
    exudates; 4 the grade-3 findings plus 8-14 exudates and new vessels by the disc.
    The same seed gives the same eye (anatomy, colours, illumination) at every grade.

    Parameters
    ----------
    grade : int
        0 (no DR) ... 4 (proliferative).
    size : int
        Image side in pixels, 32 ... 4096; lesion sizes scale with it (given for 128).
    seed : int
        Any non-negative integer below 2**64.

    Returns
    -------
    image : (3, size, size) float32 torch.Tensor
        R, G, B in [0, 1]; exactly 0 outside the field of view.
    lesions : (size, size) uint8 torch.Tensor
        0 background, 1 microaneurysm, 2 haemorrhage, 3 hard exudate: each lesion's own
        pixels, one 4-connected component per lesion.

    Raises
    ------
    medimg.ArgumentError
        A grade outside 0..4 or a size outside [32, 4096].
    """
    phantom = _fundus_phantom(int(grade), int(size), int(seed))
    return phantom.image, phantom.lesions


def fundus_dataset(n: int, size: int = 128,
                   seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``n`` fundus phantoms with balanced grades, rendered in parallel.

    The grades of each block of five cases are 0..4 in an order shuffled by ``(seed,
    block)``, so the set is balanced to within one case per grade, and case ``i`` is drawn
    from ``(seed, i)`` alone: ``fundus_dataset(m, size, seed)`` is the first ``m`` cases of
    ``fundus_dataset(n, size, seed)`` for any ``n > m``.

    Returns
    -------
    images : (n, 3, size, size) float32 torch.Tensor
    grades : (n,) int64 torch.Tensor
    lesions : (n, size, size) uint8 torch.Tensor
        As :func:`fundus_phantom`.

    Raises
    ------
    medimg.ArgumentError
        ``n < 0`` or a size outside [32, 4096].
    """
    images, grades, lesions = _fundus_dataset(int(n), int(size), int(seed))
    return images, grades, lesions
