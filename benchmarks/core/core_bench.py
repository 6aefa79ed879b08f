"""Core benchmarks, medimg beside the reference in one run; prints times and ratios.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/core/core_bench.py [--size 256]

1. Thread default: a torch 3D convolution and medimg.channel_stats with Debian's default of
   one thread against medimg's default of every core.
2. channel_stats on a float32 volume against numpy's nanmin/nanmax/nanmean/nanstd.
3. Zero-copy: wrapping a numpy volume in an Image and taking .array / .tensor views,
   against one numpy copy of the same volume.
"""

import argparse

import numpy as np
import torch

import medimg

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import best_of, row  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=256, help="edge of the cubic volume")
    args = parser.parse_args()
    n = args.size
    rng = np.random.default_rng(0)
    volume = rng.normal(0, 300, size=(1, n, n, n)).astype(np.float32)
    cores = medimg.default_num_threads()
    print(f"medimg {medimg.__version__}, torch {torch.__version__}, {cores} cores, "
          f"volume {volume.shape} float32\n")

    conv = torch.nn.Conv3d(1, 8, 3, padding=1).eval()
    x = torch.from_numpy(volume[None, :, : n // 2, : n // 2, : n // 2].copy())
    timings = {}
    for threads in (1, cores):
        medimg.set_num_threads(threads)
        with torch.no_grad():
            timings[("conv", threads)] = best_of(lambda: conv(x), 3)[0]
        timings[("stats", threads)] = best_of(lambda: medimg.channel_stats(volume), 3)[0]
    medimg.set_num_threads(cores)
    row("Conv3d 1->8 on half-size volume", "1 thread (Debian)", timings[("conv", 1)],
        timings[("conv", cores)])
    row("channel_stats", "1 thread (Debian)", timings[("stats", 1)], timings[("stats", cores)])

    def numpy_stats():
        return (np.nanmin(volume), np.nanmax(volume), np.nanmean(volume, dtype=np.float64),
                np.nanstd(volume, dtype=np.float64))

    row("per-channel min/max/mean/std", "numpy nan*", best_of(numpy_stats)[0],
        best_of(lambda: medimg.channel_stats(volume))[0])

    def wrap_and_view():
        image = medimg.Image(volume, spacing=(1, 1, 1))
        return image.array, image.tensor

    row("Image(array) + .array + .tensor", "numpy copy", best_of(volume.copy)[0],
        best_of(wrap_and_view)[0])


if __name__ == "__main__":
    main()
