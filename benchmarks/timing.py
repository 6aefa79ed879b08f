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


def best_of_pair(reference, ours, repeat=10, ours_per_round=1, seconds=0.0):
    """(best reference time, best medimg time, reference value, medimg value) over rounds of
    one reference call and then `ours_per_round` medimg calls: `repeat` rounds, and more
    until `seconds` have passed. Both bests then come from the same stretch of the machine's
    load; on a shared VM, compute-bound code can run up to 1.7x slower for spells of 0.1 to
    1.5 s (a busy neighbour), so a stretch shorter than that can miss every quiet moment."""
    best_reference = best_ours = float("inf")
    reference_value = ours_value = None
    end = time.perf_counter() + seconds
    rounds = 0
    while rounds < repeat or time.perf_counter() < end:
        start = time.perf_counter()
        reference_value = reference()
        best_reference = min(best_reference, time.perf_counter() - start)
        for _ in range(ours_per_round):
            start = time.perf_counter()
            ours_value = ours()
            best_ours = min(best_ours, time.perf_counter() - start)
        rounds += 1
    return best_reference, best_ours, reference_value, ours_value


def row(name, reference_name, reference_s, medimg_s):
    print(f"{name:<44} {reference_name:>26} {reference_s * 1e3:10.2f} ms   "
          f"medimg {medimg_s * 1e3:9.2f} ms   ratio {reference_s / medimg_s:7.2f}x")
