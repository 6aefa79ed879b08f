"""The Python calling layer over the C++ transforms: any input kind, labels with or without
a channel axis, a Random or a seed."""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .._convert import as_image, like
from .._medimg import (AffineParams, ArgumentError, BrightnessParams, ElasticParams, Image,
                       NoiseParams, Random, RandAffine, RandBiasField, RandBrightness,
                       RandContrast, RandCropByLabel, RandElastic, RandFlip, RandGamma,
                       RandGaussianNoise, RandGaussianSmooth, RandRot90, ShapeError, Transform,
                       _Compose, affine_matrix, bias_field_terms)
from .._medimg import affine_batch as _affine_batch

_default_random = Random(0)


def _random(random: Optional[Random], seed: Optional[int]) -> Random:
    if random is not None and seed is not None:
        raise ArgumentError("give random= or seed=, not both")
    if seed is not None:
        return Random(seed)
    return _default_random if random is None else random


def _as_label(label: Any, image: Image) -> Tuple[Optional[Image], bool]:
    """The label as an Image on the image's grid, and whether a channel axis was added."""
    if label is None:
        return None, False
    if isinstance(label, Image):
        return _on_grid(label.tensor, image), False
    tensor = label if isinstance(label, torch.Tensor) else torch.from_numpy(np.asarray(label))
    added = tensor.dim() == image.spatial_dims
    if added:
        tensor = tensor.unsqueeze(0)
    if tuple(tensor.shape[1:]) != tuple(image.shape[1:]):
        raise ShapeError(f"label shape {tuple(label.shape)} does not match the image's spatial "
                         f"shape {tuple(image.shape[1:])}")
    return _on_grid(tensor, image), added


def _on_grid(tensor: torch.Tensor, image: Image) -> Image:
    label = Image(tensor)
    label.geometry = image.geometry
    return label


def _label_like(template: Any, result: Image, added: bool) -> Any:
    if isinstance(template, Image):
        return result
    tensor = result.tensor[0] if added else result.tensor
    return tensor if isinstance(template, torch.Tensor) else tensor.numpy()


def _run(step, image: Any, label: Any):
    """Runs step(Image, Image or None) -> (Image, Image or None) and converts back."""
    img = as_image(image)
    lbl, added = _as_label(label, img)
    out_image, out_label = step(img, lbl)
    if label is None:
        return like(image, out_image)
    return like(image, out_image), _label_like(label, out_label, added)


def _call(self: Transform, image: Any, label: Any = None, *, random: Optional[Random] = None,
          seed: Optional[int] = None):
    """Draws parameters and applies them to ``image`` (and ``label``, with nearest neighbour).

    Returns the image, or ``(image, label)`` when a label is given, each as the kind it came
    in. ``random`` (a ``medimg.augment.Random``) or ``seed`` fixes the draw; without either
    the module's own generator (seed 0 at import) is used.
    """
    rng = _random(random, seed)
    return _run(lambda i, l: self._run(i, l, rng), image, label)


def _apply(self: Transform, image: Any, params: Any, label: Any = None):
    """Applies parameters from ``sample`` to ``image`` (and ``label``)."""
    return _run(lambda i, l: self._apply(i, params, l), image, label)


Transform.__call__ = _call
Transform.apply = _apply


class Compose(_Compose):
    """Transforms in order, each with its own probability.

    Parameters
    ----------
    transforms : iterable of Transform or (Transform, probability)
    seed : int, optional
        Gives the pipeline its own ``Random``: calls without ``random=``/``seed=`` then draw
        from it, so a pipeline built with one seed yields one sequence of results.
    """

    def __init__(self, transforms: Iterable[Union[Transform, Tuple[Transform, float]]],
                 seed: Optional[int] = None):
        super().__init__()
        self.transforms = []
        for item in transforms:
            if isinstance(item, tuple) and len(item) != 2:
                raise ArgumentError(f"Compose: expected a Transform or (Transform, probability), "
                                    f"got a tuple of {len(item)} items")
            transform, probability = item if isinstance(item, tuple) else (item, 1.0)
            if transform is not None and not isinstance(transform, Transform):
                raise ArgumentError(f"Compose: expected a medimg.augment Transform, got "
                                    f"{type(transform).__name__}")
            self.add(transform, probability)
            self.transforms.append((transform, probability))
        self.random = Random(seed) if seed is not None else None

    def __call__(self, image: Any, label: Any = None, *, random: Optional[Random] = None,
                 seed: Optional[int] = None):
        if random is None and seed is None and self.random is not None:
            random = self.random
        return _call(self, image, label, random=random, seed=seed)


def affine_batch(batch: torch.Tensor, matrices: Union[torch.Tensor, Sequence[np.ndarray]],
                 interpolation: str = "linear", border: str = "constant") -> torch.Tensor:
    """Warps each item of a batch ``(N, C, [Z,] Y, X)`` on its own device with torch's
    ``affine_grid``/``grid_sample``.

    ``matrices`` holds one ``(ndim+1, ndim+1)`` output-index -> input-index matrix per item,
    e.g. ``affine_matrix(RandAffine.sample(...), shape, spacing)``; the warp then equals
    ``RandAffine.apply`` with linear or nearest interpolation (see docs/augment.md for the
    border rules).
    """
    if not isinstance(matrices, torch.Tensor):
        matrices = torch.as_tensor(np.stack([np.asarray(m, dtype=np.float64) for m in matrices]))
    return _affine_batch(batch, matrices, interpolation, border)
