"""The data of the 3D segmentation case study (docs/case_segmentation_3d.md): four abdominal
organs in TotalSegmentator's example CT, ../shared/data/totalsegmentator_examples.

The CT (122 x 101 x 30 voxels, 3 mm) comes with two 117-class "total" label maps written by
two different TotalSegmentator models, example_seg.nii.gz (the reference here) and
example_seg_fast.nii.gz: both are model outputs, not manual segmentations. The volume is
split along z into a held-out slab and a training slab; the label ids come from
labels_total_and_total_mr.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Tuple

import numpy as np

import medimg

SOURCE = Path(__file__).resolve().parents[3] / "shared" / "data" / "totalsegmentator_examples"

# The structures scored, labels 1..4 in this order; 0 is everything else.
STRUCTURES = ("liver", "spleen", "kidney_left", "kidney_right")

# What the network predicts, labels 1..3: one kidney class, split into left and right by the
# body's midline afterwards (split_kidneys). The two kidneys are mirror images that a U-Net
# trained on one volume told apart no better than chance (a kidney voxel got probability
# 0.20 left and 0.19 right after 40 epochs), while it found them as kidney.
TRAINING_CLASSES = ("liver", "spleen", "kidney")

BODY_HU = -500  # above: the body (and the table), for the midline

# The inferior end slab (z = 0..7, the feet end: the affine's z axis points to the head) is
# the only 8-slice end slab that holds all four organs: the right kidney ends at z = 18 and
# the left at z = 22, so the superior slab of docs/train.md (z = 22..29) has no kidney.
HELD_OUT = slice(0, 8)
TRAIN = slice(8, 30)

# The abdomen window to [0, 1], as examples/train/totalsegmentator_unet.yaml.
PREPROCESS = [{"window": {"center": 50, "width": 400}}]


def label_ids(source: Path = SOURCE) -> Dict[str, int]:
    """TotalSegmentator's "total" label id of each of STRUCTURES."""
    names = json.loads((source / "labels_total_and_total_mr.json").read_text())["total"]
    by_name = {name: int(key) for key, name in names.items()}
    return {name: by_name[name] for name in STRUCTURES}


def organ_map(total_labels: np.ndarray, ids: Dict[str, int]) -> np.ndarray:
    """The 117-class map reduced to 0 background and 1..4 = STRUCTURES (uint8)."""
    organs = np.zeros(total_labels.shape, np.uint8)
    for index, name in enumerate(STRUCTURES, start=1):
        organs[total_labels == ids[name]] = index
    return organs


def training_map(organs: np.ndarray) -> np.ndarray:
    """An organ map (1..4 = STRUCTURES) with both kidneys as label 3 (TRAINING_CLASSES)."""
    merged = organs.copy()
    merged[organs == 4] = 3
    return merged


def split_kidneys(labels: np.ndarray, hu: np.ndarray, x_direction: float) -> np.ndarray:
    """A (Z, Y, X) map of TRAINING_CLASSES as an organ map of STRUCTURES: kidney voxels on the
    patient's left of the body's midline (the mean x index of the voxels above BODY_HU in
    `hu`) become kidney_left (3), the others kidney_right (4).

    `x_direction` is the world (LPS) x component of the array's x axis: negative when x
    indices run from the patient's left to the right, as in the example CT.
    """
    midline = np.nonzero(hu > BODY_HU)[-1].mean()
    x = np.arange(labels.shape[-1])
    left = x < midline if x_direction < 0 else x > midline
    organs = labels.copy()
    organs[(labels == 3) & ~left] = 4
    return organs


def read_zyx(path: Path) -> Tuple[np.ndarray, Tuple[float, float, float]]:
    """A NIfTI volume as a (Z, Y, X) array and its spacing in array order (mm)."""
    image = medimg.io.read_nifti(path)
    return image.tensor[0].numpy(), tuple(float(s) for s in image.spacing)


def x_direction(path: Path) -> float:
    """The world (LPS) x component of a NIfTI volume's x index axis."""
    return float(np.asarray(medimg.io.read_nifti(path).direction)[0, 0])


def reference_maps(source: Path = SOURCE) -> Tuple[np.ndarray, np.ndarray, Tuple[float, ...]]:
    """(example_seg, example_seg_fast) as (Z, Y, X) organ maps, and their spacing."""
    ids = label_ids(source)
    seg, spacing = read_zyx(source / "example_seg.nii.gz")
    fast, fast_spacing = read_zyx(source / "example_seg_fast.nii.gz")
    assert fast.shape == seg.shape and fast_spacing == spacing, "the two label maps differ in grid"
    return organ_map(seg, ids), organ_map(fast, ids), spacing
