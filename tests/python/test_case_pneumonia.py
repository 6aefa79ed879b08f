"""The PneumoniaMNIST case study (examples/pneumonia, docs/case_pneumonia.md): the shipped
model meets MedMNIST v2's ResNet-18 (28) row on the official test split, the metrics agree
with scikit-learn, and the two training modes train what they claim to."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import medimg

from example_loader import load_example

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "pneumonia"
MODEL = ROOT / "models" / "pneumonia_resnet18_w16.pt"
NPZ = ROOT.parent / "shared" / "data" / "medmnist" / "pneumoniamnist.npz"

pytestmark = pytest.mark.skipif(not NPZ.exists(), reason=f"{NPZ} not available")


def _load(name):
    return load_example(EXAMPLE, name)


@pytest.fixture(scope="module")
def test_result():
    return _load("evaluate_pneumonia").evaluate(MODEL, NPZ, "test")


def test_shipped_model_is_small(test_result):
    assert MODEL.stat().st_size <= 3_000_000
    model = medimg.nn.load_model(MODEL)
    assert model.options["width"] == 16 and model.options["num_classes"] == 2


def test_shipped_model_meets_medmnist_v2_resnet18_28(test_result):
    assert test_result["cases"] == 624  # the official test split
    assert test_result["auc"] >= 0.944
    assert test_result["accuracy"] >= 0.854


def test_metrics_agree_with_sklearn(test_result):
    metrics = pytest.importorskip("sklearn.metrics")
    labels = np.array(test_result["labels"])
    scores = np.array(test_result["scores"])
    assert abs(test_result["auc"] - metrics.roc_auc_score(labels, scores)) <= 1e-9
    predicted = (scores > 0.5).astype(int)
    assert test_result["accuracy"] == pytest.approx(metrics.accuracy_score(labels, predicted),
                                                    abs=1e-12)
    np.testing.assert_array_equal(test_result["confusion_matrix"],
                                  metrics.confusion_matrix(labels, predicted, labels=[0, 1]))
    assert test_result["confusion_matrix"][0][0] + test_result["confusion_matrix"][0][1] == 234


def _state(path):
    return {k: v.clone() for k, v in medimg.nn.load_model(path).state_dict().items()}


def _changed(before, after):
    return {k for k in before if not torch.equal(before[k], after[k])}


def test_frozen_mode_changes_only_fc(tmp_path):
    train = _load("train_pneumonia").train
    train("frozen", tmp_path / "frozen.pt", npz=NPZ, backbone=MODEL, epochs=1, limit=64,
          threads=1, verbose=False)
    changed = _changed(_state(MODEL), _state(tmp_path / "frozen.pt"))
    assert changed == {"fc.weight", "fc.bias"}  # batch-norm statistics included


def test_frozen_mode_on_torchvision_weights(tmp_path):
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(0)
    reference = torchvision.models.resnet18().state_dict()  # ImageNet's layout, 3 channels
    torch.save(reference, tmp_path / "resnet18.pth")          # an OrderedDict, as torchvision
    train = _load("train_pneumonia").train
    train("frozen", tmp_path / "frozen.pt", npz=NPZ, backbone=tmp_path / "resnet18.pth",
          epochs=1, limit=16, threads=1, verbose=False)
    state = _state(tmp_path / "frozen.pt")
    assert state["fc.weight"].shape == (2, 512)
    # one input channel: the RGB filters summed (timm's adapt_input_conv)
    torch.testing.assert_close(state["conv1.weight"],
                               reference["conv1.weight"].sum(1, keepdim=True), rtol=0, atol=1e-6)
    assert all(torch.equal(state[k], reference[k]) for k in reference
               if k not in ("conv1.weight", "fc.weight", "fc.bias"))


def test_finetune_mode_changes_the_backbone(tmp_path):
    train = _load("train_pneumonia").train
    train("finetune", tmp_path / "finetune.pt", npz=NPZ, backbone=MODEL, epochs=1, limit=64,
          threads=1, verbose=False)
    changed = _changed(_state(MODEL), _state(tmp_path / "finetune.pt"))
    assert {"conv1.weight", "layer1.0.conv1.weight", "layer4.1.conv2.weight",
            "layer1.0.bn1.running_mean", "fc.weight"} <= changed


def test_training_script_runs_and_writes_a_loadable_model(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(medimg.__file__).resolve().parents[1])}
    out = tmp_path / "tiny.pt"
    run = subprocess.run([sys.executable, str(EXAMPLE / "train_pneumonia.py"), "--npz", str(NPZ),
                          "--epochs", "1", "--limit", "48", "--threads", "1", "--out", str(out)],
                         env=env, check=True, capture_output=True, text=True)
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["best_epoch"] == 1 and 0 <= summary["val_auc"] <= 1
    model = medimg.nn.load_model(out)
    assert model.options["width"] == 16
    evaluated = subprocess.run([sys.executable, str(EXAMPLE / "evaluate_pneumonia.py"), str(out),
                                "--npz", str(NPZ), "--split", "val"],
                               env=env, check=True, capture_output=True, text=True)
    result = json.loads(evaluated.stdout)
    assert result["cases"] == 524 and np.sum(result["confusion_matrix"]) == 524


def test_frozen_mode_needs_a_backbone(tmp_path):
    train = _load("train_pneumonia").train
    with pytest.raises(medimg.ArgumentError, match="backbone"):
        train("frozen", tmp_path / "x.pt", npz=NPZ, epochs=1, limit=8, verbose=False)
