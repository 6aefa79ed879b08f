"""The example notebooks execute top to bottom in a fresh kernel (nbclient) and print the
figures their text promises."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

import medimg

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "examples" / "notebooks"
SHARED = NOTEBOOKS.parents[2] / "shared" / "data"


def execute(name: str) -> dict:
    """Runs the notebook with this build's medimg; returns the dict its last cell prints."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(Path(medimg.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for cell in notebook.cells:
        assert not [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
    text = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    return json.loads(text.split("RESULTS", 1)[1])


def test_segmentation_notebook_reports_the_two_models_agreement():
    results = execute("segmentation.ipynb")
    nib = pytest.importorskip("nibabel")
    folder = SHARED / "totalsegmentator_examples"
    seg = np.asarray(nib.load(folder / "example_seg.nii.gz").dataobj)
    fast = np.asarray(nib.load(folder / "example_seg_fast.nii.gz").dataobj)
    for name, label in {"spleen": 1, "kidney_right": 2, "kidney_left": 3, "liver": 5}.items():
        a, b = seg == label, fast == label
        assert results[name]["dice"] == pytest.approx(2 * (a & b).sum() / (a.sum() + b.sum()),
                                                      abs=1e-12)
        assert 0 < results[name]["hd95_mm"] < 10 and 0 < results[name]["assd_mm"] < 2
    # The agreement data/MANIFEST.md records for these two maps.
    assert round(results["liver"]["dice"], 3) == 0.981
    assert round(results["spleen"]["dice"], 3) == 0.977
    assert round(results["kidney_right"]["dice"], 3) == 0.964
    assert results["resampled_shape"] == [1, 60, 202, 244]
    assert results["liver_dice_after_round_trip"] == 1.0


def test_classification_notebook_reports_the_shipped_models_test_metrics():
    results = execute("classification.ipynb")
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    import sys

    sys.path.insert(0, str(NOTEBOOKS.parent / "pneumonia"))
    from pneumonia_data import DEFAULT_NPZ, load_split, pneumonia_probability

    model = medimg.nn.load_model(str(sorted(NOTEBOOKS.parents[1].glob("models/pneumonia_*.pt"))[0]))
    images, labels = load_split(DEFAULT_NPZ, "test")
    score = pneumonia_probability(model, images).numpy()
    assert results["auc"] == pytest.approx(sklearn_metrics.roc_auc_score(labels, score), abs=1e-9)
    assert results["accuracy"] == pytest.approx(
        sklearn_metrics.accuracy_score(labels, score > 0.5), abs=1e-12)
    assert results["kappa"] == pytest.approx(
        sklearn_metrics.cohen_kappa_score(labels, score > 0.5), abs=1e-9)
    # MedMNIST v2's ResNet-18 (28) row for PneumoniaMNIST.
    assert results["auc"] >= 0.944 and results["accuracy"] >= 0.854
    assert results["auc_ci95"][0] < results["auc"] < results["auc_ci95"][1]
    assert results["gradcam_shape"] == [2, 64, 64]
