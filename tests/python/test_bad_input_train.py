"""Bad-input matrix of training and inference (medimg.train): every public name given inputs
it must refuse, each row naming the exact medimg exception class and a piece of its message:
wrong config keys and values, missing and corrupt model files, bad sliding-window options
(a window too large to allocate included), bad datasets, loaders and schedules.
"""

import copy
from pathlib import Path

import numpy as np
import pytest
import torch

import medimg
from bad_input import assert_every_name_has_a_row, assert_refused
from train_data import segmentation_config, write_sphere_cases

T = medimg.train
S, AR, F, IO = medimg.ShapeError, medimg.ArgumentError, medimg.FormatError, medimg.IoError
NAN = float("nan")

torch.manual_seed(0)  # LibTorch's generator is not seeded here
UNET = medimg.nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=[4, 8]).eval()
PREDICTOR = T.Predictor(UNET)
X = torch.zeros(1, 1, 16, 16)
IMAGE = np.zeros((1, 16, 16), np.float32)
MEDMNIST = Path(__file__).resolve().parents[1] / "data" / "npz" / "medmnist_rgb.npz"


def dataset():
    return T.InMemoryDataset([np.zeros((1, 4, 4), np.float32)])


def corrupt(tmp):
    path = tmp / "corrupt.model"
    path.write_bytes(b"PK\x03\x04" + b"not a zip archive" * 8)
    return path


def config(tmp, edit):
    """A working segmentation config (data written under tmp) after `edit`."""
    result = segmentation_config(write_sphere_cases(tmp / "data", count=2), tmp / "out")
    edit(result)
    return result


def swi(roi=(8, 8), sw_batch_size=1, inputs=X, **options):
    return T.sliding_window_inference(inputs, list(roi), sw_batch_size, PREDICTOR, **options)


# --- the matrix ---------------------------------------------------------------------------
# name: (call(tmp), expected class, substring of the message). Each name starts with the
# public function or class it exercises (test_every_public_name_is_in_the_matrix reads it).

CASES = {
    # trainer configs: wrong keys and values
    "Trainer unknown top-level key": (lambda t: T.Trainer(config(
        t, lambda c: c.update(trainerr={}))).fit(), AR, "trainerr"),
    "Trainer unknown optimizer key": (lambda t: T.Trainer(config(
        t, lambda c: c["optimizer"].update(lrr=0.1))).fit(), AR, "optimizer.lrr"),
    "Trainer unknown model option": (lambda t: T.Trainer(config(
        t, lambda c: c["model"].update(featurs=[4, 8]))).fit(), AR, "featurs"),
    "Trainer unknown architecture": (lambda t: T.Trainer(config(
        t, lambda c: c["model"].update(architecture="vgg"))).fit(), AR,
        "unknown architecture 'vgg'"),
    "Trainer text for the epochs": (lambda t: T.Trainer(config(
        t, lambda c: c["trainer"].update(epochs="3"))).fit(), AR, "trainer.epochs"),
    "Trainer without training data": (lambda t: T.Trainer(config(
        t, lambda c: c["data"].pop("train"))).fit(), AR, "missing config key 'data.train'"),
    "train unknown loader key": (lambda t: T.train(config(
        t, lambda c: c["loader"].update(batchsize=2))), AR, "loader.batchsize"),
    "read_config missing file": (lambda t: T.read_config(t / "missing.yaml"), IO,
                                 "cannot open the config file"),
    "read_config not a mapping": (lambda t: T.read_config(write(t / "x.yaml", "- 1\n- 2\n")), F,
                                  "x.yaml: a training config is a mapping of keys to values, got "
                                  "a list"),
    "Preprocessing unknown step": (lambda t: T.Preprocessing([{"blur": {}}]), AR,
                                   "unknown preprocessing step 'blur' (known: window, normalize"),
    "Preprocessing two keys in a step": (lambda t: T.Preprocessing(
        [{"name": "normalize", "mode": "zscore"}]), AR,
        "each preprocessing step is one key naming it"),
    "Preprocessing unknown option": (lambda t: T.Preprocessing([{"normalize": {"mdoe": "x"}}]),
                                     AR, "mdoe"),
    "augmentation unknown step": (lambda t: T.augmentation([{"rand_blur": {}}]), AR,
                                  "unknown augmentation step 'rand_blur' (known: rand_flip"),
    "augmentation two keys in a step": (lambda t: T.augmentation(
        [{"name": "rand_flip", "probability": 1}]), AR,
        "each augmentation step is one key naming it"),
    # predictors and model files
    "Predictor missing model file": (lambda t: T.Predictor(t / "missing.model"), IO,
                                     "missing.model: does not exist"),
    "Predictor corrupt model file": (lambda t: T.Predictor(corrupt(t)), F,
                                     "is neither a TorchScript model nor a medimg model file"),
    "Predictor not a model": (lambda t: T.Predictor(3), AR,
                              "model must be a path or a medimg network, got int"),
    "Predictor negative num_threads": (lambda t: T.Predictor(UNET, num_threads=-1), AR,
                                       "num_threads must be positive, got -1"),
    "Predictor.predict three channels for one": (lambda t: PREDICTOR.predict(
        torch.zeros(3, 16, 16)), S, "UNet expects 1 input channel(s)"),
    "Predictor.predict unknown output": (lambda t: PREDICTOR.predict(IMAGE, output="x"), AR,
                                         "output must be 'probabilities', 'labels' or 'logits', "
                                         "got 'x'"),
    "load_predictor missing file": (lambda t: T.load_predictor(t / "missing.model"), IO,
                                    "does not exist"),
    "load_predictor corrupt file": (lambda t: T.load_predictor(corrupt(t)), F,
                                    "is neither a TorchScript model nor a medimg model file"),
    # sliding-window inference
    "sliding_window_inference window too large to allocate": (lambda t: swi((2 ** 40, 8)), AR,
                                                              "roi_size [1099511627776, 8] is "
                                                              "too large: a window holds at most "
                                                              "2^31 voxels"),
    "sliding_window_inference window past 64 bits": (lambda t: swi((2 ** 70, 8)), AR,
                                                     "is too large"),
    "sliding_window_inference three sizes in 2D": (lambda t: swi((8, 8, 8)), AR,
                                                   "roi_size has 3 entries, the inputs have 2 "
                                                   "spatial axes"),
    "sliding_window_inference overlap 1": (lambda t: swi(overlap=1.0), AR,
                                           "overlap must lie in [0, 1), got 1"),
    "sliding_window_inference negative overlap": (lambda t: swi(overlap=-0.1), AR, "got -0.1"),
    "sliding_window_inference NaN overlap": (lambda t: swi(overlap=NAN), AR, "got nan"),
    "sliding_window_inference sw_batch_size 0": (lambda t: swi(sw_batch_size=0), AR,
                                                 "sw_batch_size must be >= 1, got 0"),
    "sliding_window_inference unknown mode": (lambda t: swi(mode="x"), AR,
                                              "mode must be 'constant' or 'gaussian', got 'x'"),
    "sliding_window_inference 1D input": (lambda t: swi((8,), inputs=torch.zeros(16)), S,
                                          "expected inputs (N, C, Y, X) or (N, C, Z, Y, X), got "
                                          "[16]"),
    "predict_image window too large": (lambda t: T.predict_image(IMAGE, PREDICTOR, 2 ** 20), AR,
                                       "is too large"),
    "predict_image unknown output": (lambda t: T.predict_image(IMAGE, PREDICTOR, 8, output="x"),
                                     AR, "output must be"),
    "gaussian_importance_map size 0": (lambda t: T.gaussian_importance_map([0, 8]), AR,
                                       "gaussian_importance_map: window sizes must be >= 1, "
                                       "got 0"),
    "gaussian_importance_map sigma_scale 0": (lambda t: T.gaussian_importance_map(
        [8, 8], sigma_scale=0), AR, "sigma_scale must be > 0, got 0"),
    # datasets, loaders, sampling
    "FileDataset no samples": (lambda t: T.FileDataset([]), AR, "FileDataset: no samples"),
    "FileDataset missing image": (lambda t: T.FileDataset([(str(t / "missing.nii"), None)])[0],
                                  IO, "missing.nii: the image does not exist"),
    "InMemoryDataset more labels than images": (lambda t: T.InMemoryDataset(
        [IMAGE], [np.zeros((16, 16)), np.zeros((16, 16))]), AR, "1 images but 2 labels"),
    "NpzDataset missing file": (lambda t: T.NpzDataset(t / "missing.npz"), IO, "no such file"),
    "NpzDataset unknown split": (lambda t: T.NpzDataset(MEDMNIST, split="x"), AR,
                                 "a MedMNIST split is 'train', 'val' or 'test', got 'x'"),
    "decathlon_dataset missing folder": (lambda t: T.decathlon_dataset(t / "missing"), IO,
                                         "is not a folder"),
    "decathlon_samples missing folder": (lambda t: T.decathlon_samples(t / "missing"), IO,
                                         "is not a folder"),
    "Loader batch_size 0": (lambda t: T.Loader(dataset(), batch_size=0), AR,
                            "Loader: batch_size must be >= 1, got 0"),
    "Loader rank past world_size": (lambda t: T.Loader(dataset(), rank=2, world_size=2), AR,
                                    "Loader: rank must be in [0, 2), got 2"),
    "sample_order rank past world_size": (lambda t: T.sample_order(4, rank=3, world_size=2), AR,
                                          "rank must be in [0, 2), got 3"),
    # pybind11 once raised TypeError for these
    "sample_order negative size": (lambda t: T.sample_order(-1), AR,
                                   "sample_order: dataset_size must be an integer >= 0, got -1"),
    "sample_seed negative seed": (lambda t: T.sample_seed(-1, 0, 0), AR,
                                  "sample_seed: seed must be an integer >= 0, got -1"),
    # learning-rate schedules
    "CosineWarmupLR total_epochs 0": (lambda t: T.CosineWarmupLR([0.1], 0), AR,
                                      "CosineWarmupLR: total_epochs (more than warmup_epochs) "
                                      "must be >= 1, got 0"),
    "CosineWarmupLR warmup past the end": (lambda t: T.CosineWarmupLR([0.1], 5, warmup_epochs=6),
                                           AR, "must be >= 7, got 5"),
    "PolyLR total_epochs 0": (lambda t: T.PolyLR([0.1], 0), AR,
                              "PolyLR: total_epochs must be >= 1, got 0"),
    "StepLR step_size 0": (lambda t: T.StepLR([0.1], 0), AR,
                           "StepLR: step_size must be >= 1, got 0"),
    "ReduceLROnPlateau unknown mode": (lambda t: T.ReduceLROnPlateau([0.1], mode="x"), AR,
                                       "ReduceLROnPlateau: mode must be 'min' or 'max', got 'x'"),
    "ReduceLROnPlateau factor 1": (lambda t: T.ReduceLROnPlateau([0.1], factor=1.0), AR,
                                   "ReduceLROnPlateau: factor must lie in [0, 1), got 1"),
}


def write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused(name, tmp_path):
    assert_refused(CASES[name], tmp_path)


def test_every_public_name_is_in_the_matrix():
    assert_every_name_has_a_row(CASES, (T,), set())


def test_the_configs_are_valid_before_the_edits(tmp_path):
    """The Trainer rows fail on their edit alone: the unedited config trains."""
    good = config(tmp_path, lambda c: c["trainer"].update(epochs=1))
    good["data"].pop("validation")
    assert len(T.Trainer(copy.deepcopy(good)).fit()) == 1
