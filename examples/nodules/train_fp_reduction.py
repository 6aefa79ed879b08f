"""Trains the lung-nodule pipeline's false-positive reduction CNN on CT phantoms.

    PYTHONPATH=build/python /usr/bin/python3 examples/nodules/train_fp_reduction.py \
        --out build/nodules/fpr [--train 32 --validation 8 --epochs 12 --seed 0]

Every candidate that medimg's classic stages find in each training phantom becomes a 32^3
patch at 1.25 mm (40 mm), labelled nodule when it lies inside a planted nodule; each nodule
adds jittered patches and each phantom 12 vessel fragments as extra negatives. The patches
go into a MedMNIST-style NPZ and a 3D CNN (medimg's CNN3d, instance norm, 54 k parameters)
is trained on it by medimg's trainer with random flips and 90-degree rotations. The best
model (validation AUC) is copied to OUT/lung_nodule_fpr.pt; models/lung_nodule_fpr.pt in
the repository is that file from the default command. One seed gives one model on one
machine and thread count (docs/train.md).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np

import medimg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from phantom_cases import TRAIN_SEED, VALIDATION_SEED, labelled_patches  # noqa: E402


def config(npz: Path, out: Path, epochs: int, seed: int) -> dict:
    return {
        "task": "classification",
        "model": {"architecture": "cnn3d", "in_channels": 1, "num_classes": 2,
                  "features": [8, 16, 32], "norm": "instance", "dropout": 0.2},
        "data": {"train": {"npz": str(npz), "split": "train"},
                 "validation": {"npz": str(npz), "split": "val"},
                 "augment": [{"rand_flip": {"axes": [0, 1, 2]}},
                             {"rand_rot90": {"plane": [-2, -1]}}]},
        "loader": {"batch_size": 16, "num_workers": 2},
        "optimizer": {"name": "adamw", "lr": 2e-3, "weight_decay": 1e-4},
        "scheduler": {"name": "cosine", "warmup_epochs": 1},
        "loss": {"name": "ce"},
        "trainer": {"epochs": epochs, "seed": seed, "monitor": "val_auc",
                    "out_dir": str(out / "run")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--train", type=int, default=32, help="training phantoms")
    parser.add_argument("--validation", type=int, default=8, help="validation phantoms")
    parser.add_argument("--jitter", type=int, default=2, help="extra patches per nodule")
    parser.add_argument("--fragments", type=int, default=12,
                        help="extra vessel-fragment negatives per training phantom")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    detector = medimg.pipelines.LungNoduleDetector()
    rng = np.random.default_rng(args.seed)
    train = labelled_patches(detector, range(TRAIN_SEED, TRAIN_SEED + args.train),
                             args.jitter, args.fragments, rng)
    val = labelled_patches(detector, range(VALIDATION_SEED, VALIDATION_SEED + args.validation),
                           0, 0, rng)
    npz = args.out / "patches.npz"
    np.savez_compressed(npz, train_images=train[0], train_labels=train[1], val_images=val[0],
                        val_labels=val[1], test_images=val[0][:1], test_labels=val[1][:1])
    print(f"patches: train {len(train[1])} ({int(train[1].sum())} nodule), "
          f"validation {len(val[1])} ({int(val[1].sum())} nodule), "
          f"{time.perf_counter() - start:.1f} s")

    history = medimg.train.train(config(npz, args.out, args.epochs, args.seed), progress=True)
    best = max((r for r in history if "val_auc" in r), key=lambda r: r["val_auc"])
    print(f"best epoch {best['epoch']}: val_auc {best['val_auc']:.4f}, "
          f"val_accuracy {best['val_accuracy']:.4f}; "
          f"{time.perf_counter() - start:.0f} s in all")
    shutil.copyfile(args.out / "run" / "best_model.pt", args.out / "lung_nodule_fpr.pt")
    print(f"wrote {args.out / 'lung_nodule_fpr.pt'}")


if __name__ == "__main__":
    main()
