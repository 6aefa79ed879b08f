"""Folders of graded fundus photographs (APTOS 2019, EyePACS, IDRiD layouts) against OpenCV's
decoding, their bad-input errors, and RetinaMNIST through read_medmnist."""

import cv2
import numpy as np
import pytest
import torch

import medimg
from medimg.io import read_fundus_image, read_graded_folder, read_medmnist


def photo(seed, height=24, width=32):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)  # B, G, R for cv2


def write(path, bgr):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), bgr)


def expected_rgb(path):
    return torch.from_numpy(cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB).transpose(2, 0, 1).copy())


def test_aptos_layout(tmp_path):
    grades = {"000c1434d8d7": 2, "001639a390f0": 4, "0024cdab0c1e": 0}
    for k, name in enumerate(grades):
        write(tmp_path / "train_images" / f"{name}.png", photo(k))
    (tmp_path / "train.csv").write_text(
        "id_code,diagnosis\n" + "".join(f"{n},{g}\n" for n, g in grades.items()))
    pairs, load = read_graded_folder(tmp_path)
    assert [(p.split("/")[-1], g) for p, g in pairs] == [(f"{n}.png", g) for n, g in grades.items()]
    for k, (path, _) in enumerate(pairs):
        image = load(k)
        assert image.dtype == torch.uint8 and image.shape == (3, 24, 32)
        assert torch.equal(image, expected_rgb(path))  # PNG: exact, R G B order
        assert torch.equal(load(path), image)


def test_eyepacs_layout(tmp_path):
    rows = [("10_left", 0), ("10_right", 1), ("13_left", 3)]
    for k, (name, _) in enumerate(rows):
        write(tmp_path / "train" / f"{name}.jpeg", photo(10 + k, 40, 48))
    (tmp_path / "trainLabels.csv").write_text(
        "image,level\r\n" + "".join(f"{n},{g}\r\n" for n, g in rows) + "\r\n")
    pairs, load = read_graded_folder(tmp_path)
    assert [g for _, g in pairs] == [0, 1, 3]
    assert all(p.endswith(f"train/{n}.jpeg") for (p, _), (n, _) in zip(pairs, rows))
    for k, (path, _) in enumerate(pairs):
        assert torch.equal(load(k), expected_rgb(path))  # the same libjpeg decoder


def test_idrid_layout(tmp_path):
    # IDRiD's grading CSV: a long name, spaces and trailing empty columns, a BOM.
    rows = [("IDRiD_001", 3, 2), ("IDRiD_002", 0, 0)]
    for k, (name, _, _) in enumerate(rows):
        write(tmp_path / "images" / f"{name}.jpg", photo(20 + k))
    text = "\ufeffImage name,Retinopathy grade,Risk of macular edema ,,\n"
    text += "".join(f"{n},{g},{r},,\n" for n, g, r in rows)
    (tmp_path / "a. IDRiD_Disease Grading_Training Labels.csv").write_text(text, encoding="utf-8")
    (tmp_path / "notes.csv").write_text("what,ever\n1,2\n")  # not a grades file
    pairs, load = read_graded_folder(tmp_path)
    assert [(p.split("/")[-1], g) for p, g in pairs] == [("IDRiD_001.jpg", 3), ("IDRiD_002.jpg", 0)]
    assert torch.equal(load(1), expected_rgb(pairs[1][0]))


def test_explicit_csv_and_image_dir_and_quotes(tmp_path):
    write(tmp_path / "pics" / "a b.PNG", photo(1))
    write(tmp_path / "pics" / "c.tif", photo(2))
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "grades.csv").write_text('Grade,"Image"\n"1","a b"\n2.0,c.tif\n')
    pairs, _ = read_graded_folder(tmp_path, csv="labels/grades.csv", image_dir=tmp_path / "pics")
    assert [(p.split("/")[-1], g) for p, g in pairs] == [("a b.PNG", 1), ("c.tif", 2)]


def test_grey_alpha_and_16_bit_files_become_rgb_uint8(tmp_path):
    grey = photo(3)[..., 0]
    write(tmp_path / "grey.png", grey)
    np.testing.assert_array_equal(read_fundus_image(tmp_path / "grey.png").numpy(), np.stack([grey] * 3))
    bgra = np.dstack([photo(4), np.full((24, 32), 7, np.uint8)])
    write(tmp_path / "alpha.png", bgra)
    np.testing.assert_array_equal(read_fundus_image(tmp_path / "alpha.png").numpy(),
                                  bgra[..., 2::-1].transpose(2, 0, 1))
    deep = (photo(5).astype(np.uint16) * 257)[..., :3]
    deep[0, 0] = [65535, 0, 128]
    write(tmp_path / "deep.png", deep)
    expected = np.round(deep[..., ::-1].astype(np.float64) * 255 / 65535).astype(np.uint8)
    np.testing.assert_array_equal(read_fundus_image(tmp_path / "deep.png").numpy(), expected.transpose(2, 0, 1))


def aptos(tmp_path, csv_text, images=("a",)):
    for k, name in enumerate(images):
        write(tmp_path / "train_images" / f"{name}.png", photo(k))
    (tmp_path / "train.csv").write_text(csv_text)


def test_bad_folders(tmp_path):
    with pytest.raises(medimg.IoError, match="no such folder"):
        read_graded_folder(tmp_path / "missing")
    with pytest.raises(medimg.IoError, match="no grades CSV"):
        read_graded_folder(tmp_path)
    with pytest.raises(medimg.IoError, match="no such grades CSV"):
        read_graded_folder(tmp_path, csv="x.csv")
    with pytest.raises(medimg.IoError, match="no such image folder"):
        aptos(tmp_path, "id_code,diagnosis\na,1\n")
        read_graded_folder(tmp_path, image_dir="nope")


def test_unknown_columns(tmp_path):
    aptos(tmp_path, "id_code,severity\na,1\n")
    with pytest.raises(medimg.FormatError, match=r"train\.csv.*row 1.*no grade column"):
        read_graded_folder(tmp_path)
    (tmp_path / "train.csv").write_text("name,diagnosis\na,1\n")
    with pytest.raises(medimg.FormatError, match="no image id column"):
        read_graded_folder(tmp_path)


@pytest.mark.parametrize("grade", ["5", "-1", "x", "1.5", ""])
def test_bad_grade_names_the_row(tmp_path, grade):
    aptos(tmp_path, f"id_code,diagnosis\na,1\na,{grade}\n")
    with pytest.raises(medimg.ArgumentError, match=r"train\.csv: row 3 \(a\): grade"):
        read_graded_folder(tmp_path)


def test_missing_image_names_the_row(tmp_path):
    aptos(tmp_path, "id_code,diagnosis\na,1\n\nb,2\n")
    with pytest.raises(medimg.IoError, match=r"train\.csv.*row 4: no image 'b'"):
        read_graded_folder(tmp_path)


def test_short_row(tmp_path):
    aptos(tmp_path, "id_code,diagnosis\na\n")
    with pytest.raises(medimg.FormatError, match="row 2 has 1 fields"):
        read_graded_folder(tmp_path)


def test_load_errors(tmp_path):
    with pytest.raises(medimg.IoError):
        read_fundus_image(tmp_path / "none.png")
    (tmp_path / "bad.png").write_bytes(b"not a png")
    with pytest.raises(medimg.FormatError):
        read_fundus_image(tmp_path / "bad.png")


def test_retinamnist_layout(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n in (("train", 5), ("val", 2), ("test", 3)):
        arrays[f"{split}_images"] = rng.integers(0, 256, (n, 28, 28, 3), dtype=np.uint8)
        arrays[f"{split}_labels"] = rng.integers(0, 5, (n, 1)).astype(np.uint8)
    np.savez_compressed(tmp_path / "retinamnist.npz", **arrays)
    for split in ("train", "val", "test"):
        images, labels = read_medmnist(tmp_path / "retinamnist.npz", split)
        assert images.dtype == torch.uint8 and images.shape == (len(arrays[f"{split}_images"]), 3, 28, 28)
        np.testing.assert_array_equal(images.numpy(), arrays[f"{split}_images"].transpose(0, 3, 1, 2))
        assert labels.dtype == torch.int64
        np.testing.assert_array_equal(labels.numpy(), arrays[f"{split}_labels"])
