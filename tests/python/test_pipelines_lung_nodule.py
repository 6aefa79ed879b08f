"""The lung-nodule pipeline (medimg.pipelines, `medimg nodules`): patches against scipy's
trilinear interpolation, each stage against the classic functions it wraps, scores against
the network run by torch directly (medimg and TorchScript models), the CLI's LUNA16 CSV and
overlays, FROC on held-out phantoms with the shipped model, and bad input."""

import csv
import subprocess
from pathlib import Path

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch

import medimg
from medimg.pipelines import LungNoduleDetector, luna16_rows, nodule_overlay, nodule_patches

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(medimg.__file__).resolve().parents[2] / "apps" / "medimg"
MODEL = ROOT / "models" / "lung_nodule_fpr.pt"


@pytest.fixture(scope="module")
def phantom():
    return medimg.phantoms.ct_phantom(shape=[56, 112, 112], spacing=[2.5, 2.5, 2.5], nodules=4,
                                      nodule_diameter=(8.0, 16.0), seed=5)


def test_patches_equal_scipy_trilinear_interpolation():
    rng = np.random.default_rng(0)
    volume = rng.uniform(-1000, 500, (20, 24, 28)).astype(np.float32)
    image = medimg.Image(torch.from_numpy(volume[None].copy()), spacing=(2.5, 0.8, 0.7),
                         origin=(3.0, -4.0, 5.0))
    index = np.array([[9.3, 11.7, 13.1], [0.2, 2.0, 25.5]])  # the second patch crosses the edge
    centres = [image.index_to_world(list(i)) for i in index]
    size, spacing, fill = 6, 1.1, -1000.0
    patches = nodule_patches(image, centres, size=size, spacing=spacing, fill_hu=fill,
                             window_low=-900, window_high=300).numpy()
    assert patches.shape == (2, 1, size, size, size)
    steps = spacing / np.array([2.5, 0.8, 0.7])
    offsets = (np.arange(size) - (size - 1) / 2)
    for p, centre in enumerate(index):
        grid = np.meshgrid(*[centre[a] + offsets * steps[a] for a in range(3)], indexing="ij")
        hu = ndi.map_coordinates(volume.astype(np.float64), grid, order=1, mode="constant",
                                 cval=fill)
        # scipy treats a sample within the outer half voxel as inside; medimg blends the
        # missing corners with fill_hu, so compare where all eight corners are inside.
        inside = np.all([(g >= 0) & (g <= volume.shape[a] - 1) for a, g in enumerate(grid)],
                        axis=0)
        expected = (np.clip(hu, -900, 300) + 900) / 1200
        np.testing.assert_allclose(patches[p, 0][inside], expected[inside], atol=2e-6)
        assert inside.sum() > 0
        if p == 1:  # outside, every corner is fill: the sample is fill_hu, windowed
            assert np.all(patches[p, 0][np.all([g < -1 for g in grid], axis=0)]
                          == pytest.approx((fill + 900) / 1200))


def test_stages_equal_the_classic_functions(phantom):
    detector = LungNoduleDetector(lungs={"closing_radius": 8.0}, candidates={"threshold": -500.0})
    lungs = detector.lungs(phantom.ct)
    reference = medimg.classic.lung_mask(phantom.ct, closing_radius=8.0)
    np.testing.assert_array_equal(lungs.tensor.numpy(), reference.tensor.numpy())
    # One nodule_candidates pass per opening radius; a later blob within either's radius of
    # an earlier one is dropped.
    merged = []
    for radius in (3.5, 5.0, 7.0):
        for c in medimg.classic.nodule_candidates(phantom.ct, lungs, threshold=-500.0,
                                                  opening_radius=radius):
            if all(np.linalg.norm(np.subtract(c.centre, m.centre))
                   >= max(c.diameter, m.diameter) / 2 for m in merged):
                merged.append(c)
    candidates = detector.candidates(phantom.ct, lungs)
    assert [c.centre for c in candidates] == [c.centre for c in merged]
    single = LungNoduleDetector(opening_radii=[2.0], candidates={"threshold": -500.0})
    reference = medimg.classic.nodule_candidates(phantom.ct, lungs, threshold=-500.0,
                                                 opening_radius=2.0)
    assert [c.centre for c in single.candidates(phantom.ct, lungs)] == [c.centre for c in reference]
    result = detector.detect(phantom.ct)
    assert len(result.detections) == len(result.candidates) >= len(phantom.nodules)
    for n in phantom.nodules:
        assert any(np.linalg.norm(np.subtract(d.centre, n.centre)) < n.diameter / 2
                   for d in result.detections)
    assert set(result.seconds) == {"lungs", "candidates", "scoring"}
    rows = luna16_rows(result.detections, "case-1")
    assert list(rows[0]) == ["seriesuid", "coordX", "coordY", "coordZ", "probability"]
    assert rows[0]["coordX"] == result.detections[0].centre[0]


@pytest.mark.parametrize("kind", ["medimg", "torchscript"])
def test_scores_are_the_networks_softmax(phantom, tmp_path, kind):
    torch.manual_seed(0)
    if kind == "medimg":
        network = medimg.nn.CNN3d(in_channels=1, num_classes=2, features=[4, 8], norm="instance")
        network.eval()
        model = network
        run = network
    else:
        run = torch.nn.Sequential(torch.nn.Conv3d(1, 2, 3), torch.nn.AdaptiveAvgPool3d(1),
                                  torch.nn.Flatten()).eval()
        model = tmp_path / "fpr.ts"
        torch.jit.script(run).save(str(model))
    detector = LungNoduleDetector(model, batch_size=3)
    assert detector.has_network
    lungs = detector.lungs(phantom.ct)
    candidates = detector.candidates(phantom.ct, lungs)
    patches = detector.patches(phantom.ct, candidates)
    with torch.no_grad():
        expected = torch.softmax(run(patches), 1)[:, 1].double().numpy()
    np.testing.assert_allclose(detector.score(phantom.ct, candidates), expected, rtol=1e-5,
                               atol=1e-6)
    result = detector.detect(phantom.ct)
    probabilities = [d.probability for d in result.detections]
    assert probabilities == sorted(probabilities, reverse=True)
    np.testing.assert_allclose(sorted(probabilities), np.sort(expected), rtol=1e-5, atol=1e-6)


def test_overlay_is_the_windowed_slice_with_circles(phantom):
    result = LungNoduleDetector().detect(phantom.ct)
    image = nodule_overlay(phantom.ct, result.detections, 0, label=False)
    rgb = image.tensor.numpy()
    assert rgb.shape == (3, 112, 112) and rgb.dtype == np.uint8
    z = int(round(result.detections[0].index[0]))
    grey = np.rint(np.clip((phantom.ct.tensor.numpy()[0, z] + 1000) * 255 / 1400, 0, 255))
    untouched = (rgb[0] == rgb[1]) & (rgb[1] == rgb[2])
    np.testing.assert_array_equal(rgb[0][untouched], grey[untouched])
    assert (~untouched).sum() > 0  # the circle


def test_bad_input_is_refused_by_name(phantom):
    detector = LungNoduleDetector()
    ct = phantom.ct
    with pytest.raises(medimg.ArgumentError, match="Hounsfield"):
        detector.detect(ct.tensor.numpy()[0] + 2000, spacing=(2.5, 2.5, 2.5))
    with pytest.raises(medimg.ShapeError, match="too short"):
        detector.detect(ct.tensor.numpy()[0, :7], spacing=(2.5, 2.5, 2.5))
    y, x = np.mgrid[:112, :112] - 55.5
    water = np.where(y ** 2 + x ** 2 < 40 ** 2, 0.0, -1000.0).astype(np.float32)
    with pytest.raises(medimg.ArgumentError, match="no lungs"):  # a water cylinder in air
        detector.detect(np.repeat(water[None], 48, 0), spacing=(2.5, 2.5, 2.5))
    nan = ct.tensor.numpy()[0].copy()
    nan[5, 5, 5] = np.nan
    with pytest.raises(medimg.ArgumentError, match="NaN"):
        detector.detect(nan, spacing=(2.5, 2.5, 2.5))
    with pytest.raises(medimg.ArgumentError, match="unknown option 'treshold'"):
        LungNoduleDetector(candidates={"treshold": -500})
    with pytest.raises(medimg.ArgumentError, match="batch_size"):
        LungNoduleDetector(batch_size=0)
    with pytest.raises(medimg.ArgumentError, match="opening_radii"):
        LungNoduleDetector(opening_radii=[])
    with pytest.raises(medimg.IoError):
        LungNoduleDetector("no/such/model.pt")


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def run_nodules(*args):
    return subprocess.run([str(CLI), "nodules", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def test_cli_writes_luna16_csv_overlays_and_froc(phantom, tmp_path):
    nifti = tmp_path / "chest.nii.gz"
    medimg.io.write_nifti(nifti, phantom.ct)
    reference = tmp_path / "annotations.csv"
    with reference.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["seriesuid", "coordX", "coordY", "coordZ", "diameter_mm"])
        for n in phantom.nodules:
            w.writerow(["chest", *n.centre, n.diameter])
    out = tmp_path / "out"
    result = run_nodules(nifti, "--out", out, "--overlays", 2, "--reference", reference,
                         "--save-stages")
    assert result.returncode == 0, result.stderr
    rows = read_csv(out / "detections.csv")
    assert list(rows[0]) == ["seriesuid", "coordX", "coordY", "coordZ", "probability"]
    assert {r["seriesuid"] for r in rows} == {"chest"}
    expected = LungNoduleDetector().detect(phantom.ct).detections
    np.testing.assert_allclose([[float(r[k]) for k in ("coordX", "coordY", "coordZ")]
                                for r in rows], [d.centre for d in expected], atol=1e-5)
    assert sorted(p.name for p in (out / "overlays").iterdir()) == ["detection_1.png",
                                                                     "detection_2.png"]
    overlay = medimg.io.read_raster(out / "overlays" / "detection_1.png").tensor.numpy()
    drawn = nodule_overlay(phantom.ct, expected, 0)
    np.testing.assert_array_equal(overlay, drawn.tensor.numpy())
    assert "CPM" in result.stdout
    froc = read_csv(out / "froc.csv")
    assert len(froc) == 7 and float(froc[-1]["sensitivity"]) == 1.0  # every nodule found
    np.testing.assert_array_equal(medimg.io.read_nifti(out / "lungs.nii.gz").tensor.numpy(),
                                  LungNoduleDetector().lungs(phantom.ct).tensor.numpy())


def test_cli_bad_input_exits_non_zero_with_a_message(phantom, tmp_path):
    mr = tmp_path / "mr.nii.gz"
    medimg.io.write_nifti(mr, medimg.Image(phantom.ct.tensor + 2000, spacing=(2.5, 2.5, 2.5)))
    short = tmp_path / "short.nii.gz"
    slab = torch.from_numpy(phantom.ct.tensor.numpy()[:, :6].copy())
    medimg.io.write_nifti(short, medimg.Image(slab, spacing=(2.5, 2.5, 2.5)))
    png = tmp_path / "slice.png"
    medimg.io.write_png(png, np.zeros((1, 16, 16), np.uint8))
    for path, message in ((mr, "Hounsfield"), (short, "too short"), (png, "3D CT"),
                          (tmp_path / "missing", "")):
        result = run_nodules(path, "--out", tmp_path / "o")
        assert result.returncode == 1, (path, result.stdout)
        assert message in result.stderr and result.stderr.startswith("medimg nodules: ")
        assert not (tmp_path / "o" / "detections.csv").exists()
    assert run_nodules(mr).returncode == 2  # no --out
    assert "usage: medimg nodules" in run_nodules("--help").stdout


@pytest.mark.skipif(not MODEL.exists(), reason="models/lung_nodule_fpr.pt is not built yet")
def test_shipped_model_ranks_held_out_phantom_nodules_above_false_positives():
    """The false-positive reduction itself: candidates that hit a nodule score above those
    that do not (AUC by scikit-learn), so every nodule the candidates find is reached
    before the first FP per scan. What the candidates miss is the candidate stage's."""
    import sys
    from sklearn.metrics import roc_auc_score
    sys.path.insert(0, str(ROOT / "examples" / "nodules"))
    from phantom_cases import TEST_SEED, findings, hits, phantom as make_phantom
    detector = LungNoduleDetector(MODEL)
    marks, truth, is_nodule, scores = [], [], [], []
    cases = range(TEST_SEED + 100, TEST_SEED + 104)  # held out, and not those of the docs
    for seed in cases:
        case = make_phantom(seed)
        result = detector.detect(case.ct)
        marks += [dict(case_id=str(seed), center_mm=d.centre, score=d.probability)
                  for d in result.detections]
        truth += findings(case, str(seed))
        is_nodule += list(hits([d.centre for d in result.detections], case))
        scores += [d.probability for d in result.detections]
    assert roc_auc_score(is_nodule, scores) >= 0.95
    curve = medimg.metrics.froc(marks, truth, num_cases=len(cases))
    assert medimg.metrics.sensitivity_at_fp(curve, 1.0) == pytest.approx(curve.sensitivity.max())
    assert curve.sensitivity.max() >= 0.75


LIDC = ROOT.parent / "shared" / "data" / "lidc_idri_subset"


@pytest.mark.skipif(not LIDC.is_dir() or not MODEL.exists(),
                    reason="../shared/data or the shipped model is absent")
def test_pipeline_finds_the_lidc_radiologists_nodules(tmp_path):
    import sys
    sys.path.insert(0, str(ROOT / "examples" / "nodules"))
    from lidc_detection import detect_case
    detector = LungNoduleDetector(MODEL)
    for case in ("LIDC-IDRI-0001", "LIDC-IDRI-0003"):
        rows = detect_case(detector, LIDC, case, tmp_path)
        assert len(rows) == 1 and rows[0]["readers"] == 4  # one nodule, outlined by all four
        assert rows[0]["distance"] < 1.0 and rows[0]["rank"] <= 5, rows[0]
        assert (tmp_path / f"{case}_detection.png").exists()
    # 12 slices of 1.25 mm: refused with a message rather than scored on air.
    (refused,) = detect_case(detector, LIDC, "LIDC-IDRI-0002", tmp_path)
    assert "too short" in refused["note"]


@pytest.mark.skipif(not LIDC.is_dir(), reason="../shared/data is absent")
def test_cli_reads_a_dicom_series_folder_and_names_it_by_its_uid(tmp_path):
    pydicom = pytest.importorskip("pydicom")
    folder = LIDC / "LIDC-IDRI-0001"
    first = sorted(folder.glob("*.dcm"))[0]
    uid = pydicom.dcmread(first, stop_before_pixels=True).SeriesInstanceUID
    result = run_nodules(folder, "--out", tmp_path, "--overlays", 1)
    assert result.returncode == 0, result.stderr
    rows = read_csv(tmp_path / "detections.csv")
    assert rows and {r["seriesuid"] for r in rows} == {uid}
    assert (tmp_path / "overlays" / "detection_1.png").exists()
