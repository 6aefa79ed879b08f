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
    seg = np.asarray(nib.load(SHARED / "totalsegmentator_examples/example_seg.nii.gz").dataobj)
    fast = np.asarray(nib.load(SHARED / "totalsegmentator_examples/example_seg_fast.nii.gz").dataobj)
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
