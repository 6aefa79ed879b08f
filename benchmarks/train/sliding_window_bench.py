"""Sliding-window inference: medimg beside a Python implementation of the same algorithm
(MONAI's loop, written here with torch) in one run, on the same model and volume.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/train/sliding_window_bench.py \
        [--size 96 160 160] [--roi 64] [--rounds 3]

- "U-Net": a medimg 3D U-Net, features (8, 16, 32), eval mode, on a (1, 1, *size) volume,
  roi 64^3, overlap 0.5, Gaussian blending, sw_batch_size 2. medimg is given the network
  itself (it runs in C++ without the GIL) and, separately, a Python lambda around it (the
  callback path any torch.nn.Module takes); the Python loop calls the network.
- "1x1 conv": the same windows with a pointwise torch.nn.Conv3d as predictor, so that the
  time is the sliding-window machinery itself (window copies, weighting, accumulation).

Rounds alternate the variants and each keeps its fastest round; every result is checked
against the Python loop's.
"""

import argparse
import itertools
import math
import sys
from pathlib import Path

import numpy as np
import scipy.ndimage as ndi
import torch
import torch.nn.functional as F

import medimg
from medimg.train import sliding_window_inference

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import best_of, row  # noqa: E402


def gaussian(roi, sigma_scale=0.125):
    """nnU-Net's compute_gaussian."""
    impulse = np.zeros(roi)
    impulse[tuple(r // 2 for r in roi)] = 1
    g = ndi.gaussian_filter(impulse, [r * sigma_scale for r in roi], 0, mode="constant", cval=0)
    g = (g / g.max()).astype(np.float32)
    g[g == 0] = g[g != 0].min()
    return torch.from_numpy(g)


def python_sliding_window(inputs, roi, sw_batch_size, predictor, overlap=0.25,
                          mode="constant"):
    """MONAI's sliding_window_inference, its loop as MONAI writes it (constant padding)."""
    n, _, *size = inputs.shape
    image_size = [max(s, r) for s, r in zip(size, roi)]
    pad = []
    for s, r in reversed(list(zip(size, roi))):
        diff = max(r - s, 0)
        pad += [diff // 2, diff - diff // 2]
    x = F.pad(inputs, pad) if max(pad) > 0 else inputs
    intervals = [r if r == s else max(int(r * (1 - overlap)), 1)
                 for s, r in zip(image_size, roi)]
    per_axis = []
    for s, r, i in zip(image_size, roi, intervals):
        last = next(d for d in range(math.ceil(s / i)) if d * i + r >= s)
        per_axis.append([d * i - max(d * i + r - s, 0) for d in range(last + 1)])
    slices = [tuple(slice(a, a + r) for a, r in zip(start, roi))
              for start in itertools.product(*per_axis)]
    weight = gaussian(roi) if mode == "gaussian" else torch.ones(roi)
    total = n * len(slices)
    out, count = None, torch.zeros([1, 1] + image_size)
    for first in range(0, total, sw_batch_size):
        batch = range(first, min(first + sw_batch_size, total))
        index = [[slice(k // len(slices), k // len(slices) + 1), slice(None)]
                 + list(slices[k % len(slices)]) for k in batch]
        windows = torch.cat([x[tuple(i)] for i in index])
        pred = predictor(windows)
        if out is None:
            out = torch.zeros([n, pred.shape[1]] + image_size)
        for k, i in zip(batch, index):
            out[tuple(i)] += weight * pred[k - first]
            count[tuple(i)] += weight
    out /= count
    crop = tuple(slice(pad[2 * k], pad[2 * k] + s)
                 for k, s in reversed(list(enumerate(reversed(size)))))
    return out[(slice(None), slice(None)) + crop]


def compare(title, volume, roi, batch, predictor, rounds, extra=None):
    variants = {"Python loop (MONAI's algorithm)":
                lambda: python_sliding_window(volume, roi, batch, predictor, 0.5, "gaussian"),
                "medimg": lambda: sliding_window_inference(volume, roi, batch, predictor,
                                                           overlap=0.5, mode="gaussian")}
    if extra:
        variants.update(extra)
    best = {name: math.inf for name in variants}
    values = {}
    with torch.no_grad():
        for _ in range(rounds):
            for name, fn in variants.items():
                seconds, values[name] = best_of(fn, 1)
                best[name] = min(best[name], seconds)
    reference_name = next(iter(variants))
    reference = values[reference_name]
    print(f"--- {title}")
    for name in list(variants)[1:]:
        error = (values[name] - reference).abs().max().item()
        assert error < 1e-4, (name, error)
        row(name, "Python loop", best[reference_name], best[name])
    print(f"    (largest difference to the Python loop: "
          f"{max((values[n] - reference).abs().max().item() for n in list(variants)[1:]):.1e})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, nargs=3, default=[96, 160, 160])
    parser.add_argument("--roi", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    roi = (args.roi,) * 3
    torch.manual_seed(0)
    volume = torch.randn(1, 1, *args.size)
    print(f"medimg {medimg.__version__}, {medimg.get_num_threads()} threads; volume "
          f"{tuple(args.size)}, roi {roi}, overlap 0.5, gaussian, sw_batch_size 2\n")

    net = medimg.nn.UNet(spatial_dims=3, in_channels=1, out_channels=2,
                         features=(8, 16, 32)).eval()
    compare("3D U-Net (8, 16, 32)", volume, roi, 2, net, args.rounds,
            {"medimg, predictor = lambda w: net(w)":
             lambda: sliding_window_inference(volume, roi, 2, lambda w: net(w), overlap=0.5,
                                              mode="gaussian")})
    conv = torch.nn.Conv3d(1, 2, 1).eval()
    compare("1x1 conv (the sliding-window machinery alone)", volume, roi, 2, conv,
            max(args.rounds, 5))


if __name__ == "__main__":
    main()
