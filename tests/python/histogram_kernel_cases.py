"""equalize_hist and clahe on inputs that reach each of their loops (2D block and per-row
interpolation, 3D, row tails, integer and float bins, bin edges): computed once with the
AVX2 loops and once, in a child process with MEDIMG_NO_AVX2 set, with the generic ones."""

import numpy as np

from medimg import preprocess as pp


def results():
    rng = np.random.default_rng(21)
    noise = rng.random((1, 512, 512), dtype=np.float32)
    odd = rng.random((1, 100, 77), dtype=np.float32)
    small = rng.uniform(-1, 1, (2, 45, 38)).astype(np.float32)
    volume = rng.random((1, 13, 22, 17), dtype=np.float32)
    hu = rng.normal(40, 300, (1, 96, 83)).astype(np.float32)
    as_uint8 = (noise * 255).astype(np.uint8)
    as_uint16 = rng.permutation(np.arange(65536)).reshape(1, 256, 256).astype(np.int32)
    edges = np.histogram_bin_edges(np.array([0.0, 1.0], np.float32), 256).astype(np.float32)
    on_edges = np.resize(np.concatenate([edges, np.nextafter(edges, np.float32(2))]),
                         (1, 40, 41)).astype(np.float32)
    edges64 = np.histogram_bin_edges(np.array([0.0, 1.0]), 256)
    on_edges64 = np.resize(np.concatenate([edges64, np.nextafter(edges64, 2.0)]), (1, 40, 41))
    return {
        "clahe_noise": pp.clahe(noise),
        "clahe_odd_blocks": pp.clahe(odd, kernel_size=50),
        "clahe_odd_kernel": pp.clahe(odd, kernel_size=(30, 20), clip_limit=0.05, nbins=300),
        "clahe_small": pp.clahe(small),
        "clahe_volume": pp.clahe(volume, kernel_size=(4, 5, 6)),
        "clahe_hu": pp.clahe(hu, nbins=100),
        "clahe_uint8": pp.clahe(as_uint8),
        "clahe_uint16": pp.clahe(as_uint16, kernel_size=64, nbins=2000),
        "equalize_noise": pp.equalize_hist(noise),
        "equalize_edges": pp.equalize_hist(on_edges),
        "equalize_hu": pp.equalize_hist(hu, nbins=100),
        "equalize_uint8": pp.equalize_hist(as_uint8),
        # float64, numpy's default dtype, has its own AVX2 lanes.
        "clahe_noise_float64": pp.clahe(noise.astype(np.float64)),
        "clahe_small_float64": pp.clahe(small.astype(np.float64)),
        "clahe_hu_float64": pp.clahe(hu.astype(np.float64), nbins=100),
        "equalize_noise_float64": pp.equalize_hist(noise.astype(np.float64)),
        "equalize_edges_float64": pp.equalize_hist(on_edges64),
        "equalize_hu_float64": pp.equalize_hist(hu.astype(np.float64), nbins=100),
    }
