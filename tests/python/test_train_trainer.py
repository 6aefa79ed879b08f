"""The trainer (medimg.train.Trainer, `medimg train`): the same numbers from Python and the
CLI for one seed, logs and checkpoints, exact resumption after SIGKILL, strict configs,
early stopping and callbacks, classification, and data-parallel training over 2 processes."""

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import medimg
from train_data import segmentation_config, write_sphere_cases

CLI = Path(medimg.__file__).resolve().parents[2] / "apps" / "medimg"


@pytest.fixture(scope="module")
def spheres(tmp_path_factory) -> Path:
    return write_sphere_cases(tmp_path_factory.mktemp("spheres"))


def run_cli(config: dict, folder: Path, *args: str, env=None, check=True):
    path = folder / "config.json"
    path.write_text(json.dumps(config))
    result = subprocess.run([str(CLI), "train", str(path), "--quiet", *args], capture_output=True,
                            text=True, env=env, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def weights(path: Path) -> dict:
    return {k: v.clone() for k, v in medimg.nn.load_model(path).state_dict().items()}


def assert_same_weights(a: dict, b: dict, atol: float = 0.0) -> None:
    assert a.keys() == b.keys()
    for name in a:
        if atol == 0.0:
            assert torch.equal(a[name], b[name]), name
        else:
            torch.testing.assert_close(a[name], b[name], atol=atol, rtol=0, msg=name)


def test_python_and_cli_train_to_the_same_numbers(spheres, tmp_path):
    config = segmentation_config(spheres, tmp_path / "python")
    history = medimg.train.train(config)
    config["trainer"]["out_dir"] = str(tmp_path / "cli")
    run_cli(config, tmp_path)
    cli_history = json.loads((tmp_path / "cli" / "log.json").read_text())

    assert [r["epoch"] for r in history] == [0, 1, 2]
    # Equal on a quiet machine (and the 40-epoch runs of docs/train.md were byte-identical),
    # but one CI run under ctest -j2 load differed by one float32 ulp (train loss
    # 0.88190311 vs 0.88190317): some reduction's order depends on the load. Until that is
    # found, the two entry points must agree to float32 rounding.
    for ours, theirs in zip(history, cli_history):
        assert ours["train_loss"] == pytest.approx(theirs["train_loss"], rel=1e-6)
        assert ours["val_dice"] == pytest.approx(theirs["val_dice"], rel=1e-5)
        assert ours["lr"] == theirs["lr"]
    assert_same_weights(weights(tmp_path / "python" / "last_model.pt"),
                        weights(tmp_path / "cli" / "last_model.pt"), atol=1e-5)
    # It learns: the loss falls, and poly decay gives lr * (1 - e / 3) ** 0.9.
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert [r["lr"][0] for r in history] == pytest.approx(
        [0.05 * (1 - e / 3) ** 0.9 for e in range(3)], rel=1e-12)


def test_logs_and_checkpoints(spheres, tmp_path):
    out = tmp_path / "out"
    trainer = medimg.train.Trainer(segmentation_config(spheres, out, epochs=2))
    history = trainer.fit()
    assert sorted(p.name for p in out.iterdir()) == [
        "best.pt", "best_model.pt", "curves.png", "last.pt", "last_model.pt", "log.csv",
        "log.json"]
    rows = (out / "log.csv").read_text().splitlines()
    assert rows[0].split(",")[:4] == ["epoch", "train_loss", "lr", "seconds"]
    assert "val_dice" in rows[0] and len(rows) == 3
    assert float(rows[2].split(",")[1]) == pytest.approx(history[1]["train_loss"], rel=1e-8)
    curves = cv2.imread(str(out / "curves.png"))
    assert curves.shape == (360, 900, 3) and curves.min() < 255
    # The trained network's parameters are those written to last_model.pt.
    assert_same_weights({k: v.detach() for k, v in trainer.network.state_dict().items()},
                        weights(out / "last_model.pt"))
    # evaluate() gives the last epoch's validation metrics again.
    metrics = trainer.evaluate()
    assert metrics["val_dice"] == pytest.approx(history[-1]["val_dice"], abs=1e-12)
    # best.pt is a whole training state: a fresh trainer resumes from it.
    other = medimg.train.Trainer(segmentation_config(spheres, tmp_path / "other", epochs=2))
    other.load_checkpoint(out / "best.pt")
    assert other.start_epoch == 1 + max(r["epoch"] for r in history if r["best"])


def test_resume_after_sigkill_reaches_the_weights_of_an_uninterrupted_run(spheres, tmp_path):
    epochs = 40
    reference = segmentation_config(spheres, tmp_path / "reference", epochs=epochs)
    run_cli(reference, tmp_path)
    expected = weights(tmp_path / "reference" / "last_model.pt")

    out = tmp_path / "killed"
    config = segmentation_config(spheres, out, epochs=epochs)
    (tmp_path / "killed.json").write_text(json.dumps(config))

    def logged_epochs() -> int:
        try:
            return len(json.loads((out / "log.json").read_text()))
        except (OSError, ValueError):
            return 0

    rng = random.Random(5)
    kills = 0
    for kill in range(3):
        before = logged_epochs()
        process = subprocess.Popen([str(CLI), "train", str(tmp_path / "killed.json"), "--quiet",
                                    "--resume"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while logged_epochs() <= before and process.poll() is None and time.time() < deadline:
            time.sleep(0.01)
        # A random moment of the next epoch: training, validation or a checkpoint write.
        time.sleep(rng.uniform(0.0, 0.1))
        if process.poll() is not None:
            break  # a fast machine finished first; the kills so far still count
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        assert not (out / "last_model.pt").exists()
    assert kills >= 1
    # Whatever the kill interrupted, last.pt is a complete checkpoint to resume from.
    finish = subprocess.run([str(CLI), "train", str(tmp_path / "killed.json"), "--quiet",
                             "--resume"], capture_output=True, text=True, timeout=300)
    assert finish.returncode == 0, finish.stderr
    # A write cut by SIGKILL can leave its temporary behind (nothing can remove it then),
    # never a partial target: every target file is complete.
    assert all(p.name.startswith(".medimg-tmp-") for p in out.iterdir() if p.name.startswith("."))
    for name in ("best_model.pt", "last_model.pt"):
        medimg.nn.load_model(out / name)
    history = json.loads((out / "log.json").read_text())
    assert [r["epoch"] for r in history] == list(range(epochs))
    assert_same_weights(weights(out / "last_model.pt"), expected)


@pytest.mark.parametrize("edit, key", [
    (lambda c: c.update(trainerr={}), "trainerr"),
    (lambda c: c["trainer"].update(epochs="3"), "trainer.epochs"),
    (lambda c: c["optimizer"].update(lrr=0.1), "optimizer.lrr"),
    (lambda c: c["scheduler"].update(name="exponential"), "scheduler.name"),
    (lambda c: c["loader"].update(batchsize=2), "loader.batchsize"),
    (lambda c: c["model"].update(featurs=[4, 8]), "featurs"),
    (lambda c: c["data"]["preprocess"][0]["normalize"].update(mdoe="zscore"), "mdoe"),
    (lambda c: c["data"]["train"].update(split="x"), "data.train.split"),
])
def test_config_errors_name_the_key(spheres, tmp_path, edit, key):
    config = segmentation_config(spheres, tmp_path / "out")
    edit(config)
    with pytest.raises(medimg.ArgumentError, match=key.replace(".", r"\.")):
        medimg.train.Trainer(config).fit()
    result = run_cli(config, tmp_path, check=False)
    assert result.returncode != 0 and key in result.stderr


def test_mismatched_image_and_label_are_reported_with_their_paths(spheres, tmp_path):
    bad = tmp_path / "bad"
    write_sphere_cases(bad, count=2)
    small = write_sphere_cases(tmp_path / "small", count=1, shape=(10, 16, 16))
    (bad / "labelsTr" / "case1.nii.gz").write_bytes(
        (small / "labelsTr" / "case0.nii.gz").read_bytes())
    config = segmentation_config(bad, tmp_path / "out", validation=False)
    with pytest.raises(medimg.ShapeError, match="case1"):
        medimg.train.Trainer(config).fit()


def test_early_stopping_callbacks_and_stop(spheres, tmp_path):
    config = segmentation_config(spheres, tmp_path / "out", epochs=10)
    config["optimizer"]["lr"] = 0.0  # nothing improves after the first validation
    config["trainer"].update(early_stopping_patience=2, monitor="val_loss")
    records, steps = [], []
    history = medimg.train.Trainer(config, on_epoch_end=records.append,
                                   on_step=lambda e, s, loss: steps.append((e, s))).fit()
    assert len(history) == 3 and [r["best"] for r in history] == [True, False, False]
    assert [r["epoch"] for r in records] == [0, 1, 2]
    assert steps[:3] == [(0, 1), (0, 2), (0, 3)]  # 6 cases in batches of 2

    holder = {}
    def stop_after_two(record):
        if record["epoch"] == 1:
            holder["trainer"].stop()
    holder["trainer"] = medimg.train.Trainer(segmentation_config(spheres, tmp_path / "o2", 10),
                                             on_epoch_end=stop_after_two)
    assert len(holder["trainer"].fit()) == 2


def write_classification_npz(path: Path, seed: int = 0) -> Path:
    """MedMNIST 3D layout (as OrganMNIST3D): 16³ grey volumes, class 1 holds a bright cube."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in (("train", 64), ("val", 32), ("test", 8)):
        labels = rng.integers(0, 2, (n, 1)).astype(np.uint8)
        images = rng.integers(0, 80, (n, 16, 16, 16)).astype(np.uint8)
        for i in np.nonzero(labels[:, 0])[0]:
            z, y, x = rng.integers(2, 10, 3)
            images[i, z:z + 5, y:y + 5, x:x + 5] = 200
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images, labels
    np.savez(path, **arrays)
    return path


def test_classification_learns_a_separable_task(tmp_path):
    # The 3D CNN of the nodule pipeline's false-positive reduction, with instance norm (batch
    # norm's running statistics need more steps than a quick test has).
    npz = write_classification_npz(tmp_path / "cubes.npz")
    config = {
        "task": "classification",
        "model": {"architecture": "cnn3d", "in_channels": 1, "num_classes": 2,
                  "features": [8, 16], "norm": "instance", "dropout": 0.0},
        "data": {"train": {"npz": str(npz), "split": "train"},
                 "validation": {"npz": str(npz), "split": "val"},
                 "preprocess": [{"normalize": {"mode": "minmax"}}]},
        "loader": {"batch_size": 8, "num_workers": 1},
        "optimizer": {"name": "adam", "lr": 3e-3},
        "trainer": {"epochs": 4, "seed": 1, "monitor": "val_accuracy"},
    }
    history = medimg.train.train(config)
    assert history[-1]["val_accuracy"] >= 0.9
    assert history[-1]["val_auc"] >= 0.95


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_equal_one_process_with_the_same_global_batch(spheres, tmp_path):
    single = segmentation_config(spheres, tmp_path / "single", epochs=2, batch_size=4,
                                 validation=False)
    run_cli(single, tmp_path)
    ranks = segmentation_config(spheres, tmp_path / "ranks", epochs=2, batch_size=2,
                                validation=False)
    run_cli(ranks, tmp_path, "--nproc", "2", "--master-port", str(free_port()))
    assert_same_weights(weights(tmp_path / "ranks" / "last_model.pt"),
                        weights(tmp_path / "single" / "last_model.pt"), atol=1e-5)
    single_log = json.loads((tmp_path / "single" / "log.json").read_text())
    ranks_log = json.loads((tmp_path / "ranks" / "log.json").read_text())
    assert [r["train_loss"] for r in ranks_log] == pytest.approx(
        [r["train_loss"] for r in single_log], rel=1e-5)


def children_of(pid: int) -> list:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_a_rank_that_dies_makes_the_others_fail_not_hang(spheres, tmp_path):
    config = segmentation_config(spheres, tmp_path / "out", epochs=500, validation=False)
    (tmp_path / "config.json").write_text(json.dumps(config))
    env = dict(os.environ, MEDIMG_DIST_TIMEOUT="30")
    launcher = subprocess.Popen([str(CLI), "train", str(tmp_path / "config.json"), "--quiet",
                                 "--nproc", "2", "--master-port", str(free_port())],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                env=env)
    deadline = time.time() + 120
    while not (tmp_path / "out" / "log.json").exists() and time.time() < deadline:
        time.sleep(0.1)
    ranks = sorted(children_of(launcher.pid))
    assert len(ranks) == 2
    os.kill(ranks[1], signal.SIGKILL)
    started = time.time()
    _, stderr = launcher.communicate(timeout=90)
    assert launcher.returncode != 0
    assert time.time() - started < 60
    assert "rank 1 failed (killed by signal 9)" in stderr
    # Rank 0 reports the lost peer itself instead of waiting to be terminated.
    assert "distributed training" in stderr and "rank 0 of 2" in stderr


def test_gradient_clipping_bounds_each_step(spheres, tmp_path):
    config = segmentation_config(spheres, tmp_path / "out", epochs=1, validation=False)
    config["optimizer"] = {"name": "sgd", "lr": 1.0, "momentum": 0.0, "nesterov": False,
                           "weight_decay": 0.0}
    config["scheduler"] = {"name": "none"}
    config["trainer"]["grad_clip"] = 1e-4
    trainer = medimg.train.Trainer(config)
    before = torch.cat([p.detach().flatten().clone() for p in trainer.network.parameters()])
    trainer.fit()
    after = torch.cat([p.detach().flatten() for p in trainer.network.parameters()])
    moved = (after - before).norm().item()
    # 3 steps, each moving the parameters by lr * (a gradient of norm <= 1e-4).
    assert 1e-5 < moved <= 3e-4 * (1 + 1e-4)


def test_a_network_built_in_python_is_trained_in_place(spheres, tmp_path):
    config = segmentation_config(spheres, tmp_path / "out", epochs=1, validation=False)
    options = dict(config.pop("model"))
    options.pop("architecture")
    network = medimg.nn.UNet(**options)
    before = [p.detach().clone() for p in network.parameters()]
    trainer = medimg.train.Trainer(config, network=network)
    trainer.fit()
    assert trainer.network is network
    assert all(not torch.equal(a, b.detach()) for a, b in zip(before, network.parameters()))
    with pytest.raises(medimg.ArgumentError, match="model"):
        medimg.train.Trainer(config)
