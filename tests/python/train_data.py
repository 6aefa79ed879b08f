"""Small synthetic segmentation and classification datasets on disk for the trainer tests:
noisy spheres with their masks, in the Medical Segmentation Decathlon layout."""

from pathlib import Path
from typing import Dict

import nibabel as nib
import numpy as np


def write_sphere_cases(folder: Path, count: int = 6, shape=(12, 16, 16), seed: int = 0) -> Path:
    """imagesTr/caseN.nii.gz and labelsTr/caseN.nii.gz: a bright sphere (label 1) in noise."""
    rng = np.random.default_rng(seed)
    (folder / "imagesTr").mkdir(parents=True, exist_ok=True)
    (folder / "labelsTr").mkdir(parents=True, exist_ok=True)
    z, y, x = np.mgrid[:shape[0], :shape[1], :shape[2]]
    affine = np.diag([1.5, 1.5, 2.0, 1.0])
    for i in range(count):
        centre = rng.uniform(0.3, 0.7, 3) * np.array(shape)
        radius = rng.uniform(2.5, 4.5)
        label = ((z - centre[0]) ** 2 + (y - centre[1]) ** 2 + (x - centre[2]) ** 2
                 < radius ** 2).astype(np.uint8)
        image = (label * 100 + rng.normal(0, 25, shape)).astype(np.float32)
        # NIfTI stores (x, y, z); medimg's arrays are (z, y, x).
        nib.save(nib.Nifti1Image(image.transpose(2, 1, 0), affine),
                 folder / "imagesTr" / f"case{i}.nii.gz")
        nib.save(nib.Nifti1Image(label.transpose(2, 1, 0), affine),
                 folder / "labelsTr" / f"case{i}.nii.gz")
    return folder


def segmentation_config(data: Path, out: Path, epochs: int = 3, batch_size: int = 2,
                        validation: bool = True) -> Dict:
    config = {
        "task": "segmentation",
        "model": {"architecture": "unet", "spatial_dims": 3, "in_channels": 1,
                  "out_channels": 2, "features": [4, 8], "norm": "instance"},
        "data": {
            "train": {"decathlon": str(data)},
            "preprocess": [{"normalize": {"mode": "zscore"}}],
            "augment": [{"rand_flip": {"probability": 0.5}}],
        },
        "loader": {"batch_size": batch_size, "num_workers": 2},
        "optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9},
        "scheduler": {"name": "poly"},
        "trainer": {"epochs": epochs, "seed": 7, "out_dir": str(out)},
    }
    if validation:
        config["data"]["validation"] = {"pairs": [
            {"image": str(data / "imagesTr" / "case0.nii.gz"),
             "label": str(data / "labelsTr" / "case0.nii.gz")}]}
    return config
