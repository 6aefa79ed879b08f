"""Peak memory of three large jobs, each in a fresh process, against the size of its output.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/memory/memory_bench.py [--slices 600]

1. read: medimg.io.read_dicom_series on a 512x512xN int16 CT series (written with pydicom
   as in benchmarks/io/dicom_series_bench.py, in /dev/shm); output: the float32 HU volume.
2. inference: sliding_window_inference (ROI 64x128x128, overlap 0.25, Gaussian) of a small
   3D U-Net (2 classes) over that volume as read, through medimg.train.Predictor; output:
   the float32 class probabilities (2 x volume).
3. HD95 of two 512^3 spheres (bool masks, the second shifted by 2 voxels), with spacing;
   "output": one 512^3 mask, the size of what the metric reads.

Each child reports its resident set size (/proc/self/statm) just before the job, with its
inputs in memory, and the job's peak: the largest of the resident sets sampled every 2 ms
during the job and the kernel's peak (VmHWM, reset before the job through
/proc/self/clear_refs); the job's extra memory is the difference. Issue 9's target: at most 2.5x the output's size.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 2.5

CHILD = r'''
import json, os, sys, threading, time
import numpy as np, torch
import medimg

def statm_rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakSampler(threading.Thread):
    """Samples the resident set every 2 ms while the job runs (the GIL is released by
    medimg's C++ code). VmHWM alone under-reports here: pages that worker threads touch reach
    the process's counters only when the threads sync them."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.running = statm_rss(), True

    def run(self):
        while self.running:
            self.peak = max(self.peak, statm_rss())
            time.sleep(0.002)


def rss():
    """The resident set now; starts the sampler and resets the kernel's peak (VmHWM)."""
    global sampler
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    sampler = PeakSampler()
    sampler.start()
    return sampler.peak


def peak():
    sampler.running = False
    sampler.join()
    with open("/proc/self/status") as f:
        line = next(l for l in f if l.startswith("VmHWM:"))
    return max(sampler.peak, statm_rss(), int(line.split()[1]) * 1024)


job, folder = sys.argv[1], sys.argv[2]
if job == "read":
    before = rss()
    ct = medimg.io.read_dicom_series(folder)
    output = ct.tensor.numel() * ct.tensor.element_size()
elif job == "inference":
    ct = medimg.io.read_dicom_series(folder)
    torch.manual_seed(0)
    net = medimg.nn.UNet(spatial_dims=3, in_channels=1, out_channels=2,
                         features=[4, 8, 16, 32]).eval()
    predictor = medimg.train.Predictor(net)
    volume = ct.tensor[None]
    before = rss()
    out = medimg.train.sliding_window_inference(volume, [64, 128, 128], 1, predictor,
                                                overlap=0.25, mode="gaussian")
    output = out.numel() * out.element_size()
else:
    n = int(folder)
    centre, radius = n / 2, 0.35 * n
    y, x = np.ogrid[:n, :n]
    pred, ref = np.zeros((n, n, n), bool), np.zeros((n, n, n), bool)
    for z in range(n):
        pred[z] = (z - centre) ** 2 + (y - centre) ** 2 + (x - centre) ** 2 < radius ** 2
        ref[z] = (z - centre) ** 2 + (y - centre) ** 2 + (x - centre - 2) ** 2 < radius ** 2
    before = rss()
    value = medimg.metrics.hausdorff(pred, ref, spacing=[0.8, 0.7, 0.7], percentile=95)
    output = pred.nbytes
print(json.dumps({"job": job, "before": before, "peak": peak(), "output": output}))
'''


def run_child(job: str, argument: str) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    result = subprocess.run([sys.executable, "-c", CHILD, job, argument], env=env,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slices", type=int, default=600)
    parser.add_argument("--mask-size", type=int, default=512)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent / "io"))
    from dicom_series_bench import write_series  # noqa: E402

    results = []
    root = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=root) as folder:
        write_series(Path(folder), args.slices)
        results.append(run_child("read", folder))
        results.append(run_child("inference", folder))
    results.append(run_child("hd95", str(args.mask_size)))

    mib = 1 << 20
    print(f"{'job':<12}{'output MiB':>12}{'extra peak MiB':>16}{'ratio':>8}  target <= {TARGET}x")
    for r in results:
        extra = r["peak"] - r["before"]
        r["ratio"] = extra / r["output"]
        verdict = "met" if r["ratio"] <= TARGET else "NOT met"
        print(f"{r['job']:<12}{r['output'] / mib:12.0f}{extra / mib:16.0f}{r['ratio']:8.2f}  "
              f"{verdict}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
