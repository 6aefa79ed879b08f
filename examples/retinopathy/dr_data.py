"""Fundus data sets as network input, shared by train_dr.py and evaluate_dr.py.

Three sources, each giving RGB images in [0, 1] and grades 0..4:
  synthetic  medimg.phantoms.fundus_dataset(n, SIZE, seed): the documented generator
             (docs/fundus.md), with lesion maps; training, validation and test sets use
             different seeds (TRAIN_SEED, VAL_SEED, TEST_SEED), so no case is shared.
  --npz      a MedMNIST v2 retinamnist.npz (medimg.io.read_medmnist; 28 x 28 RGB, labels
             0..4 = the DR grades of the DeepDRiD fundus photographs).
  --folder   a folder of fundus photographs with a grades CSV in the APTOS / EyePACS /
             IDRiD layout (medimg.io.read_graded_folder), each cropped to its field of view
             and shrunk to SIZE on reading.
Every image then goes through medimg.pipelines.dr_preprocess with the settings of
PREPROCESSING below (the shipped model's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional, Tuple

import torch

import medimg
from medimg.pipelines import dr_preprocess

TRAIN_SEED, VAL_SEED, TEST_SEED = 1, 2, 3
#: Side of the synthetic images and of the network input.
SIZE = 128
#: How images become network input (medimg.pipelines.dr_preprocess / DRGrader keywords).
PREPROCESSING: Dict[str, object] = {"size": SIZE, "preprocessing": "none",
                                    "ben_graham_sigma": 2.5}


def synthetic(n: int, seed: int) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(images (n, 3, SIZE, SIZE) in [0, 1], grades (n,), lesions (n, SIZE, SIZE))``."""
    return medimg.phantoms.fundus_dataset(n, size=SIZE, seed=seed)


def npz_split(path: Path, split: str, limit: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """One split of retinamnist.npz: ``(images (N, 3, 28, 28) in [0, 1], grades (N,))``."""
    images, labels = medimg.io.read_medmnist(str(path), split)
    if limit > 0:
        images, labels = images[:limit], labels[:limit]
    if images.dim() != 4 or images.shape[1] != 3:
        raise medimg.FormatError(f"{path}: expected RGB images (N, 28, 28, 3), got "
                                 f"{list(images.shape)} after reading")
    return images.to(torch.float32) / 255.0, labels[:, 0].contiguous()


def folder(path: Path, limit: int = 0, csv: Optional[Path] = None
           ) -> Tuple[torch.Tensor, torch.Tensor]:
    """A graded folder: ``(images (N, 3, SIZE, SIZE) in [0, 1], grades (N,))``. Each
    photograph is decoded, cropped to its field of view (medimg.preprocess.crop_fundus) and
    shrunk to SIZE one at a time, so full-size photographs never sit in memory together."""
    pairs, load = medimg.io.read_graded_folder(str(path), csv=None if csv is None else str(csv))
    if limit > 0:
        pairs = pairs[:limit]
    images = []
    for i in range(len(pairs)):
        image = medimg.preprocess.crop_fundus(load(i)).to(torch.float32) / 255.0
        images.append(torch.nn.functional.interpolate(
            image[None], size=(SIZE, SIZE), mode="bilinear", align_corners=False,
            antialias=True)[0].clamp(0, 1))
    grades = torch.tensor([grade for _, grade in pairs], dtype=torch.int64)
    return torch.stack(images) if images else torch.zeros(0, 3, SIZE, SIZE), grades


def network_input(images) -> torch.Tensor:
    """``dr_preprocess(images, **PREPROCESSING)``."""
    return dr_preprocess(images, **PREPROCESSING)
