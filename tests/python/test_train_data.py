"""medimg.train datasets, pipelines and loader against nibabel, numpy and torch's
DistributedSampler."""

import os
import shutil

import nibabel as nib
import numpy as np
import pytest
import torch
from torch.utils.data import DistributedSampler

import medimg
from medimg import train

AFFINE = np.diag([1.5, 1.25, 2.0, 1.0])


def write_nifti(path, array, affine=AFFINE):
    """array in nibabel's (i, j, k) order."""
    nib.Nifti1Image(array, affine).to_filename(str(path))
    return path


def zyx(array):
    """nibabel (i, j, k) as medimg's (1, Z, Y, X)."""
    return np.ascontiguousarray(array.transpose(2, 1, 0))[None]


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(0)
    image = rng.integers(-1000, 1000, size=(6, 5, 4)).astype(np.int16)
    label = (image > 200).astype(np.uint8)
    return (write_nifti(tmp_path / "ct.nii", image), write_nifti(tmp_path / "seg.nii", label),
            image, label)


def test_preprocessing_matches_hand_computed_values():
    x = np.linspace(-1500, 500, 2 * 3 * 4, dtype=np.float32).reshape(1, 2, 3, 4)
    lung = train.Preprocessing([{"window": {"preset": "lung"}}])
    # lung = (-600, 1500): clip((x - (-1350)) / 1500, 0, 1) in float32.
    expected = np.clip((x - np.float32(-1350)) / np.float32(1500), 0, 1)
    np.testing.assert_array_equal(lung(x), expected)
    assert lung.keys == ["window(center=-600,width=1500,mode=linear-clip,output=[0,1])"]

    zscore = train.Preprocessing([{"normalize": {"mode": "zscore"}}])
    np.testing.assert_allclose(zscore(x), (x - x.mean()) / x.std(), rtol=1e-5, atol=1e-6)
    percentile = train.Preprocessing([{"normalize": {"mode": "percentile", "lower": 10,
                                                     "upper": 90}}])
    low, high = np.percentile(x.astype(np.float64), [10, 90])
    np.testing.assert_allclose(percentile(x), (np.clip(x, low, high) - low) / (high - low),
                               rtol=1e-5, atol=1e-6)
    clip = train.Preprocessing("- clip: {min: -100, max: 100}")  # YAML text works too
    np.testing.assert_array_equal(clip(x), np.clip(x, -100, 100))


def test_geometric_steps_carry_the_label_by_nearest_neighbour():
    image = np.zeros((1, 4, 6), np.float32)
    image[0, 1:3, 2:5] = 1
    label = (image[0] > 0).astype(np.uint8)  # no channel axis: none comes back
    steps = train.Preprocessing([{"resample": {"spacing": 0.5}}])
    out_image, out_label = steps(image, label)
    assert out_image.shape == (1, 8, 12)
    # New index j samples old index 0.5 j - 0.25: nearest is j // 2.
    np.testing.assert_array_equal(out_label, np.repeat(np.repeat(label, 2, 0), 2, 1))
    padded_image, padded_label = train.Preprocessing(
        [{"crop_or_pad": {"shape": [6, 4], "value": -1}}])(image, label)
    np.testing.assert_array_equal(padded_label, np.pad(label, ((1, 1), (0, 0)))[:, 1:5])
    assert padded_image.min() == -1


def test_unknown_keys_types_and_steps_name_the_key():
    with pytest.raises(medimg.ArgumentError, match=r"preprocess\[1\]\.window\.centre"):
        train.Preprocessing([{"to_float": {}}, {"window": {"centre": 40, "width": 400}}])
    with pytest.raises(medimg.ArgumentError, match=r"preprocess\[0\]\.window\.width.*number"):
        train.Preprocessing([{"window": {"center": 40, "width": "wide"}}])
    with pytest.raises(medimg.ArgumentError, match="unknown preprocessing step 'windw'.*resample"):
        train.Preprocessing([{"windw": {}}])
    with pytest.raises(medimg.ArgumentError, match=r"augment\[0\]\.rand_affine\.rotate"):
        train.augmentation([{"rand_affine": {"rotate": [-10, 10]}}])
    with pytest.raises(medimg.ArgumentError, match=r"augment\[0\]\.rand_flip\.axes"):
        train.augmentation([{"rand_flip": {"axes": "z"}}])


def test_file_dataset_reads_what_nibabel_reads(pair):
    image_path, label_path, image, label = pair
    dataset = train.FileDataset([(image_path, label_path)])
    got_image, got_label = dataset[0]
    np.testing.assert_array_equal(got_image.array, zyx(image))
    np.testing.assert_array_equal(got_label.array, zyx(label))
    assert got_image.spacing == pytest.approx((2.0, 1.25, 1.5))
    assert got_label.geometry == got_image.geometry
    assert dataset.describe(0) == f"{image_path} + {label_path}"

    ct = medimg.train.FileDataset([os.path.join(os.path.dirname(__file__),
                                                "../data/nifti/example_ct_sm.nii.gz")])
    reference = nib.load(ct.samples[0][0])
    np.testing.assert_allclose(ct[0][0].array[0], reference.get_fdata().transpose(2, 1, 0))
    assert ct[0][1] is None


def test_mismatched_pairs_name_both_paths(pair, tmp_path):
    image_path, _, image, _ = pair
    small = write_nifti(tmp_path / "small.nii", np.zeros((6, 5, 3), np.uint8))
    with pytest.raises(medimg.ShapeError, match="small.nii.*ct.nii"):
        train.FileDataset([(image_path, small)])[0]
    moved = write_nifti(tmp_path / "moved.nii", np.zeros(image.shape, np.uint8),
                        np.diag([1.5, 1.25, 3.0, 1.0]))
    with pytest.raises(medimg.ShapeError, match="moved.nii.*grid.*ct.nii"):
        train.FileDataset([(image_path, moved)])[0]
    with pytest.raises(medimg.IoError, match="missing.nii"):
        train.FileDataset([(image_path, tmp_path / "missing.nii")])


def test_disk_cache_misses_when_the_file_or_the_pipeline_changes(pair, tmp_path):
    image_path, label_path, image, _ = pair
    cache = tmp_path / "cache"
    lung = [{"window": {"preset": "lung"}}]

    def load(preprocess=lung):
        return train.FileDataset([(image_path, label_path)], preprocess, cache=False,
                                 cache_dir=cache)[0][0].array

    first = load()
    assert len(os.listdir(cache)) == 1
    # Other voxels under the same size and modification time: still a hit (the content is
    # not hashed), which shows that the value came from the cache.
    stat = os.stat(image_path)
    write_nifti(image_path, image + 100)
    os.utime(image_path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    np.testing.assert_array_equal(load(), first)
    # A new modification time misses and reads the new voxels.
    os.utime(image_path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    changed = load()
    np.testing.assert_array_equal(changed, train.Preprocessing(lung)(zyx(image + 100)))
    assert len(os.listdir(cache)) == 2
    # Another pipeline misses.
    load([{"window": {"preset": "bone"}}])
    assert len(os.listdir(cache)) == 3
    load()
    assert len(os.listdir(cache)) == 3


def test_decathlon_layout_and_missing_label(pair, tmp_path):
    image_path, label_path, _, _ = pair
    root = tmp_path / "Task00"
    (root / "imagesTr").mkdir(parents=True)
    (root / "labelsTr").mkdir()
    for name in ("case_1.nii", "case_0.nii"):
        shutil.copy(image_path, root / "imagesTr" / name)
        shutil.copy(label_path, root / "labelsTr" / name)
    (root / "imagesTr" / "._case_0.nii").write_bytes(b"resource fork")
    samples = train.decathlon_samples(root)
    assert [os.path.basename(s[0]) for s in samples] == ["case_0.nii", "case_1.nii"]
    dataset = train.decathlon_dataset(root)
    np.testing.assert_array_equal(dataset[1][1].array, train.FileDataset([pair[:2]])[0][1].array)
    os.remove(root / "labelsTr" / "case_1.nii")
    with pytest.raises(medimg.IoError, match=r"labelsTr/case_1.nii"):
        train.decathlon_samples(root)


def test_sample_order_is_distributed_samplers():
    for n in (1, 5, 8, 13):
        for world_size in (1, 2, 3, 5):
            for shuffle in (False, True):
                for rank in range(world_size):
                    sampler = DistributedSampler(range(n), num_replicas=world_size, rank=rank,
                                                 shuffle=shuffle, seed=42)
                    sampler.set_epoch(3)
                    assert train.sample_order(n, shuffle=shuffle, seed=42, epoch=3, rank=rank,
                                              world_size=world_size) == list(sampler)


def synthetic(n=5, size=10):
    rng = np.random.default_rng(1)
    images = [rng.normal(size=(1, size, size, size)).astype(np.float32) for _ in range(n)]
    labels = [(x[0] > 0.5).astype(np.uint8) for x in images]
    return train.InMemoryDataset(images, labels)


AUGMENT = [{"rand_crop_by_label": {"size": [6, 6, 6]}}, {"rand_flip": {}},
           {"rand_affine": {"rotation": [-15, 15], "scale": [0.9, 1.1], "probability": 0.7}},
           {"rand_gaussian_noise": {"std": [0.0, 0.1]}}]


def test_loader_batches_do_not_depend_on_workers():
    dataset = synthetic()
    runs = []
    for workers in (0, 1, 3):
        loader = train.Loader(dataset, batch_size=2, seed=3, num_workers=workers,
                              augment=AUGMENT)
        loader.set_epoch(1)
        runs.append(list(loader))
        assert loader.epoch == 2
    for run in runs[1:]:
        assert len(run) == len(runs[0]) == 3
        for a, b in zip(run, runs[0]):
            assert torch.equal(a["index"], b["index"])
            assert torch.equal(a["image"], b["image"])
            assert torch.equal(a["label"], b["label"])
    first = runs[0][0]
    assert first["image"].shape == (2, 1, 6, 6, 6) and first["image"].dtype == torch.float32
    assert first["label"].dtype == torch.int64
    # The order is DistributedSampler's; each item is the augmentation with sample_seed.
    sampler = DistributedSampler(range(5), num_replicas=1, rank=0, shuffle=True, seed=3)
    sampler.set_epoch(1)
    assert torch.cat([b["index"] for b in runs[0]]).tolist() == list(sampler)
    index = int(first["index"][1])
    image, label = dataset[index]
    pipeline = train.augmentation(AUGMENT)
    expected_image, expected_label = pipeline(
        image, label, random=medimg.augment.Random(train.sample_seed(3, 1, index)))
    assert torch.equal(first["image"][1], expected_image.tensor)
    assert torch.equal(first["label"][1], expected_label.tensor.long())


def test_loader_rank_split_and_drop_last():
    dataset = synthetic(7, 4)
    seen = []
    for rank in range(3):
        loader = train.Loader(dataset, batch_size=2, seed=9, rank=rank, world_size=3,
                              drop_last=True)
        assert len(loader) == 1 and loader.num_samples == 3
        batches = list(loader)
        seen += batches[0]["index"].tolist()
        sampler = DistributedSampler(range(7), num_replicas=3, rank=rank, seed=9)
        assert batches[0]["index"].tolist() == list(sampler)[:2]
    assert len(seen) == 6


def test_npz_dataset_and_class_labels(root_dir):
    path = root_dir / "tests/data/npz/medmnist_rgb.npz"
    reference = np.load(path)
    dataset = train.NpzDataset(path, "train")
    assert len(dataset) == len(reference["train_images"])
    image, label = dataset[2]
    np.testing.assert_allclose(image.array, reference["train_images"][2].transpose(2, 0, 1) / 255,
                               rtol=1e-6)
    batch = next(iter(train.Loader(dataset, batch_size=3, shuffle=False)))
    assert batch["label"].dtype == torch.int64
    np.testing.assert_array_equal(batch["label"].numpy(), reference["train_labels"][:, 0])
    assert batch["image"].shape == (3, 3, 4, 5)

    classes = train.InMemoryDataset([np.ones((1, 6, 6), np.float32) * i for i in range(4)],
                                    [3, 1, 0, 2], [{"crop_or_pad": {"shape": [4, 4]}}])
    batch = next(iter(train.Loader(classes, batch_size=4, shuffle=False,
                                   augment=[{"rand_flip": {}}])))
    assert batch["label"].tolist() == [3, 1, 0, 2]
    assert batch["image"].shape == (4, 1, 4, 4)


def test_loading_errors_name_the_sample(tmp_path, pair):
    broken = tmp_path / "broken.nii"
    broken.write_bytes(b"\0" * 400)
    dataset = train.FileDataset([pair[0], broken])
    loader = train.Loader(dataset, batch_size=1, shuffle=False, num_workers=2)
    batches = iter(loader)
    next(batches)
    with pytest.raises(medimg.Error, match="sample 1.*broken.nii"):
        next(batches)
    with pytest.raises(medimg.ShapeError, match="sample 1.*sample 0"):
        list(train.Loader(train.InMemoryDataset([np.zeros((1, 4, 4)), np.zeros((1, 4, 5))]),
                          batch_size=2, shuffle=False))
