"""The shared thread pool: all cores by default, MEDIMG_NUM_THREADS, shared with torch; and
readers, kernels and Predictor.predict called from many threads at once."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

import medimg


def _pool_size_in_fresh_interpreter(env_update):
    env = {k: v for k, v in os.environ.items() if k != "MEDIMG_NUM_THREADS"}
    env.update(env_update)
    # The child imports the same medimg as this process.
    env["PYTHONPATH"] = str(Path(medimg.__file__).resolve().parents[1])
    code = "import medimg, torch; print(medimg.get_num_threads(), torch.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1])


def test_default_is_every_core():
    assert _pool_size_in_fresh_interpreter({}) == (os.cpu_count(), os.cpu_count())


def test_environment_variable_overrides_the_default():
    assert _pool_size_in_fresh_interpreter({"MEDIMG_NUM_THREADS": "1"}) == (1, 1)


def test_set_num_threads_is_shared_with_torch():
    before = medimg.get_num_threads()
    try:
        medimg.set_num_threads(1)
        assert torch.get_num_threads() == 1
        torch.set_num_threads(2)
        assert medimg.get_num_threads() == 2
    finally:
        medimg.set_num_threads(before)


# --- many threads at once (issue 9, item 6) -------------------------------------------------
# The bindings release the GIL, so readers, kernels and Predictor.predict run truly in
# parallel here; each call must give the single-threaded result bit for bit.

def _arrays(result):
    """Every array (and the grid of every Image) in a result, as numpy arrays."""
    if isinstance(result, medimg.Image):
        g = result.geometry
        return [result.tensor.numpy(), np.asarray(g.spacing, float), np.asarray(g.origin, float),
                np.asarray(g.direction, float)]
    if isinstance(result, torch.Tensor):
        return [result.detach().numpy()]
    if isinstance(result, (list, tuple)):
        return [a for item in result for a in _arrays(item)]
    if isinstance(result, dict):
        return [a for key in sorted(result) for a in _arrays(result[key])]
    return [np.asarray(result)]


def _same_bits(a, b):
    return len(a) == len(b) and all(x.dtype == y.dtype and x.shape == y.shape
                                    and x.tobytes() == y.tobytes() for x, y in zip(a, b))


def _jobs():
    data = Path(__file__).resolve().parents[1] / "data"
    root = Path(__file__).resolve().parents[2]
    ct = medimg.io.read_nifti(data / "nifti" / "example_ct_sm.nii.gz")
    plane = medimg.io.read_dicom(data / "dicom" / "CT_small.dcm")
    n = 20
    z, y, x = np.ogrid[:n, :n, :n]
    pred = (z - 10) ** 2 + (y - 9) ** 2 + (x - 10) ** 2 < 40
    ref = (z - 9) ** 2 + (y - 10) ** 2 + (x - 12) ** 2 < 30
    torch.manual_seed(0)  # LibTorch's generator is not seeded here
    net = medimg.nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=[4, 8]).eval()
    predictor = medimg.train.Predictor(net)
    unet_input = torch.from_numpy(plane.tensor.numpy()[:, :64, :64].astype(np.float32) / 1000)
    io, P, K, M = medimg.io, medimg.preprocess, medimg.classic, medimg.metrics
    return {
        "read_dicom": lambda: io.read_dicom(data / "dicom" / "CT_small.dcm"),
        "read_dicom_series": lambda: io.read_dicom_series(data / "dicom_series" / "hitachi"),
        "read_nifti": lambda: io.read_nifti(data / "nifti" / "anatomical.nii"),
        "read_nifti gz": lambda: io.read_nifti(data / "nifti" / "example_ct_sm.nii.gz"),
        "read_raster png": lambda: io.read_raster(root / "data" / "ct_small_slice.png"),
        "read_npz": lambda: io.read_npz(data / "npz" / "dtypes_compressed.npz"),
        "window": lambda: P.window(ct, 40, 400),
        "normalize_zscore": lambda: P.normalize_zscore(ct),
        "clahe": lambda: P.clahe(plane),
        "gaussian": lambda: P.gaussian(ct, 1.5),
        "resample": lambda: P.resample(ct, [3.0, 2.5, 2.5]),
        "label": lambda: K.label(ref),
        "binary morphology": lambda: [K.binary_erosion(pred, K.ball(1)),
                                      K.binary_dilation(pred, K.ball(1))],
        "distance_transform_edt": lambda: M.distance_transform_edt(ref, spacing=[0.8, 0.7, 0.7]),
        "hausdorff and hd95": lambda: [M.hausdorff(pred, ref, spacing=[0.8, 0.7, 0.7]),
                                       M.hausdorff(pred, ref, spacing=[0.8, 0.7, 0.7],
                                                   percentile=95)],
        "dice": lambda: M.dice(pred, ref),
        "canny": lambda: K.canny(plane.tensor.numpy()[0].astype(np.float32), sigma=1.0),
        "Predictor.predict": lambda: predictor.predict(unet_input),
    }


def test_many_threads_at_once_give_the_single_thread_results():
    jobs = _jobs()
    expected = {name: _arrays(job()) for name, job in jobs.items()}
    names = list(jobs) * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda name: (name, _arrays(jobs[name]())), names))
    different = sorted({name for name, arrays in results if not _same_bits(arrays,
                                                                            expected[name])})
    assert different == []
    assert len(results) == len(names)
