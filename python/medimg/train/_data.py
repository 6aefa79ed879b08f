"""Datasets, pipelines from configuration, and the threaded loader (C++ train/dataset,
train/pipeline, train/loader).

Pipelines are lists of one-key dicts, as in a training configuration file::

    preprocess = [{"window": {"preset": "lung"}}, {"resample": {"spacing": [2, 1.5, 1.5]}}]
    augment = [{"rand_crop_by_label": {"size": [64, 64, 64]}}, {"rand_flip": {"axes": [2]}}]
    dataset = medimg.train.decathlon_dataset("Task09_Spleen", preprocess)
    loader = medimg.train.Loader(dataset, batch_size=2, num_workers=2, augment=augment)
    for batch in loader:        # {"image": (N, C, *spatial), "label": ..., "index": (N,)}
        ...

Loading runs in C++ threads with the GIL released. Guide: docs/train_data.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .._convert import as_image, like
from .._medimg import (ArgumentError, Image, ShapeError, Transform, _augmentation_from_config,
                       _class_label, _decathlon_samples, _FileDataset, _InMemoryDataset,
                       _Loader, _NpzDataset, _Preprocessing, _sample_order, _sample_seed)

__all__ = ["Preprocessing", "augmentation", "FileDataset", "decathlon_samples",
           "decathlon_dataset", "NpzDataset", "InMemoryDataset", "Loader", "sample_order",
           "sample_seed"]

PathLike = Union[str, Path]
Config = Union[None, str, Sequence[Dict[str, Any]]]


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} into a configuration")


def _config_text(config: Config) -> str:
    """A pipeline configuration as the JSON (or YAML) text C++ reads."""
    if config is None:
        return "[]"
    if isinstance(config, str):
        return config
    return json.dumps(list(config), default=_json_default)


class Preprocessing(_Preprocessing):
    """Deterministic preprocessing steps from a configuration list, run in order.

    Steps and their keys (the keyword names of ``medimg.preprocess``):
    ``window`` {center, width | preset, mode, output}, ``normalize`` {mode: "zscore"
    (nonzero, mean, std, clip) | "minmax" (output) | "percentile" (lower, upper, output)},
    ``clip`` {min, max}, ``resample`` {spacing, interpolation, border}, ``crop_foreground``
    {threshold, margin}, ``crop_or_pad`` {shape, mode, value}, ``to_float`` {}. Geometric
    steps move a label map with the image (nearest neighbour).

    Parameters
    ----------
    steps : list of dict, str or None
        ``[{"window": {"preset": "lung"}}, {"to_float": {}}]``, or the same as JSON/YAML
        text. An unknown step, key or wrongly typed value raises ArgumentError naming it
        (``"preprocess[1].window.width"``).

    Attributes
    ----------
    keys : list of str
        Each step with every parameter resolved: equal keys give equal results (the disk
        cache keys on them).
    """

    def __init__(self, steps: Config = None) -> None:
        super().__init__(_config_text(steps), "preprocess")

    def __call__(self, image: Any, label: Any = None):
        """Runs the steps on ``image`` (and ``label``); returns the kinds given, as
        ``(image, label)`` when a label is given (a class index comes back unchanged)."""
        img = as_image(image)
        lbl, added = (None, False) if label is None else _label_image(label, img)
        out_image, out_label = self._run(img, lbl)
        if label is None:
            return like(image, out_image)
        if isinstance(label, Image):
            return like(image, out_image), out_label
        if np.ndim(label) <= 1:
            return like(image, out_image), label  # a class label: untouched
        tensor = out_label.tensor[0] if added else out_label.tensor
        return like(image, out_image), (tensor if isinstance(label, torch.Tensor)
                                        else tensor.numpy())


def _preprocessing(preprocess: Union[Config, Preprocessing]) -> Preprocessing:
    return preprocess if isinstance(preprocess, _Preprocessing) else Preprocessing(preprocess)


def augmentation(steps: Config) -> Transform:
    """The random augmentation pipeline of a configuration list (a C++ Compose).

    Steps (keys as the ``medimg.augment`` classes' keywords; ranges are ``[low, high]``):
    ``rand_flip`` {axes, probability}, ``rand_rot90`` {plane, max_k}, ``rand_affine``
    {rotation, scale, isotropic_scale, translation, shear, interpolation, border,
    fill_value}, ``rand_elastic`` {sigma, magnitude, interpolation, border, fill_value},
    ``rand_gamma`` {gamma}, ``rand_gaussian_noise`` {mean, std}, ``rand_gaussian_smooth``
    {sigma}, ``rand_contrast`` {factor, preserve_range}, ``rand_brightness`` {multiplier,
    offset}, ``rand_bias_field`` {degree, coefficients}, ``rand_crop_by_label`` {size,
    foreground_probability, fill_value}. Each may carry ``probability`` (the chance it runs)
    except ``rand_flip``, whose ``probability`` is the per-axis flip chance.

    Returns
    -------
    A ``medimg.augment`` Transform: ``image, label = pipeline(image, label, seed=0)``.
    """
    return _augmentation_from_config(_config_text(steps), "augment")


def _augment(augment: Union[Config, Transform]) -> Optional[Transform]:
    if augment is None or isinstance(augment, Transform):
        return augment
    return augmentation(augment)


def _label_image(label: Any, image: Image) -> Tuple[Image, bool]:
    """A label as C++ takes it, and whether a channel axis was added: a class index (int, or
    a 1-D sequence for multi-label targets) becomes a class label; an array, tensor or Image
    with or without the channel axis becomes a label map on the image's grid."""
    if isinstance(label, Image):
        return label, False
    if isinstance(label, (int, np.integer)):
        return _class_label([int(label)]), False
    tensor = label if isinstance(label, torch.Tensor) else torch.from_numpy(np.asarray(label))
    if tensor.dim() <= 1:
        return _class_label([int(v) for v in tensor.reshape(-1).tolist()]), False
    added = tensor.dim() == image.spatial_dims
    if added:
        tensor = tensor.unsqueeze(0)
    if tuple(tensor.shape[1:]) != tuple(image.shape[1:]):
        raise ShapeError(f"label shape {tuple(label.shape)} does not match the image's "
                         f"spatial shape {tuple(image.shape[1:])}")
    result = Image(tensor)
    result.geometry = image.geometry
    return result, added


class _DatasetMixin:
    """Indexing and the sample description, shared by every dataset class."""

    def __getitem__(self, index: int) -> Tuple[Image, Optional[Image]]:
        """``(image, label)`` of sample ``index`` after preprocessing (label None when the
        dataset has none); negative indices count from the end."""
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"dataset index {index} out of range for {n} samples")
        return self._get(index)

    def __iter__(self) -> Iterator[Tuple[Image, Optional[Image]]]:
        for index in range(len(self)):
            yield self[index]


def _pairs(samples: Sequence[Any]) -> List[Tuple[str, str]]:
    pairs = []
    for item in samples:
        if isinstance(item, dict):
            image, label = item.get("image"), item.get("label")
        elif isinstance(item, (str, Path)):
            image, label = item, None
        else:
            image, label = item
        pairs.append((str(image), "" if label is None else str(label)))
    return pairs


class FileDataset(_DatasetMixin, _FileDataset):
    """Image/label files (NIfTI, DICOM files or folders, PNG/JPEG/TIFF/BMP), preprocessed
    once and cached.

    A label must have its image's spatial shape and geometry (spacing, origin, direction
    within ``geometry_tolerance``); otherwise ``dataset[i]`` raises ShapeError naming both
    paths. Missing files raise IoError here.

    Parameters
    ----------
    samples : sequence of (image, label) pairs, {"image": ..., "label": ...} dicts or paths
        A label of None (or a bare path) means no label.
    preprocess : list of dict, str or Preprocessing, optional
    cache : bool
        Keep preprocessed samples in memory.
    cache_dir : path, optional
        Also keep them on disk, keyed by each file's absolute path, size and modification
        time and by the pipeline's keys (a changed file or pipeline misses).
    geometry_tolerance : float
        mm for spacing and origin, cosine for direction.
    """

    def __init__(self, samples: Sequence[Any], preprocess: Any = None, *, cache: bool = True,
                 cache_dir: Optional[PathLike] = None, geometry_tolerance: float = 1e-3) -> None:
        _FileDataset.__init__(self, _pairs(samples), _preprocessing(preprocess), bool(cache),
                              "" if cache_dir is None else str(cache_dir),
                              float(geometry_tolerance))


def decathlon_samples(folder: PathLike) -> List[Tuple[str, str]]:
    """The (image, label) paths of a Medical Segmentation Decathlon folder: dataset.json's
    "training" list, or ``imagesTr/*.nii.gz`` with ``labelsTr/`` of the same name. A
    missing label raises IoError naming it."""
    return [tuple(pair) for pair in _decathlon_samples(str(folder))]


def decathlon_dataset(folder: PathLike, preprocess: Any = None, *, cache: bool = True,
                      cache_dir: Optional[PathLike] = None) -> FileDataset:
    """``FileDataset(decathlon_samples(folder), preprocess, ...)``."""
    return FileDataset(decathlon_samples(folder), preprocess, cache=cache, cache_dir=cache_dir)


class NpzDataset(_DatasetMixin, _NpzDataset):
    """One split of a MedMNIST ``.npz`` file.

    Images are float32 ``(C, H, W)`` (``(1, D, H, W)`` for the 3D sets), uint8 divided by
    255 as torchvision's ``ToTensor``; labels are class labels, which the loader batches as
    int64 ``(N)`` (``(N, L)`` for multi-label sets). ``dataset[i]`` gives the label as an
    int64 Image of shape ``(L, 1, 1)``.

    Parameters
    ----------
    path : path
    split : {"train", "val", "test"}
    preprocess : list of dict, str or Preprocessing, optional
    cache : bool
    """

    def __init__(self, path: PathLike, split: str = "train", preprocess: Any = None, *,
                 cache: bool = True) -> None:
        _NpzDataset.__init__(self, str(path), split, _preprocessing(preprocess), bool(cache))


def _owned_image(x: Any) -> Image:
    """An Image with its own copy of the voxels: loader threads must never free memory that
    numpy owns (that needs the GIL)."""
    image = as_image(x)
    return image.with_tensor(image.tensor.detach().clone())


class InMemoryDataset(_DatasetMixin, _InMemoryDataset):
    """Samples given in memory.

    Parameters
    ----------
    images : sequence of Image, torch.Tensor or numpy.ndarray, or one array
        Channel first, ``(C, Y, X)`` or ``(C, Z, Y, X)``; an array ``(N, C, ...)`` is taken
        item by item.
    labels : sequence, optional
        Per image: a label map (with or without the channel axis), a class index (int), a
        1-D sequence of 0/1 targets (multi-label), or None. Voxels are copied.
    preprocess : list of dict, str or Preprocessing, optional
    cache : bool
    """

    def __init__(self, images: Any, labels: Optional[Sequence[Any]] = None,
                 preprocess: Any = None, *, cache: bool = True) -> None:
        owned = [_owned_image(x) for x in images]
        if labels is None:
            label_images: List[Optional[Image]] = [None] * len(owned)
        else:
            if len(labels) != len(owned):
                raise ArgumentError(f"{len(owned)} images but {len(labels)} labels")
            label_images = [None if y is None else _owned_label(y, x)
                            for x, y in zip(owned, labels)]
        _InMemoryDataset.__init__(self, owned, label_images, _preprocessing(preprocess),
                                  bool(cache))


def _owned_label(label: Any, image: Image) -> Image:
    result, _ = _label_image(label, image)
    return result.with_tensor(result.tensor.detach().clone())


def _check_counts(who: str, **values: int) -> None:
    """Each value a non-negative integer below 2^63: pybind11 would raise TypeError."""
    for name, value in values.items():
        if not isinstance(value, (int, np.integer)) or not 0 <= value < 2 ** 63:
            raise ArgumentError(f"{who}: {name} must be an integer >= 0, got {value!r}")


def sample_order(dataset_size: int, *, shuffle: bool = True, seed: int = 0, epoch: int = 0,
                 rank: int = 0, world_size: int = 1) -> List[int]:
    """The dataset indices rank ``rank`` visits in ``epoch``: exactly
    ``list(torch.utils.data.DistributedSampler(dataset, world_size, rank, shuffle, seed))``
    after ``set_epoch(epoch)``."""
    _check_counts("sample_order", dataset_size=dataset_size, seed=seed, epoch=epoch, rank=rank,
                  world_size=world_size)
    return list(_sample_order(dataset_size, shuffle, seed, epoch, rank, world_size))


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """The seed of sample ``index``'s augmentation in ``epoch``:
    ``augment(image, label, random=medimg.augment.Random(sample_seed(...)))`` reproduces
    what the loader gives."""
    _check_counts("sample_seed", seed=seed, epoch=epoch, index=index)
    return _sample_seed(seed, epoch, index)


class Loader:
    """Batches of augmented samples, loaded by C++ worker threads without the GIL.

    Iterating gives one epoch of dicts ``{"image": (N, C, *spatial) float32 tensor,
    "label": tensor or None, "index": (N,) int64 tensor}``. Label maps are int64 (float32
    when floating) ``(N, C, *spatial)``; class labels int64 ``(N)`` (``(N, L)`` multi-label).
    Each ``iter(loader)`` runs epoch ``loader.epoch`` and advances it; ``set_epoch`` sets it
    (as ``DistributedSampler.set_epoch``).

    The order of epoch e depends only on (seed, e) and equals DistributedSampler's; sample i
    is augmented with ``Random(sample_seed(seed, e, i))``: results do not depend on
    ``num_workers`` or timing.

    Parameters
    ----------
    dataset : FileDataset, NpzDataset or InMemoryDataset
    batch_size : int
    shuffle : bool
    seed : int
    num_workers : int
        Loading threads (0: in the iterating thread).
    prefetch : int
        Batches each worker may load ahead.
    drop_last : bool
    augment : list of dict, str or medimg.augment Transform, optional
    rank, world_size : int
        Data-parallel split (DistributedSampler).
    worker_threads : int
        Intra-op threads per loading thread (1 avoids oversubscribing the cores; 0 leaves
        the default).
    """

    def __init__(self, dataset: Any, batch_size: int = 1, *, shuffle: bool = True,
                 seed: int = 0, num_workers: int = 0, prefetch: int = 2,
                 drop_last: bool = False, augment: Any = None, rank: int = 0,
                 world_size: int = 1, worker_threads: int = 1) -> None:
        self.dataset = dataset
        self.augment = _augment(augment)
        self._loader = _Loader(dataset, int(batch_size), bool(shuffle), int(seed),
                               int(num_workers), int(prefetch), bool(drop_last), self.augment,
                               int(rank), int(world_size), int(worker_threads))
        self._run = 0

    def __len__(self) -> int:
        return self._loader.num_batches

    @property
    def epoch(self) -> int:
        """The epoch the next iteration runs."""
        return self._loader.epoch

    def set_epoch(self, epoch: int) -> None:
        self._loader.set_epoch(int(epoch))

    @property
    def num_samples(self) -> int:
        """Samples per epoch for this rank."""
        return self._loader.num_samples

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        self._run += 1
        run = self._run
        self._loader.begin_epoch()
        try:
            while True:
                batch = self._loader._next()
                if batch is None:
                    return
                yield batch
        finally:
            # An abandoned iteration stops its workers, unless a newer one has started.
            if self._run == run:
                self._loader.stop()
