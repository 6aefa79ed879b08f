"""The `medimg` CLI's window, segment-classic, predict, evaluate and explain commands, each
run as a subprocess on bundled or synthetic data and checked against a reference computed
here (numpy's window formulas, scikit-image/scipy thresholds and morphology, torch and
medimg.train.Predictor, numpy Dice and scipy surface distances, medimg.nn.gradcam); then
--help, bad arguments (exit 2 + usage) and bad input (exit 1 + a message naming it)."""

import csv
import json
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest
import scipy.ndimage as ndi
import skimage.filters
import skimage.measure
import torch

import medimg

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(medimg.__file__).resolve().parents[2] / "apps" / "medimg"
CT_SLICE = ROOT / "data" / "ct_small.dcm"  # 128 x 128 axial CT slice, HU after rescale
COMMANDS = ["window", "segment-classic", "predict", "evaluate", "explain"]


def run(*args):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def run_many(*commands):
    """Runs several CLI calls at once (each pays LibTorch's start-up of about half a second)
    and returns their CompletedProcess results in order."""
    processes = [subprocess.Popen([str(CLI), *map(str, args)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for args in commands]
    results = []
    for args, process in zip(commands, processes):
        stdout, stderr = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(args, process.returncode, stdout, stderr))
    return results


def ok(*args):
    result = run(*args)
    assert result.returncode == 0, result.stderr
    return result


def read_png(path):
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def ct_hu():
    return medimg.io.read(CT_SLICE).tensor[0].numpy()


@pytest.fixture(scope="module")
def volume(tmp_path_factory):
    """A small anisotropic float32 volume as NIfTI, and its voxels."""
    rng = np.random.default_rng(3)
    voxels = rng.normal(0, 300, (5, 12, 14)).astype(np.float32)
    path = tmp_path_factory.mktemp("volume") / "volume.nii.gz"
    medimg.io.write_nifti(path, medimg.Image(torch.from_numpy(voxels[None].copy()),
                                             spacing=(2.5, 0.8, 0.7), origin=(1.0, 2.0, 3.0)))
    return path, voxels


# ---- window ------------------------------------------------------------------------------

def linear_clip(x, c, w):
    return np.clip((x.astype(np.float32) - np.float32(c - w / 2)) / np.float32(w), 0, 1)


@pytest.fixture(scope="module")
def window_runs(tmp_path_factory, volume):
    """Every window call of the tests below, run at once: {name: (result, output path)}."""
    base = tmp_path_factory.mktemp("window")
    ds = pydicom.dcmread(CT_SLICE)
    ds.WindowCenter, ds.WindowWidth = 50, 350
    ds.save_as(base / "windowed.dcm")
    calls = {
        "lung.nii.gz": [CT_SLICE, "--preset", "lung"],
        "lung.png": [CT_SLICE, "--preset", "lung"],
        "linear.nii": [CT_SLICE, "--center", "40", "--width", "400", "--mode", "linear"],
        "metadata.nii.gz": [base / "windowed.dcm", "--from-metadata"],
        "no_metadata.nii.gz": [CT_SLICE, "--from-metadata"],
        "middle.png": [volume[0], "--center", "0", "--width", "600"],
        "first.png": [volume[0], "--center", "0", "--width", "600", "--slice", "1"],
        "outside.png": [volume[0], "--preset", "bone", "--slice", "5"],
    }
    results = run_many(*[["window", args[0], base / name, *args[1:]]
                         for name, args in calls.items()])
    return {name: (result, base / name) for name, result in zip(calls, results)}


def output_of(runs, name):
    result, path = runs[name]
    assert result.returncode == 0, result.stderr
    return path


def test_window_preset_to_nifti_and_png_equals_numpy(ct_hu, window_runs):
    nifti = medimg.io.read_nifti(output_of(window_runs, "lung.nii.gz"))
    expected = linear_clip(ct_hu, -600, 1500)
    assert nifti.tensor.dtype == torch.float32
    np.testing.assert_array_equal(nifti.tensor.numpy()[0, 0], expected)
    np.testing.assert_allclose(nifti.spacing[1:], [0.661468] * 2, rtol=1e-6)
    png = read_png(output_of(window_runs, "lung.png"))
    assert png.dtype == np.uint8
    np.testing.assert_array_equal(png, np.round(expected * np.float32(255)).astype(np.uint8))


def test_window_center_width_linear_mode_equals_the_dicom_formula(ct_hu, window_runs):
    linear = np.clip((ct_hu.astype(np.float64) - 39.5) / 399 + 0.5, 0, 1)  # PS3.3 C.11.2.1.2.1
    result = medimg.io.read_nifti(output_of(window_runs, "linear.nii"))
    np.testing.assert_allclose(result.tensor.numpy()[0, 0], linear, atol=1e-6)


def test_window_from_dicom_metadata(ct_hu, window_runs):
    linear = np.clip((ct_hu.astype(np.float64) - 49.5) / 349 + 0.5, 0, 1)  # DICOM LINEAR
    result = medimg.io.read_nifti(output_of(window_runs, "metadata.nii.gz"))
    np.testing.assert_allclose(result.tensor.numpy()[0, 0], linear, atol=1e-6)
    without, _ = window_runs["no_metadata.nii.gz"]
    assert without.returncode == 1 and "has no DICOM WindowCenter" in without.stderr


def test_window_volume_to_png_writes_the_chosen_or_middle_slice(volume, window_runs):
    for name, k in (("middle.png", 2), ("first.png", 1)):
        expected = np.round(linear_clip(volume[1][k], 0, 600) * np.float32(255)).astype(np.uint8)
        np.testing.assert_array_equal(read_png(output_of(window_runs, name)), expected)
    outside, _ = window_runs["outside.png"]
    assert outside.returncode == 1 and "--slice must be in [0, 5)" in outside.stderr


# ---- segment-classic ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def segment_runs(tmp_path_factory):
    """Every segment-classic call of the tests below, run at once, and the CT phantom."""
    base = tmp_path_factory.mktemp("segment")
    phantom = medimg.phantoms.ct_phantom(shape=[16, 64, 64], spacing=[5.0, 5.0, 5.0], nodules=1,
                                         seed=2)
    medimg.io.write_nifti(base / "chest.nii.gz", phantom.ct)
    calls = {
        "otsu.nii.gz": [CT_SLICE, "--method", "otsu"],
        "filled.png": [CT_SLICE, "--method", "threshold", "--low", "0", "--largest",
                       "--fill-holes"],
        "range.nii": [CT_SLICE, "--method", "threshold", "--low", "-1000", "--high", "-320"],
        "lungs.nii.gz": [base / "chest.nii.gz", "--method", "lungs"],
    }
    results = run_many(*[["segment-classic", args[0], base / name, *args[1:]]
                         for name, args in calls.items()])
    return {name: (result, base / name) for name, result in zip(calls, results)}, phantom


def test_segment_otsu_equals_skimage(ct_hu, segment_runs):
    result, path = segment_runs[0]["otsu.nii.gz"]
    assert result.returncode == 0, result.stderr
    t = skimage.filters.threshold_otsu(ct_hu)
    assert float(result.stdout.split("Otsu threshold: ")[1].split()[0]) == pytest.approx(t)
    mask = medimg.io.read_nifti(path).tensor.numpy()[0, 0]
    assert mask.dtype == np.uint8
    np.testing.assert_array_equal(mask, ct_hu > t)


def test_segment_largest_then_fill_holes_equals_skimage_and_scipy(ct_hu, segment_runs):
    labels = skimage.measure.label(ct_hu >= 0, connectivity=2)
    largest = labels == np.argmax(np.bincount(labels.ravel())[1:]) + 1
    expected = ndi.binary_fill_holes(largest)
    assert expected.sum() > largest.sum() > 0  # soft tissue around fat: holes to fill
    np.testing.assert_array_equal(read_png(output_of(segment_runs[0], "filled.png")),
                                  expected * 255)


def test_segment_threshold_range_equals_numpy(ct_hu, segment_runs):
    mask = medimg.io.read_nifti(output_of(segment_runs[0], "range.nii")).tensor.numpy()
    np.testing.assert_array_equal(mask[0, 0], (ct_hu >= -1000) & (ct_hu <= -320))


def test_segment_lungs_equals_lung_mask(segment_runs):
    runs, phantom = segment_runs
    lungs = medimg.io.read_nifti(output_of(runs, "lungs.nii.gz"))
    expected = medimg.classic.lung_mask(phantom.ct).tensor.numpy()
    np.testing.assert_array_equal(lungs.tensor.numpy(), expected)
    assert set(np.unique(expected)) == {0, 1, 2}
    np.testing.assert_allclose(lungs.spacing, [5.0, 5.0, 5.0])


# ---- predict -----------------------------------------------------------------------------

class TinySegmenter(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv3d(1, 3, 3, padding=1)

    def forward(self, x):
        return self.conv(x / 300.0)


@pytest.fixture(scope="module")
def segmenter(tmp_path_factory):
    torch.manual_seed(0)
    model = TinySegmenter().eval()
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    torch.jit.script(model).save(str(path))
    return path, model


def test_predict_probabilities_equal_torch(segmenter, volume, tmp_path):
    model_path, model = segmenter
    image_path, voxels = volume
    ok("predict", model_path, image_path, tmp_path / "p.nii.gz")
    result = medimg.io.read_nifti(tmp_path / "p.nii.gz")
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(voxels)[None, None]), 1)[0].numpy()
    assert result.tensor.shape == (3, 5, 12, 14)
    np.testing.assert_allclose(result.tensor.numpy(), expected, atol=1e-6)
    np.testing.assert_allclose(result.spacing, [2.5, 0.8, 0.7], rtol=1e-6)
    np.testing.assert_allclose(result.origin, [1.0, 2.0, 3.0], atol=1e-5)


def test_predict_sliding_window_labels_tta_equal_predictor(segmenter, volume, tmp_path):
    model_path, _ = segmenter
    image_path, _ = volume
    result = ok("predict", model_path, image_path, tmp_path / "l.nii.gz", "--roi", "4,8,8",
                "--overlap", "0.5", "--mode", "gaussian", "--labels", "--tta")
    assert "sliding window" in result.stderr  # the progress bar
    labels = medimg.io.read_nifti(tmp_path / "l.nii.gz").tensor.numpy()
    image = medimg.io.read(image_path)
    expected = medimg.train.Predictor(model_path).predict(
        image, roi_size=(4, 8, 8), overlap=0.5, mode="gaussian", output="labels",
        flip_tta=True).tensor.numpy()
    assert labels.dtype == np.uint8 and labels.shape == (1, 5, 12, 14)
    np.testing.assert_array_equal(labels, expected)
    assert len(np.unique(labels)) > 1


def test_predict_medimg_model_with_preprocessing(tmp_path, ct_hu):
    unet = medimg.nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=[4, 8])
    medimg.nn.save_model(unet, tmp_path / "unet.pt")
    ok("predict", tmp_path / "unet.pt", CT_SLICE, tmp_path / "p.nii.gz", "--preprocess",
       '[{"window": {"preset": "lung"}}]')
    predictor = medimg.train.Predictor(medimg.nn.load_model(tmp_path / "unet.pt"))
    windowed = medimg.preprocess.window(medimg.io.read(CT_SLICE), preset="lung")
    expected = predictor.predict(windowed).tensor.numpy()
    np.testing.assert_allclose(medimg.io.read_nifti(tmp_path / "p.nii.gz").tensor.numpy()[:, 0],
                               expected, atol=1e-6)


def test_predict_bad_input(segmenter, tmp_path):
    model_path, _ = segmenter
    out = tmp_path / "p.nii.gz"
    medimg.io.write_nifti(tmp_path / "two.nii.gz", medimg.Image(torch.zeros(2, 4, 8, 8)))
    channels, regrid = run_many(
        ["predict", model_path, tmp_path / "two.nii.gz", out],  # 2 channels into Conv3d(1, .)
        ["predict", model_path, CT_SLICE, out, "--preprocess",
         '[{"resample": {"spacing": [2, 2]}}]'])
    assert channels.returncode == 1
    assert "the model failed on" in channels.stderr and "2 channels" in channels.stderr
    assert channels.stderr.count("\n") == 1  # the reason alone, no TorchScript traceback
    assert regrid.returncode == 1 and "must keep the image's grid" in regrid.stderr


# ---- evaluate ----------------------------------------------------------------------------

def ball(shape, centre, radius, spacing):
    grid = np.meshgrid(*[np.arange(n) * s for n, s in zip(shape, spacing)], indexing="ij")
    return sum((g - c * s) ** 2 for g, c, s in zip(grid, centre, spacing)) <= radius ** 2


def border(mask):
    return mask ^ ndi.binary_erosion(mask, ndi.generate_binary_structure(mask.ndim, 1))


def surface_reference(p, r, spacing):
    """MedPy's hd95 and assd: border voxels, exact Euclidean distances in mm (scipy)."""
    to_r = ndi.distance_transform_edt(~border(r), sampling=spacing)[border(p)]
    to_p = ndi.distance_transform_edt(~border(p), sampling=spacing)[border(r)]
    return np.percentile(np.concatenate([to_r, to_p]), 95), (to_r.mean() + to_p.mean()) / 2


@pytest.fixture(scope="module")
def label_folders(tmp_path_factory):
    """Two cases of label maps (labels 1 and 2) with anisotropic spacing, in a PRED and a
    REF folder, and their arrays."""
    base = tmp_path_factory.mktemp("labels")
    spacing = (3.0, 1.0, 0.8)
    shape = (12, 24, 28)
    cases = {}
    for k, shift in enumerate((1, 2)):
        ref = np.zeros(shape, np.uint8)
        ref[ball(shape, (5, 9, 10), 6.0, spacing)] = 1
        ref[ball(shape, (6, 16, 20), 4.5, spacing)] = 2
        pred = np.zeros(shape, np.uint8)
        pred[ball(shape, (5, 9 + shift, 10), 6.5, spacing)] = 1
        pred[ball(shape, (6, 16, 20 - k), 4.0, spacing)] = 2
        cases[f"case{k}.nii.gz"] = (pred, ref)
        for folder, voxels in (("pred", pred), ("ref", ref)):
            (base / folder).mkdir(exist_ok=True)
            medimg.io.write_nifti(base / folder / f"case{k}.nii.gz",
                                  medimg.Image(torch.from_numpy(voxels[None].copy()),
                                               spacing=spacing))
    (base / "ref" / "notes.txt").write_text("not an image\n")
    return base, cases, spacing


def test_evaluate_folders_csv_equals_numpy_and_scipy(label_folders, tmp_path):
    base, cases, spacing = label_folders
    result = ok("evaluate", base / "pred", base / "ref", "--csv", tmp_path / "m.csv")
    rows = read_csv(tmp_path / "m.csv")
    assert list(rows[0]) == ["case", "label", "dice", "iou", "hd95_mm", "assd_mm",
                             "pred_voxels", "ref_voxels"]
    assert [(r["case"], r["label"]) for r in rows] == [(c, l) for c in sorted(cases)
                                                       for l in ("1", "2")]
    dice = {1: [], 2: []}
    for row in rows:
        pred, ref = (v == int(row["label"]) for v in cases[row["case"]])
        tp = np.sum(pred & ref)
        assert float(row["dice"]) == pytest.approx(2 * tp / (pred.sum() + ref.sum()), rel=1e-9)
        assert float(row["iou"]) == pytest.approx(tp / np.sum(pred | ref), rel=1e-9)
        hd95, assd = surface_reference(pred, ref, spacing)
        assert float(row["hd95_mm"]) == pytest.approx(hd95, rel=1e-6)
        assert float(row["assd_mm"]) == pytest.approx(assd, rel=1e-6)
        # NIfTI stores the spacing in float32: 0.8 is read as 0.800000011920929.
        assert float(row["hd95_mm"]) == pytest.approx(
            medimg.metrics.hausdorff(pred, ref, spacing=spacing, percentile=95), rel=1e-7)
        assert (int(row["pred_voxels"]), int(row["ref_voxels"])) == (pred.sum(), ref.sum())
        dice[int(row["label"])].append(float(row["dice"]))
    for label, values in dice.items():
        line = next(s for s in result.stdout.splitlines() if f"label {label} (2)" in s)
        assert f"Dice {np.mean(values):.4f} ± {np.std(values):.4f}" in line


def test_evaluate_single_files_and_given_labels(label_folders, tmp_path):
    base, cases, spacing = label_folders
    pred, ref = cases["case0.nii.gz"]
    ok("evaluate", base / "pred" / "case0.nii.gz", base / "ref" / "case0.nii.gz", "--labels",
       "2,3", "--csv", tmp_path / "m.csv")
    rows = read_csv(tmp_path / "m.csv")
    assert [r["label"] for r in rows] == ["2", "3"]
    assert float(rows[0]["dice"]) == pytest.approx(
        medimg.metrics.dice(pred == 2, ref == 2), rel=1e-9)
    assert rows[1]["dice"] == "nan" and rows[1]["hd95_mm"] == "nan"  # absent from both


def test_evaluate_2d_png_masks(ct_hu, tmp_path):
    ref, pred = (ct_hu > 0), ndi.binary_dilation(ct_hu > 0)
    for name, mask in (("ref.png", ref), ("pred.png", pred)):
        cv2.imwrite(str(tmp_path / name), mask.astype(np.uint8) * 255)
    ok("evaluate", tmp_path / "pred.png", tmp_path / "ref.png", "--csv", tmp_path / "m.csv")
    (row,) = read_csv(tmp_path / "m.csv")
    assert row["label"] == "255"
    hd95, assd = surface_reference(pred, ref, (1.0, 1.0))
    assert float(row["hd95_mm"]) == pytest.approx(hd95) and float(row["assd_mm"]) == \
        pytest.approx(assd)


def test_evaluate_bad_input(label_folders, tmp_path):
    base, cases, spacing = label_folders
    ref = base / "ref" / "case0.nii.gz"
    small = np.zeros((1, 12, 24, 20), np.uint8)
    medimg.io.write_nifti(tmp_path / "small.nii.gz",
                          medimg.Image(torch.from_numpy(small), spacing=spacing))
    medimg.io.write_nifti(tmp_path / "moved.nii.gz", medimg.Image(
        torch.from_numpy(cases["case0.nii.gz"][0][None].copy()), spacing=(3.0, 1.0, 1.0)))
    (tmp_path / "partial").mkdir()
    shape, grid, partial = run_many(
        ["evaluate", tmp_path / "small.nii.gz", ref],
        ["evaluate", tmp_path / "moved.nii.gz", ref],
        ["evaluate", tmp_path / "partial", base / "ref"])
    assert shape.returncode == 1 and "has shape [12, 24, 20]" in shape.stderr
    assert grid.returncode == 1 and "different grids" in grid.stderr
    assert partial.returncode == 1
    assert "no prediction for case0.nii.gz, case1.nii.gz" in partial.stderr


# ---- explain -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def classifier(tmp_path_factory, ct_hu):
    base = tmp_path_factory.mktemp("explain")
    torch.manual_seed(1)
    model = medimg.nn.ResNet(depth=18, spatial_dims=2, in_channels=1, num_classes=3)
    medimg.nn.save_model(model, base / "resnet.pt")
    picture = np.round(linear_clip(ct_hu[::2, ::2], -600, 1500) * 255).astype(np.uint8)
    cv2.imwrite(str(base / "slice.png"), picture)
    return base, picture


def test_explain_equals_gradcam_and_overlay(classifier, tmp_path):
    base, picture = classifier
    result = ok("explain", base / "resnet.pt", base / "slice.png", tmp_path / "cam.png")
    model = medimg.nn.load_model(base / "resnet.pt").eval()
    x = torch.from_numpy(picture / np.float32(255))[None, None].float()
    with torch.no_grad():
        probabilities = torch.softmax(model(x), 1)[0]
    predicted = int(probabilities.argmax())
    assert f"predicted class: {predicted}" in result.stdout
    printed = result.stdout.split("probabilities:")[1].split("\n")[0].split()
    np.testing.assert_allclose([float(p) for p in printed], probabilities.numpy(), atol=2e-6)
    cam = medimg.nn.gradcam(model, x, "layer4", class_index=predicted)
    expected = medimg.nn.overlay(torch.from_numpy(picture)[None], cam[0])
    drawn = cv2.cvtColor(read_png(tmp_path / "cam.png"), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(drawn.transpose(2, 0, 1), np.asarray(expected))

    other = (predicted + 1) % 3
    ok("explain", base / "resnet.pt", base / "slice.png", tmp_path / "cam2.png", "--class", other,
       "--layer", "layer3", "--method", "gradcam++", "--alpha", "0.6", "--colormap", "viridis")
    cam = medimg.nn.gradcam(model, x, "layer3", class_index=other, method="gradcam++")
    expected = medimg.nn.overlay(torch.from_numpy(picture)[None], cam[0], alpha=0.6,
                                 colormap="viridis")
    drawn = cv2.cvtColor(read_png(tmp_path / "cam2.png"), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(drawn.transpose(2, 0, 1), np.asarray(expected))


def test_explain_bad_input(classifier, segmenter, tmp_path):
    base, _ = classifier
    model, picture, out = base / "resnet.pt", base / "slice.png", tmp_path / "c.png"
    layer, torchscript = run_many(["explain", model, picture, out, "--layer", "layer9"],
                                  ["explain", segmenter[0], picture, out])
    assert layer.returncode == 1 and "layer9" in layer.stderr and "layer4" in layer.stderr
    assert torchscript.returncode == 1 and "TorchScript" in torchscript.stderr


# ---- every command -----------------------------------------------------------------------

def test_help_exits_0_with_usage():
    for command, result in zip(COMMANDS, run_many(*[[c, "--help"] for c in COMMANDS])):
        assert result.returncode == 0
        assert result.stdout.startswith(f"usage: medimg {command} ")


def test_missing_files_exit_1_naming_them(tmp_path):
    results = run_many(
        ["window", "missing.nii.gz", tmp_path / "w.nii.gz", "--preset", "lung"],
        ["segment-classic", "missing.nii.gz", tmp_path / "m.nii.gz", "--method", "otsu"],
        ["predict", "missing.pt", CT_SLICE, tmp_path / "p.nii.gz"],
        ["evaluate", "missing.nii.gz", CT_SLICE],
        ["explain", "missing.pt", CT_SLICE, tmp_path / "c.png"])
    for command, result in zip(COMMANDS, results):
        assert result.returncode == 1
        assert result.stderr.startswith(f"medimg {command}: ") and "missing." in result.stderr


WRONG_ARGUMENTS = [
    (["window", "in", "out.nii", "--preset", "lungs"], "unknown window preset 'lungs'"),
    (["window", "in", "out.nii", "--frobnicate"], "unknown option '--frobnicate'"),
    (["segment-classic", "in", "out.nii", "--method", "threshold"], "needs --low L"),
    (["predict", "m", "in", "out.nii", "--overlap", "1.5"], "--overlap must be in [0, 1)"),
    (["evaluate", "p", "r", "--labels", "1,x"], "--labels expects integers"),
    (["explain", "m", "in", "out.png", "--alpha", "2"], "--alpha must be in [0, 1]"),
]


def test_wrong_arguments_exit_2_naming_the_problem_and_printing_usage():
    results = run_many(*[args for args, _ in WRONG_ARGUMENTS])
    for (args, message), result in zip(WRONG_ARGUMENTS, results):
        assert result.returncode == 2, args
        assert result.stderr.startswith(f"medimg {args[0]}: "), args
        assert message in result.stderr, (args, result.stderr)
        assert f"usage: medimg {args[0]} " in result.stderr, args


# ---- benchmark ----------------------------------------------------------------------------


def test_benchmark_times_every_kernel_and_writes_json(tmp_path):
    out = ok("benchmark", "--size", "small", "--repeat", "1", "--threads", "1",
             "--json", tmp_path / "bench.json").stdout
    results = json.loads((tmp_path / "bench.json").read_text())
    assert results["threads"] == 1
    kernels = {k["kernel"]: k for k in results["kernels"]}
    assert list(kernels) == ["window (lung)", "equalize_hist", "clahe (skimage)",
                             "resample to 1 mm (linear)", "HD95"]
    assert kernels["window (lung)"]["voxels"] == 32 * 512 * 512
    assert kernels["HD95"]["voxels"] == 2 * 96 ** 3
    for k in kernels.values():
        assert 0 < k["best_ms"] <= k["median_ms"]
        assert k["kernel"] in out


@pytest.mark.parametrize("args", [["--size", "huge"], ["--repeat", "0"], ["--threads", "x"],
                                  ["--json"], ["extra"]])
def test_benchmark_rejects_bad_arguments_with_usage(args):
    result = run("benchmark", *args)
    assert result.returncode == 2
    assert "usage: medimg benchmark" in result.stderr
