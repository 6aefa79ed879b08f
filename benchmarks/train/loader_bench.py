"""Loader throughput with augmentation: medimg's threaded C++ Loader beside a MONAI-style
Python loader (torch.utils.data.DataLoader with worker processes and the same transforms
written with numpy and torch), in one run.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/train/loader_bench.py \
        [--size 128 160 160] [--patch 64] [--volumes 4] [--epochs 6] [--workers 2] [--verbose]

Both loaders draw from the same in-memory volumes (a CT-like float32 volume and a label map
with two "organs", as a CacheDataset would hold them after preprocessing) and apply, per
sample: a 64^3 patch centred on the foreground with probability 0.5 (MONAI's
RandCropByPosNegLabel, foreground voxels found anew each call as MONAI does without
precomputed indices), a flip of each axis with probability 0.5, a random affine (rotation
+-15 degrees per plane, scale 0.9-1.1, trilinear image / nearest label, MONAI's
affine_grid + grid_sample path) and Gaussian noise with std drawn from [0, 0.1]. Batch 2,
2 workers, each worker on one intra-op thread (torch's DataLoader sets that in its
workers; medimg's Loader by default); the Python workers are persistent (its best case:
no fork per epoch). Each loader runs one warm-up epoch and then --epochs timed ones, of which
it keeps the fastest; the Python loader goes first and is shut down before medimg runs.
"""

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

import medimg
from medimg import train

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import best_of, row  # noqa: E402

AUGMENT = [
    {"rand_crop_by_label": {"size": None, "foreground_probability": 0.5}},
    {"rand_flip": {"probability": 0.5}},
    {"rand_affine": {"rotation": [-15, 15], "scale": [0.9, 1.1]}},
    {"rand_gaussian_noise": {"std": [0.0, 0.1]}},
]


def volumes(count, size, seed=0):
    """CT-like volumes (smooth body + noise) and labels with two ellipsoid organs."""
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(*[np.linspace(-1, 1, s, dtype=np.float32) for s in size],
                                indexing="ij"))
    out = []
    for _ in range(count):
        body = (grid ** 2).sum(0) < 0.8
        image = np.where(body, 40.0, -1000.0).astype(np.float32)
        image += rng.normal(0, 20, size).astype(np.float32)
        label = np.zeros(size, np.uint8)
        for organ, (c, r) in enumerate([((0.1, -0.3, 0.2), (0.25, 0.3, 0.2)),
                                        ((-0.2, 0.35, -0.3), (0.15, 0.12, 0.15))], 1):
            shift = rng.uniform(-0.05, 0.05, 3)
            inside = sum(((g - ci - si) / ri) ** 2 for g, ci, si, ri in zip(grid, c, shift, r))
            label[inside < 1] = organ
        image = (image + 1000) / 1100  # already normalised, as after preprocessing
        out.append((image[None].astype(np.float32), label[None]))
    return out


class PythonDataset(Dataset):
    """The same transforms in numpy and torch, MONAI-style (one sample at a time)."""

    def __init__(self, data, length, patch):
        self.data, self.length, self.patch = data, length, patch

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        rng = np.random.default_rng()
        image, label = self.data[index % len(self.data)]
        shape = np.array(image.shape[1:])
        # RandCropByPosNegLabel(pos=1, neg=1, num_samples=1): foreground indices each call.
        if rng.random() < 0.5:
            foreground = np.flatnonzero(label[0])
            centre = np.array(np.unravel_index(foreground[rng.integers(len(foreground))],
                                               shape))
        else:
            centre = np.array([rng.integers(s) for s in shape])
        start = np.clip(centre - self.patch // 2, 0, shape - self.patch)
        box = (slice(None),) + tuple(slice(s, s + self.patch) for s in start)
        image, label = image[box], label[box]
        # RandFlip per axis.
        axes = tuple(a + 1 for a in range(3) if rng.random() < 0.5)
        if axes:
            image, label = np.flip(image, axes), np.flip(label, axes)
        image = torch.from_numpy(np.ascontiguousarray(image))
        label = torch.from_numpy(np.ascontiguousarray(label))
        # RandAffine through affine_grid + grid_sample (MONAI's Resample backend).
        angles = rng.uniform(-math.radians(15), math.radians(15), 3)
        scale = rng.uniform(0.9, 1.1)
        matrix = np.eye(4)
        for (a, b), angle in zip([(1, 2), (0, 2), (0, 1)], angles):
            r = np.eye(4)
            r[a, a] = r[b, b] = math.cos(angle)
            r[a, b], r[b, a] = -math.sin(angle), math.sin(angle)
            matrix = matrix @ r
        matrix[:3, :3] /= scale
        theta = torch.from_numpy(matrix[:3]).float()[None]
        grid = F.affine_grid(theta, (1, 1, *image.shape[1:]), align_corners=False)
        image = F.grid_sample(image[None], grid, mode="bilinear", padding_mode="zeros",
                              align_corners=False)[0]
        label = F.grid_sample(label[None].float(), grid, mode="nearest", padding_mode="zeros",
                              align_corners=False)[0].long()
        # RandGaussianNoise.
        std = rng.uniform(0.0, 0.1)
        noise = torch.from_numpy(rng.normal(0.0, std, image.shape).astype(np.float32))
        return {"image": image + noise, "label": label}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, nargs=3, default=[128, 160, 160])
    parser.add_argument("--patch", type=int, default=64)
    parser.add_argument("--volumes", type=int, default=4)
    parser.add_argument("--length", type=int, default=16, help="samples per epoch")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--verbose", action="store_true", help="print every epoch's time")
    args = parser.parse_args()

    data = volumes(args.volumes, tuple(args.size))
    print(f"{args.length} samples/epoch from {args.volumes} volumes {tuple(args.size)}, "
          f"{args.patch}^3 patches, batch {args.batch}, {args.workers} workers, "
          f"{args.epochs} timed epochs, {medimg.get_num_threads()} cores")

    augment = [dict(step) for step in AUGMENT]
    augment[0] = {"rand_crop_by_label": {"size": [args.patch] * 3,
                                         "foreground_probability": 0.5}}
    images = [data[i % len(data)][0] for i in range(args.length)]
    labels = [data[i % len(data)][1] for i in range(args.length)]
    dataset = train.InMemoryDataset(images, labels)
    loader = train.Loader(dataset, batch_size=args.batch, num_workers=args.workers,
                          augment=augment, seed=0)

    epochs = iter(range(1, 10**6))

    def medimg_epoch():
        loader.set_epoch(next(epochs))
        count = 0
        for batch in loader:
            assert batch["image"].shape[2:] == (args.patch,) * 3
            count += batch["image"].shape[0]
        return count

    python_loader = DataLoader(PythonDataset(data, args.length, args.patch),
                               batch_size=args.batch, shuffle=True, num_workers=args.workers,
                               persistent_workers=True)

    def python_epoch():
        count = 0
        for batch in python_loader:
            assert batch["image"].shape[2:] == (args.patch,) * 3
            count += batch["image"].shape[0]
        return count

    # One loader after the other: persistent Python workers are forked children, and while
    # they live every page of this process is copy-on-write, which slowed the first medimg
    # epochs after them several times when the rounds alternated. The Python loader runs
    # first and its workers exit before medimg starts.
    results = {}
    for name, epoch in (("python", python_epoch), ("medimg", medimg_epoch)):
        assert epoch() == args.length  # warm-up: workers started, caches filled
        results[name] = float("inf")
        for _ in range(args.epochs):
            seconds = best_of(epoch, repeat=1)[0]
            if args.verbose:
                print(f"  {name} epoch {seconds * 1e3:.1f} ms")
            results[name] = min(results[name], seconds)
        if name == "python":
            python_loader._iterator = None  # shuts the persistent workers down
            del python_loader
    row(f"loader epoch ({args.length} augmented patches)", "torch DataLoader + numpy",
        results["python"], results["medimg"])
    print(f"samples/s: Python {args.length / results['python']:.1f}, medimg "
          f"{args.length / results['medimg']:.1f} (target: medimg >= 3x)")


if __name__ == "__main__":
    main()
