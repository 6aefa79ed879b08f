"""Siemens mosaics (slices tiled into one frame) against dcm2niix's reference NIfTI."""

import nibabel as nib
import numpy as np
import pytest

import medimg
from dicom_reference import assert_same_volume, shared_data


@pytest.mark.parametrize("syntax", [1, 2, 3, 4, 5, 6, 9])
def test_mosaic_in_every_lossless_syntax_equals_dcm2niix(syntax):
    # 1 explicit LE, 2 implicit LE, 3 explicit BE, 4 RLE, 5 JPEG lossless, 6 JPEG-LS,
    # 9 JPEG 2000 lossless: one reference for all (dcm2niix's output is identical).
    data = shared_data() / "dcm_qa_ts"
    image = medimg.io.read_dicom(data / "In" / f"{syntax}.dcm", keep_stored_values=True)
    assert image.shape == (1, 35, 64, 64) and image.meta["MosaicSlices"] == 35
    assert_same_volume(image, nib.load(data / "Ref" / "1.nii"))


@pytest.mark.parametrize("folder, reference", [("axasc35", "ax_asc_35sl_6"),
                                               ("corasc35", "cor_asc_35sl_16"),
                                               ("sagasc35", "sag_asc_35sl_22")])
def test_axial_coronal_and_sagittal_mosaics_equal_dcm2niix(folder, reference):
    data = shared_data() / "dcm_qa"
    volumes = nib.load(data / "Ref" / f"{reference}.nii")
    files = sorted((data / folder).iterdir())
    assert len(files) == volumes.shape[3] == 2
    for t, path in enumerate(files):
        volume = nib.Nifti1Image(np.asarray(volumes.dataobj)[..., t], volumes.affine)
        assert_same_volume(medimg.io.read_dicom(path, keep_stored_values=True), volume)


@pytest.mark.parametrize("name, reference", [("12bitUnsigned.dcm", 2),
                                             ("12bitUnsigned_0x0F0F.dcm", 3),
                                             ("12bitSigned_0x0F0F.dcm", 4)])
def test_12_bit_mosaics_mask_and_sign_extend(name, reference):
    # 0x0F0F: garbage in the four high bits; the signed file's range is -2048..2047.
    data = shared_data() / "dcm_qa_12bit"
    image = medimg.io.read_dicom(data / "In" / name, keep_stored_values=True)
    assert_same_volume(image, nib.load(data / "Ref" / f"{reference}.nii"))
