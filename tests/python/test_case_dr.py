"""The diabetic-retinopathy case study (examples/retinopathy, docs/case_retinopathy.md): the
shipped model grades a synthetic test set with quadratic kappa >= 0.8 and Grad-CAM maxima on
lesions in >= 80 % of the correctly graded images, its metrics are scikit-learn's, and the
scripts train and evaluate on the user data formats."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import medimg
from medimg.pipelines import DRGrader, dr_metrics

from example_loader import load_example

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "retinopathy"
MODEL = next(iter(sorted((ROOT / "models").glob("dr_efficientnet_b0_*.pt"))), None)
N_TEST = 250

pytestmark = pytest.mark.skipif(MODEL is None, reason="no models/dr_efficientnet_b0_*.pt")


def _load(name):
    return load_example(EXAMPLE, name)


@pytest.fixture(scope="module")
def result():
    return _load("evaluate_dr").evaluate(MODEL, n_test=N_TEST, threads=2)


def _env():
    return {**os.environ, "PYTHONPATH": str(Path(medimg.__file__).resolve().parents[1])}


def test_shipped_model_is_a_small_ordinal_efficientnet():
    assert MODEL.stat().st_size <= 3_000_000
    model = medimg.nn.load_model(MODEL)
    assert model.architecture == "efficientnet"
    assert model.options["num_classes"] == 4 and model.options["cbam"]
    assert model.options["variant"] == "b0"
    assert model.options["output_stride"] == 8 and model.options["dilated"] is False
    assert model.options["cbam_from_stage"] == 4


def test_shipped_model_grades_the_synthetic_test_set(result):
    assert result["images"] == N_TEST
    assert result["quadratic_kappa"] >= 0.8
    assert result["referable_auc"] >= 0.9
    assert result["gradcam_cases"] >= 50
    assert np.sum(result["confusion_matrix"]) == N_TEST


def test_gradcam_maxima_lie_on_lesions(result):
    # DRGrader's default map: LayerCAM at features.2, lesion maps dilated by 4 px. Random
    # placement in the field of view would hit about 0.17 (docs/case_retinopathy.md).
    assert (result["gradcam_layer"], result["gradcam_method"]) == ("features.2", "layercam")
    assert result["gradcam_hit_rate"] >= 0.8


def test_metrics_agree_with_sklearn(result):
    metrics = pytest.importorskip("sklearn.metrics")
    cases = result["cases"]
    y, p = np.array(cases["grades"]), np.array(cases["predicted"])
    probabilities = np.array(cases["probabilities"], dtype=np.float64)
    assert result["quadratic_kappa"] == pytest.approx(
        metrics.cohen_kappa_score(y, p, weights="quadratic"), abs=1e-9)
    assert result["accuracy"] == pytest.approx(metrics.accuracy_score(y, p), abs=1e-12)
    # scikit-learn wants rows summing to 1 within its tolerance: renormalise in float64.
    probabilities /= probabilities.sum(1, keepdims=True)
    assert result["macro_auc"] == pytest.approx(
        metrics.roc_auc_score(y, probabilities, multi_class="ovr", average="macro"), abs=1e-9)
    assert result["referable_auc"] == pytest.approx(
        metrics.roc_auc_score(y >= 2, np.array(cases["referable"])), abs=1e-9)
    np.testing.assert_array_equal(result["confusion_matrix"],
                                  metrics.confusion_matrix(y, p, labels=range(5)))


def test_dr_metrics_on_hand_made_predictions():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y = np.arange(40) % 5
    p = np.clip(y + rng.integers(-1, 2, 40), 0, 4)
    scores = rng.random((40, 5))
    scores /= scores.sum(1, keepdims=True)
    got = dr_metrics(y, p, scores, scores[:, 2:].sum(1))
    assert got["quadratic_kappa"] == pytest.approx(
        metrics.cohen_kappa_score(y, p, weights="quadratic"), abs=1e-9)
    assert got["macro_auc"] == pytest.approx(
        metrics.roc_auc_score(y, scores, multi_class="ovr", average="macro"), abs=1e-9)
    assert got["referable_auc"] == pytest.approx(
        metrics.roc_auc_score(y >= 2, scores[:, 2:].sum(1)), abs=1e-9)


def test_grader_predicts_and_explains_one_image():
    image, lesions = medimg.phantoms.fundus_phantom(4, size=128, seed=7)
    grader = DRGrader(MODEL)
    prediction = grader.predict(image)
    assert prediction.grades.shape == (1,) and prediction.probabilities.shape == (1, 5)
    torch.testing.assert_close(prediction.probabilities.sum(1), torch.ones(1))
    assert 0 <= float(prediction.referable) <= 1
    cam, picture = grader.explain(image)
    assert cam.shape == (128, 128) and 0 <= float(cam.min()) and float(cam.max()) <= 1
    assert picture.shape == (3, 128, 128) and picture.dtype == torch.uint8


def test_training_script_runs_one_epoch_and_writes_a_loadable_model(tmp_path):
    out = tmp_path / "tiny.pt"
    run = subprocess.run([sys.executable, str(EXAMPLE / "train_dr.py"), "--epochs", "1",
                          "--limit", "12", "--threads", "1", "--out", str(out)],
                         env=_env(), check=True, capture_output=True, text=True)
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["best_epoch"] == 1
    model = medimg.nn.load_model(out)
    assert model.options["num_classes"] == 4 and model.options["width_multiplier"] == 0.25
    assert model.options["output_stride"] == 8 and model.options["cbam_from_stage"] == 4
    assert model(torch.zeros(2, 3, 128, 128)).shape == (2, 4)


def test_evaluate_reads_a_retinamnist_npz(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {}
    for split, n in (("train", 10), ("val", 10), ("test", 15)):
        arrays[f"{split}_images"] = rng.integers(0, 256, (n, 28, 28, 3), dtype=np.uint8)
        arrays[f"{split}_labels"] = (np.arange(n) % 5).reshape(n, 1).astype(np.int64)
    npz = tmp_path / "retinamnist.npz"
    np.savez(npz, **arrays)
    run = subprocess.run([sys.executable, str(EXAMPLE / "evaluate_dr.py"), str(MODEL),
                          "--npz", str(npz), "--figures", str(tmp_path / "figures")],
                         env=_env(), check=True, capture_output=True, text=True)
    result = json.loads(run.stdout)
    assert result["images"] == 15 and np.sum(result["confusion_matrix"]) == 15
    assert "gradcam_hit_rate" not in result  # no lesion maps in MedMNIST
    assert all(Path(f).exists() for f in result["figures"])


def test_evaluate_reads_an_aptos_style_folder(tmp_path):
    cv2 = pytest.importorskip("cv2")
    images = tmp_path / "train_images"
    images.mkdir()
    rows = ["id_code,diagnosis"]
    for i in range(5):
        image, _ = medimg.phantoms.fundus_phantom(i, size=160, seed=i)
        rgb = (image.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
        rgb = np.pad(rgb, ((0, 0), (30, 30), (0, 0)))  # black borders as in photographs
        cv2.imwrite(str(images / f"eye{i}.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        rows.append(f"eye{i},{i}")
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n")
    run = subprocess.run([sys.executable, str(EXAMPLE / "evaluate_dr.py"), str(MODEL),
                          "--folder", str(tmp_path)],
                         env=_env(), check=True, capture_output=True, text=True)
    result = json.loads(run.stdout)
    assert result["images"] == 5 and np.sum(result["confusion_matrix"]) == 5
