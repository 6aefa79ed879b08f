"""Timing helpers shared by the benchmark scripts: best-of-N timing and one printed row per
comparison (reference time, medimg time, ratio reference / medimg)."""

import time


def best_of(fn, repeat=5):
    """(fastest wall time in seconds, value of the last call) over `repeat` calls."""
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def row(name, reference_name, reference_s, medimg_s):
    print(f"{name:<44} {reference_name:>26} {reference_s * 1e3:10.2f} ms   "
          f"medimg {medimg_s * 1e3:9.2f} ms   ratio {reference_s / medimg_s:7.2f}x")
