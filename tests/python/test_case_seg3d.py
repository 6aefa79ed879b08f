"""The 3D segmentation case study (examples/segmentation, docs/case_segmentation_3d.md): the
ceiling figures against an independent numpy/scipy computation, the shipped model's figures
against the documented table, and a tiny training run."""

import math
import re
import sys
from pathlib import Path

import nibabel
import numpy as np
import pytest
import scipy.ndimage as ndi
import torch

import medimg

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "data" / "totalsegmentator_examples"
MODEL = ROOT / "models" / "totalseg_abdomen_unet.pt"
DOC = ROOT / "docs" / "case_segmentation_3d.md"

pytestmark = pytest.mark.skipif(not SOURCE.is_dir(), reason="../shared/data is absent")

sys.path.insert(0, str(ROOT / "examples" / "segmentation"))
import evaluate_seg3d  # noqa: E402
import seg3d_data  # noqa: E402
import train_seg3d  # noqa: E402

# TotalSegmentator "total" ids, written out here rather than read through the scripts.
TOTAL_IDS = {"liver": 5, "spleen": 1, "kidney_left": 3, "kidney_right": 2}


@pytest.fixture
def restore_threads():
    """Predictor(num_threads=...) and the trainer set the process-wide pool."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def _zyx(name):
    image = nibabel.load(SOURCE / name)
    return np.asarray(image.dataobj).transpose(2, 1, 0), image.header.get_zooms()[::-1]


def _border(mask):
    return mask ^ ndi.binary_erosion(mask, ndi.generate_binary_structure(3, 1))


def _reference_scores(pred, ref, spacing):
    """numpy Dice; MedPy's hd95 and assd (MONAI's voxel surfaces) from scipy's EDT in mm."""
    dice = 2 * np.logical_and(pred, ref).sum() / (pred.sum() + ref.sum())
    pb, rb = _border(pred), _border(ref)
    to_ref = ndi.distance_transform_edt(~rb, sampling=spacing)[pb]
    to_pred = ndi.distance_transform_edt(~pb, sampling=spacing)[rb]
    return {"dice": dice, "hd95": np.percentile(np.concatenate([to_ref, to_pred]), 95),
            "assd": (to_ref.mean() + to_pred.mean()) / 2}


@pytest.mark.parametrize("region", [slice(0, 8), None], ids=["held_out", "whole_volume"])
def test_ceiling_equals_an_independent_computation(region):
    seg, spacing = _zyx("example_seg.nii.gz")
    fast, _ = _zyx("example_seg_fast.nii.gz")
    assert spacing == (3.0, 3.0, 3.0)
    z = slice(None) if region is None else region
    scores = evaluate_seg3d.ceiling(SOURCE, region)
    assert list(scores) == ["liver", "spleen", "kidney_left", "kidney_right"]
    for name, total_id in TOTAL_IDS.items():
        pred, ref = fast[z] == total_id, seg[z] == total_id
        expected = _reference_scores(pred, ref, spacing)
        for metric in ("dice", "hd95", "assd"):
            assert scores[name][metric] == pytest.approx(expected[metric], rel=1e-9), (name, metric)
        assert (scores[name]["pred_voxels"], scores[name]["ref_voxels"]) == (pred.sum(), ref.sum())
    if region is None:  # ../shared/data/MANIFEST.md's check of the two maps
        assert [round(scores[n]["dice"], 3) for n in ("liver", "spleen", "kidney_right")] == \
            [0.981, 0.977, 0.964]


@pytest.mark.parametrize("name", ["example_seg.nii.gz", "example_seg_fast.nii.gz"])
def test_the_midline_split_gives_each_reference_kidney_its_side(name):
    """The model's kidney class is split at the body's midline; on both reference maps that
    split reproduces TotalSegmentator's left and right kidney voxel for voxel."""
    labels, _ = _zyx(name)
    ct, _ = _zyx("example_ct_sm.nii.gz")
    organs = seg3d_data.organ_map(labels, TOTAL_IDS)
    merged = seg3d_data.training_map(organs)
    assert set(np.unique(merged)) == {0, 1, 2, 3}
    x_direction = seg3d_data.x_direction(SOURCE / "example_ct_sm.nii.gz")
    assert x_direction == -1.0  # x indices run from the patient's left to the right
    for z in (slice(0, 8), slice(None)):
        split = seg3d_data.split_kidneys(merged[z], ct[z], x_direction)
        np.testing.assert_array_equal(split, organs[z])
    # With the x axis the other way round the same voxels swap sides.
    flipped = seg3d_data.split_kidneys(merged[:, :, ::-1], ct[:, :, ::-1], 1.0)
    np.testing.assert_array_equal(flipped, organs[:, :, ::-1])


def _documented_model_rows():
    """{structure: (dice, hd95, assd)} of the U-Net rows of the documented table."""
    rows = {}
    for line in DOC.read_text().splitlines():
        m = re.match(r"\| (\w+) \| U-Net vs example_seg \| [^|]+ \| ([\d.]+) \| "
                     r"([\d.]+|inf) \| ([\d.]+|inf) \|", line)
        if m:
            rows[m.group(1)] = tuple(float(v) for v in m.groups()[1:])
    return rows


@pytest.mark.skipif(not MODEL.exists(), reason="the shipped model is absent")
def test_shipped_model_reproduces_the_documented_figures(restore_threads):
    documented = _documented_model_rows()
    assert list(documented) == ["liver", "spleen", "kidney_left", "kidney_right"]
    scores = evaluate_seg3d.model_scores(MODEL, SOURCE, threads=2)
    for name, (dice, hd95, assd) in documented.items():
        # The table rounds to 0.001 and 0.01 mm; the tolerance also covers argmax ties that
        # another thread count may flip (a voxel here is 27 mm^3).
        assert scores[name]["dice"] == pytest.approx(dice, abs=0.002), name
        assert scores[name]["hd95"] == pytest.approx(hd95, abs=0.1), name
        assert scores[name]["assd"] == pytest.approx(assd, abs=0.02), name


@pytest.mark.skipif(not MODEL.exists(), reason="the shipped model is absent")
def test_shipped_model_is_the_documented_unet():
    net = medimg.nn.load_model(MODEL)
    assert isinstance(net, medimg.nn.UNet)
    assert MODEL.stat().st_size < 3 * 1024 * 1024
    with torch.no_grad():
        out = net.eval()(torch.zeros(1, 1, *train_seg3d.PATCH))
    assert out.shape == (1, 4, *train_seg3d.PATCH)  # background, liver, spleen, kidney


def test_tiny_training_run_writes_a_loadable_model(tmp_path, restore_threads):
    torch.manual_seed(0)
    history = train_seg3d.train(tmp_path, epochs=1, repeat=2, seed=0, threads=2,
                                patch=(8, 32, 32), source=SOURCE)
    assert len(history) == 1 and math.isfinite(history[0]["train_loss"])
    assert 0.0 <= history[0]["val_dice"] <= 1.0
    net = medimg.nn.load_model(tmp_path / train_seg3d.MODEL_NAME)
    with torch.no_grad():
        out = net.eval()(torch.zeros(1, 1, 8, 32, 32))
    assert out.shape == (1, 4, 8, 32, 32) and torch.isfinite(out).all()
    # The prepared slabs: labels 0..3, the held-out slab 8 slices deep.
    held_out = nibabel.load(tmp_path / "data" / "validation" / "label.nii.gz")
    assert held_out.shape == (122, 101, 8)
    assert set(np.unique(np.asarray(held_out.dataobj))) == {0, 1, 2, 3}
    # The evaluation runs on any model file and scores every structure.
    scores = evaluate_seg3d.model_scores(tmp_path / train_seg3d.MODEL_NAME, SOURCE, threads=2)
    assert list(scores) == list(TOTAL_IDS) and all(0 <= s["dice"] <= 1 for s in scores.values())
