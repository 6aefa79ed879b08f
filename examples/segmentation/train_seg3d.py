"""Trains medimg's 3D U-Net for liver, spleen and both kidneys on TotalSegmentator's example CT.

    PYTHONPATH=build/python /usr/bin/python3 examples/segmentation/train_seg3d.py \
        --out build/seg3d [--epochs 40 --repeat 16 --seed 0 --threads 2]

The training slab (z = 8..29 of the 30-slice CT) goes to OUT/data in the Medical Segmentation
Decathlon layout with labels 1 liver, 2 spleen, 3 kidney (both; evaluate_seg3d.py splits them
into left and right by the body's midline) taken from example_seg.nii.gz (TotalSegmentator's
output, not a manual segmentation); the held-out slab (z = 0..7) to OUT/data/validation.
medimg's trainer (medimg.train.Trainer) then trains a 3D
U-Net (features 8-64, instance norm) on 8-slice patches of whole slices with batch Dice +
cross-entropy, validating on the held-out slab for the log only. The model of the LAST
epoch is copied to OUT/totalseg_abdomen_unet.pt (no model selection on the held-out slab);
models/totalseg_abdomen_unet.pt in the repository is that file from the default command.
One seed and thread count give one model on one machine (docs/train.md).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import List, Sequence

import nibabel as nib
import numpy as np

import medimg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seg3d_data import (HELD_OUT, PREPROCESS, SOURCE, TRAIN, TRAINING_CLASSES,  # noqa: E402
                        label_ids, organ_map, training_map)

MODEL_NAME = "totalseg_abdomen_unet.pt"
# (Z, Y, X): whole slices (101 x 122 padded with 0, air after the window, to multiples of
# 8), 8 deep as the held-out slab, so one window predicts it without padding along z.
PATCH = (8, 104, 128)


def prepare(out: Path, source: Path = SOURCE) -> None:
    """Writes the training slab (imagesTr/, labelsTr/) and the held-out slab (validation/)."""
    ct = nib.load(source / "example_ct_sm.nii.gz")
    seg = nib.load(source / "example_seg.nii.gz")
    labels = training_map(organ_map(np.asarray(seg.dataobj), label_ids(source)))
    organs = nib.Nifti1Image(labels, seg.affine)
    for folder in ("imagesTr", "labelsTr", "validation"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    # NIfTI's third axis is z (medimg's first); slicer keeps each slab's affine right.
    nib.save(ct.slicer[:, :, TRAIN], out / "imagesTr" / "abdomen.nii.gz")
    nib.save(organs.slicer[:, :, TRAIN], out / "labelsTr" / "abdomen.nii.gz")
    nib.save(ct.slicer[:, :, HELD_OUT], out / "validation" / "image.nii.gz")
    nib.save(organs.slicer[:, :, HELD_OUT], out / "validation" / "label.nii.gz")


def config(data: Path, run: Path, *, epochs: int, repeat: int, seed: int, threads: int,
           patch: Sequence[int] = PATCH, val_every: int = 10) -> dict:
    """The training configuration (the keys of docs/train.md)."""
    return {
        "task": "segmentation",
        "model": {"architecture": "unet", "spatial_dims": 3, "in_channels": 1,
                  "out_channels": 1 + len(TRAINING_CLASSES), "features": [8, 16, 32, 64],
                  "norm": "instance"},
        "data": {
            "train": {"decathlon": str(data), "repeat": repeat},
            "validation": {"pairs": [{"image": str(data / "validation" / "image.nii.gz"),
                                      "label": str(data / "validation" / "label.nii.gz")}]},
            "preprocess": PREPROCESS,
            # No flips: left and right tell the liver from the spleen. No
            # rand_affine either: its rotations tilt every plane, (z, y) and (z, x) too, and
            # would fill much of an 8-slice patch with padding.
            "augment": [
                {"rand_crop_by_label": {"size": list(patch), "foreground_probability": 0.8}},
                {"rand_gamma": {"gamma": [0.8, 1.25], "probability": 0.3}},
                {"rand_gaussian_noise": {"std": [0.0, 0.03], "probability": 0.3}},
            ],
        },
        "loader": {"batch_size": 2, "num_workers": 2},
        "optimizer": {"name": "adamw", "lr": 0.005, "weight_decay": 0.0001},
        # A 2-epoch warm-up (none for the tests' 1-2 epoch runs), then cosine decay.
        "scheduler": {"name": "cosine", "warmup_epochs": 2 if epochs > 2 else 0,
                      "start_factor": 0.1},
        # Dice over the batch and without the background, as nnU-Net: the kidneys are
        # small, and absent from a third of the training patches.
        "loss": {"name": "dice_ce", "include_background": False, "batch": True},
        "trainer": {"epochs": epochs, "seed": seed, "val_every": val_every,
                    "threads": threads, "out_dir": str(run)},
        # Validation windows as evaluate_seg3d.py's: one covers the held-out slab.
        "validation": {"roi_size": list(PATCH), "overlap": 0.5, "mode": "gaussian"},
    }


def train(out: Path, *, epochs: int, repeat: int, seed: int, threads: int,
          patch: Sequence[int] = PATCH, source: Path = SOURCE,
          progress: bool = False) -> List[dict]:
    """Prepares the data, trains, copies the last epoch's model to OUT/MODEL_NAME; the history."""
    prepare(out / "data", source)
    history = medimg.train.train(
        config(out / "data", out / "run", epochs=epochs, repeat=repeat, seed=seed,
               threads=threads, patch=patch, val_every=min(10, epochs)),
        progress=progress)
    shutil.copyfile(out / "run" / "last_model.pt", out / MODEL_NAME)
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=16, help="patches per epoch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads")
    args = parser.parse_args()

    start = time.perf_counter()
    history = train(args.out, epochs=args.epochs, repeat=args.repeat, seed=args.seed,
                    threads=args.threads, source=args.source, progress=True)
    seconds = time.perf_counter() - start
    for record in history:
        if "val_dice" in record:
            scores = ", ".join(f"{name} {record[f'val_dice_{i}']:.3f}"
                               for i, name in enumerate(TRAINING_CLASSES, start=1)
                               if f"val_dice_{i}" in record)
            print(f"epoch {record['epoch'] + 1}: train_loss {record['train_loss']:.4f}, "
                  f"val_dice {record['val_dice']:.4f} ({scores})")
    size = (args.out / MODEL_NAME).stat().st_size
    print(f"trained in {seconds:.0f} s; model {args.out / MODEL_NAME} ({size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
