"""Spatial preprocessing, medimg beside scipy, torch and OpenCV in one run.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/preprocess/spatial_bench.py [--quick]

- warp_affine 2D, 512×512 float32, rotation 17° and scale 0.9 about the centre, linear,
  constant border: against cv2.warpAffine and scipy.ndimage.affine_transform (order 1).
  Without Python's cv2, opencv_warp_affine.cpp (beside this file) is compiled with g++
  against the system OpenCV and run on the same pixels with the same thread count.
- 3D affine, 128³ float32, rotation and anisotropic scale about the centre: linear against
  scipy (order 1) and torch affine_grid + grid_sample (trilinear, zeros padding); bspline3
  against scipy (order 3).
- resample 512×512×300 float32 from (2.5, 0.7, 0.7) mm to 1 mm (750×358×358), edge border:
  linear against scipy.ndimage.zoom(order=1, grid_mode=True), torch interpolate
  (trilinear, align_corners=False) and grid_sample on a precomputed grid; nearest and
  bspline3 against zoom(order=0/3).

Every comparison first checks that both sides computed the same values (OpenCV within its
1/32-pixel position rounding). torch and medimg share one thread pool; the thread count is
printed.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import scipy.ndimage as ndi
import torch
import torch.nn.functional as F

import medimg
from medimg import preprocess as P

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import best_of, row  # noqa: E402

HERE = Path(__file__).resolve().parent


def smooth_random(shape, seed, sigma):
    field = np.random.default_rng(seed).random(shape, dtype=np.float32)
    return ndi.gaussian_filter(field, sigma).astype(np.float32) * 1000.0


def opencv_timer(image, matrix, threads, repeat):
    """(best seconds, result) of cv2.warpAffine on `image`: Python's cv2, or the C++ helper."""
    try:
        import cv2
    except ImportError:
        cv2 = None
    if cv2 is not None:
        cv2.setNumThreads(threads)
        size = (image.shape[1], image.shape[0])
        return best_of(lambda: cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR,
                                              borderMode=cv2.BORDER_CONSTANT), repeat)
    if shutil.which("g++") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "opencv_warp_affine"
        build = ["g++", "-O3", "-std=c++17", str(HERE / "opencv_warp_affine.cpp"), "-o", str(exe),
                 "-I/usr/include/opencv4", "-lopencv_imgproc", "-lopencv_core"]
        if subprocess.run(build, capture_output=True).returncode != 0:
            return None
        source, out = Path(tmp) / "in.f32", Path(tmp) / "out.f32"
        np.ascontiguousarray(image, np.float32).tofile(source)
        args = [str(exe), str(source), str(image.shape[0]), str(image.shape[1])]
        args += [repr(float(v)) for v in matrix.ravel()]
        args += [str(threads), str(repeat), str(out)]
        milliseconds = float(subprocess.run(args, capture_output=True, check=True,
                                            text=True).stdout)
        return milliseconds / 1e3, np.fromfile(out, np.float32).reshape(image.shape)


def bench_warp_2d(threads):
    image = smooth_random((512, 512), 1, 3.0)
    forward = P.affine_about_center((512, 512), rotation=np.radians(17), scale=0.9)[:2]
    print("--- warp_affine 2D, 512x512 float32, linear, constant border")
    t_ours, ours = best_of(lambda: P.warp_affine(image[None], forward), 10)
    ours = ours[0]
    swap = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    pull = swap @ np.linalg.inv(np.vstack([forward, [0, 0, 1]])) @ swap
    t_scipy, expected = best_of(lambda: ndi.affine_transform(image, pull, order=1,
                                                             mode="grid-constant"), 3)
    assert np.abs(ours - expected).max() < 1e-2  # float32 on values up to ~1000
    opencv = opencv_timer(image, forward, threads, 10)
    if opencv is None:
        print("OpenCV: neither cv2 nor g++ with OpenCV is available; skipped")
    else:
        t_cv, result = opencv
        # OpenCV rounds source positions to 1/32 pixel: a small difference on smooth data,
        # compared where the source position is a pixel away from the constant border.
        positions = (np.tensordot(pull[:2, :2], np.indices(image.shape), 1)
                     + pull[:2, 2, None, None])
        upper = np.array(image.shape)[:, None, None] - 2
        interior = np.all((positions >= 1) & (positions <= upper), 0)
        gradient = np.abs(np.gradient(image)).max()
        assert np.abs(ours - result)[interior].max() < 2 * gradient / 64 + 1e-2
        row("warp_affine 512^2 linear", "OpenCV warpAffine", t_cv, t_ours)
    row("warp_affine 512^2 linear", "scipy affine_transform", t_scipy, t_ours)
    print()


def torch_theta(pull, in_shape, out_shape):
    """affine_grid's theta (align_corners=True, (x, y, z) order) for an index-space pull map."""
    def normaliser(shape):
        n = np.eye(4)
        for k, size in enumerate(shape):
            n[k, k] = 2.0 / (size - 1)
            n[k, 3] = -1.0
        return n
    reverse = np.eye(4)[[2, 1, 0, 3]]
    theta = reverse @ normaliser(in_shape) @ pull @ np.linalg.inv(normaliser(out_shape)) @ reverse
    return torch.from_numpy(theta[:3]).float()[None]


def bench_warp_3d(n):
    volume = smooth_random((n, n, n), 2, 2.0)
    forward = P.affine_about_center((n, n, n), rotation=(0.3, -0.2, 0.1), scale=(1.1, 0.9, 1.0))
    pull = np.linalg.inv(forward)
    print(f"--- 3D affine, {n}^3 float32, rotation and scale about the centre, constant border")
    x = torch.from_numpy(volume[None])
    t_ours, ours = best_of(lambda: P.warp_affine(x, forward), 5)
    t_scipy, expected = best_of(lambda: ndi.affine_transform(volume, pull, order=1,
                                                             mode="grid-constant"), 2)
    assert np.abs(ours[0].numpy() - expected).max() < 1e-2
    grid = F.affine_grid(torch_theta(pull, volume.shape, volume.shape), (1, 1, n, n, n),
                         align_corners=True)
    t_grid, sampled = best_of(lambda: F.grid_sample(x[None], grid, mode="bilinear",
                                                    padding_mode="zeros", align_corners=True), 5)
    assert (sampled[0] - ours).abs().max() < 5e-2  # torch's grid is float32 positions
    t_both, _ = best_of(lambda: F.grid_sample(
        x[None], F.affine_grid(torch_theta(pull, volume.shape, volume.shape), (1, 1, n, n, n),
                               align_corners=True),
        mode="bilinear", padding_mode="zeros", align_corners=True), 5)
    row(f"affine {n}^3 linear", "scipy affine_transform o1", t_scipy, t_ours)
    row(f"affine {n}^3 linear", "torch grid_sample", t_grid, t_ours)
    row(f"affine {n}^3 linear", "torch affine_grid+grid_sample", t_both, t_ours)
    t_ours, ours = best_of(lambda: P.warp_affine(x, forward, interpolation="bspline3"), 3)
    t_scipy, expected = best_of(lambda: ndi.affine_transform(volume, pull, order=3,
                                                             mode="grid-constant"), 1)
    assert np.abs(ours[0].numpy() - expected).max() < 1e-2
    row(f"affine {n}^3 bspline3", "scipy affine_transform o3", t_scipy, t_ours)
    print()


def bench_resample(shape, spacing, bspline):
    volume = smooth_random(shape, 3, 2.0)
    image = medimg.Image(volume[None], spacing=spacing)
    new_shape = tuple(int(np.floor(n * s + 0.5)) for n, s in zip(shape, spacing))
    print(f"--- resample {shape[2]}x{shape[1]}x{shape[0]} float32, spacing {spacing} -> 1 mm "
          f"{new_shape[::-1]}, edge border")
    t_ours, ours = best_of(lambda: P.resample(image, 1.0), 3)
    assert ours.spatial_shape == new_shape
    del ours
    zoom = np.divide(new_shape, shape)
    # resample(shape=...) samples exactly zoom(grid_mode=True)'s positions: compare values.
    same_positions = P.resample(image, shape=new_shape).array[0]
    t_scipy, expected = best_of(lambda: ndi.zoom(volume, zoom, order=1, mode="nearest",
                                                 grid_mode=True), 1)
    assert np.abs(same_positions - expected).max() < 1e-2
    del expected
    x = torch.from_numpy(volume)[None, None]
    t_interp, interpolated = best_of(lambda: F.interpolate(x, size=new_shape, mode="trilinear",
                                                           align_corners=False), 3)
    assert np.abs(interpolated[0, 0].numpy() - same_positions).max() < 1e-2
    del interpolated
    grid = F.affine_grid(torch.eye(3, 4)[None], (1, 1) + new_shape, align_corners=False)
    t_grid, sampled = best_of(lambda: F.grid_sample(x, grid, mode="bilinear",
                                                    padding_mode="border", align_corners=False), 2)
    assert np.abs(sampled[0, 0].numpy() - same_positions).max() < 1e-2
    sampled = grid = None  # free the 1.15 GB grid before the next rows
    row("resample to 1 mm, linear", "scipy zoom o1", t_scipy, t_ours)
    row("resample to 1 mm, linear", "torch interpolate trilinear", t_interp, t_ours)
    row("resample to 1 mm, linear", "torch grid_sample", t_grid, t_ours)
    t_ours, _ = best_of(lambda: P.resample(image, 1.0, interpolation="nearest"), 3)
    t_scipy, _ = best_of(lambda: ndi.zoom(volume, zoom, order=0, mode="nearest",
                                          grid_mode=True), 1)
    row("resample to 1 mm, nearest", "scipy zoom o0", t_scipy, t_ours)
    if bspline:
        t_ours, ours = best_of(lambda: P.resample(image, shape=new_shape,
                                                  interpolation="bspline3"), 1)
        t_scipy, expected = best_of(lambda: ndi.zoom(volume, zoom, order=3, mode="nearest",
                                                     grid_mode=True), 1)
        assert np.abs(ours.array[0] - expected).max() < 1e-2
        row("resample to 1 mm, bspline3", "scipy zoom o3", t_scipy, t_ours)
    print()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true",
                        help="a 256x256x150 volume and 64^3 for a fast check")
    args = parser.parse_args()
    threads = medimg.get_num_threads()
    print(f"medimg {medimg.__version__}, torch {torch.__version__}, "
          f"medimg threads {threads}, torch.get_num_threads() {torch.get_num_threads()}\n")
    bench_warp_2d(threads)
    bench_warp_3d(64 if args.quick else 128)
    if args.quick:
        bench_resample((150, 256, 256), (2.5, 1.4, 1.4), bspline=True)
    else:
        bench_resample((300, 512, 512), (2.5, 0.7, 0.7), bspline=True)


if __name__ == "__main__":
    main()
