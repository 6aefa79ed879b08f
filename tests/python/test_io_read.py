"""medimg.io.read picks the reader from the content; the CLI's info and convert."""

import shutil
import subprocess
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

import medimg
from dicom_reference import PYDICOM_TEST_FILES, assert_same_volume, shared_data

CLI = Path(medimg.__file__).resolve().parents[2] / "apps" / "medimg"


def test_format_comes_from_content_not_name(tmp_path, data_dir):
    disguised = tmp_path / "scan.png"
    shutil.copy(PYDICOM_TEST_FILES / "CT_small.dcm", disguised)
    assert medimg.io.detect_format(disguised) == "dicom"
    np.testing.assert_array_equal(medimg.io.read(disguised).array,
                                  medimg.io.read_dicom(PYDICOM_TEST_FILES / "CT_small.dcm").array)
    no_preamble = PYDICOM_TEST_FILES / "ExplVR_LitEndNoMeta.dcm"
    assert medimg.io.detect_format(no_preamble) == "dicom"
    assert medimg.io.detect_format(data_dir / "ct_small_slice.png") == "raster"
    assert medimg.io.detect_format(tmp_path) == "dicom-series"
    nifti = tmp_path / "x.data"
    nib.save(nib.Nifti1Image(np.zeros((2, 3, 4), np.int16), np.eye(4)), tmp_path / "x.nii.gz")
    shutil.copy(tmp_path / "x.nii.gz", nifti)
    assert medimg.io.detect_format(nifti) == "nifti"  # gzip looked into
    npz = tmp_path / "a.npz"
    np.savez(npz, a=np.arange(3))
    assert medimg.io.detect_format(npz) == "npz"
    assert medimg.io.read(npz)["a"].tolist() == [0, 1, 2]


def test_read_of_a_dicom_folder_is_the_series():
    folder = shared_data() / "dcm_qa_ct" / "philips_S2010_brain5mm"
    image = medimg.io.read(folder)
    assert image.shape == (1, 28, 512, 512)
    assert image.spacing == pytest.approx((5.0, 0.451172, 0.451172), abs=1e-6)


def test_unknown_and_missing(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert medimg.io.detect_format(text) == "unknown"
    with pytest.raises(medimg.FormatError, match="not an image format"):
        medimg.io.read(text)
    with pytest.raises(OSError, match="no such file"):
        medimg.io.read(tmp_path / "missing")


def test_cli_converts_a_series_to_the_same_volume_as_dcm2niix(tmp_path):
    folder = shared_data() / "dcm_qa_ct" / "philips_S2010_brain5mm"
    out = tmp_path / "ct.nii.gz"
    subprocess.run([str(CLI), "convert", str(folder), str(out)], check=True, capture_output=True)
    reference = shared_data() / "dcm_qa_ct" / "ref_local_dcm2niix" / "philips_S2010_brain5mm.nii.gz"
    assert_same_volume(medimg.io.read(out), reference)


def test_cli_info_prints_format_geometry_and_range():
    out = subprocess.run([str(CLI), "info", str(PYDICOM_TEST_FILES / "CT_small.dcm")],
                         check=True, capture_output=True, text=True).stdout
    assert "(dicom)" in out and "0.661468" in out
    assert "min -896, max 1167" in out
    bad = subprocess.run([str(CLI), "info", "/nonexistent"], capture_output=True, text=True)
    assert bad.returncode == 1 and "no such file" in bad.stderr
