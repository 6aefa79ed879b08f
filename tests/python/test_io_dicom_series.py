"""DICOM series against dcm2niix / dicom2nifti reference NIfTI files and pydicom.

The real series come from ../shared/data (beside the repository, see its MANIFEST.md,
sections 2a and 2b, and lidc_idri_subset); the tests fail loudly when it is missing.
"""

import shutil
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest
from pydicom.uid import generate_uid

import medimg
from medimg import io

from dicom_reference import reference_in_medimg_frame

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
if not SHARED.is_dir():
    raise RuntimeError(f"{SHARED} is missing: the DICOM series tests need ../shared/data "
                       "beside the repository (see DESIGN.md, Data)")

D2N = SHARED / "dicom2nifti"
D2N_REF = D2N / "ref_local_dcm2niix"
GENERIC = D2N / "generic" / "anatomical" / "001"          # MR, 4 slices, 256x256
NON_ISOTROPIC = D2N / "generic" / "anatomical" / "002_non_isotropic"  # per-slice rescale
SIEMENS = D2N / "siemens" / "anatomical" / "001"
LIDC = SHARED / "lidc_idri_subset" / "LIDC-IDRI-0001"     # CT, 16 slices, 2.5 mm
PHILIPS_CT = SHARED / "dcm_qa_ct" / "philips_S2010_brain5mm"
J2K_GROUND_TRUTH = D2N / "generic" / "compressed_j2k" / "001_ground_truth.nii.gz"

# (series, reference): dcm2niix v1.0.20220720 outputs (ref_local_dcm2niix) and, for the
# compressed copies of the generic series, dicom2nifti's ground truth.
REFERENCES = [
    (GENERIC, D2N_REF / "generic_anatomical_001.nii.gz"),
    (NON_ISOTROPIC, D2N_REF / "generic_anatomical_002_non_isotropic.nii.gz"),
    (D2N / "philips" / "anatomical" / "001", D2N_REF / "philips_anatomical_001.nii.gz"),
    (D2N / "ge" / "anatomical" / "001", D2N_REF / "ge_anatomical_001.nii.gz"),
    (SIEMENS, D2N_REF / "siemens_anatomical_001.nii.gz"),
    (D2N / "hitachi" / "anatomical" / "001", D2N_REF / "hitachi_anatomical_001.nii.gz"),
    (PHILIPS_CT, SHARED / "dcm_qa_ct" / "ref_local_dcm2niix" / "philips_S2010_brain5mm.nii.gz"),
    (LIDC, SHARED / "lidc_idri_subset" / "ref_local_dcm2niix" / "LIDC-IDRI-0001.nii.gz"),
    (D2N / "generic" / "compressed_j2k" / "001", J2K_GROUND_TRUTH),
    (D2N / "generic" / "compressed_jpeg" / "001", J2K_GROUND_TRUTH),
    (D2N / "generic" / "compressed_jpegls" / "001", J2K_GROUND_TRUTH),
    (D2N / "generic" / "compressed_rle" / "001", J2K_GROUND_TRUTH),
    # A single enhanced multi-frame file, read through read_dicom. dcm2niix applies Philips'
    # private scaling, dicom2nifti (like medimg) the Modality LUT: compare with dicom2nifti.
    (D2N / "philips_enhanced" / "anatomical" / "001",
     D2N / "philips_enhanced" / "anatomical" / "001_ground_truth.nii.gz"),
]

# nibabel's RAS (i, j, k) -> medimg's LPS (k, j, i): A_lps = F @ A_ras @ P.
@pytest.mark.parametrize("series,reference", REFERENCES,
                         ids=[str(s.relative_to(SHARED)) for s, _ in REFERENCES])
def test_series_equals_reference_nifti(series, reference):
    image = io.read_dicom_series(series)
    assert image.tensor.dtype == medimg.Image(np.zeros((1, 1, 1, 1), np.float32)).tensor.dtype
    voxels = image.tensor[0].numpy().astype(np.float64)
    expected, expected_affine = reference_in_medimg_frame(reference, image.affine)
    assert voxels.shape == expected.shape
    # Integer HU / MR values are exact; float references (per-slice rescale, Philips
    # enhanced) were written as float32.
    np.testing.assert_allclose(voxels, expected, rtol=1e-6, atol=2e-4)
    np.testing.assert_allclose(image.affine, expected_affine, atol=1e-3)


def test_siemens_multiframe_file_equals_reference_nifti():
    series = D2N / "siemens_multiframe" / "anatomical" / "001"
    image = io.read_dicom_series(series)
    expected, expected_affine = reference_in_medimg_frame(
        D2N_REF / "siemens_multiframe_anatomical_001.nii.gz", image.affine)
    np.testing.assert_array_equal(image.tensor[0].numpy(), expected)
    np.testing.assert_allclose(image.affine, expected_affine, atol=1e-3)


def pydicom_volume(folder):
    """pydicom's reading: dcmread, sort by IPP projected on the normal, stack, Modality LUT."""
    slices = [pydicom.dcmread(str(p)) for p in sorted(Path(folder).iterdir())
              if p.suffix != ".xml"]
    iop = np.array(slices[0].ImageOrientationPatient, float)
    normal = np.cross(iop[:3], iop[3:])
    slices.sort(key=lambda s: float(np.dot(np.array(s.ImagePositionPatient, float), normal)))
    return np.stack([s.pixel_array.astype(np.float64) * float(getattr(s, "RescaleSlope", 1))
                     + float(getattr(s, "RescaleIntercept", 0)) for s in slices]), slices


@pytest.mark.parametrize("folder", [LIDC, PHILIPS_CT, NON_ISOTROPIC, SIEMENS],
                         ids=["lidc", "philips_ct", "non_isotropic", "siemens"])
def test_series_equals_pydicom_stack(folder):
    expected, slices = pydicom_volume(folder)
    image = io.read_dicom_series(folder)
    # medimg applies the LUT in float32: compare with pydicom's values rounded to float32.
    np.testing.assert_array_equal(image.tensor[0].numpy(), expected.astype(np.float32))
    np.testing.assert_allclose(image.geometry.origin,
                               np.array(slices[0].ImagePositionPatient, float), atol=1e-6)
    assert image.meta["NumberOfSlices"] == len(slices)
    assert image.meta["SOPInstanceUID"] == slices[0].SOPInstanceUID


def test_lidc_geometry_from_positions_not_thickness():
    image = io.read_dicom_series(LIDC)
    assert tuple(image.spatial_shape) == (16, 512, 512)
    np.testing.assert_allclose(image.geometry.spacing, [2.5, 0.703125, 0.703125])
    np.testing.assert_allclose(image.geometry.origin, [-166.0, -171.699997, -132.5], atol=1e-6)
    np.testing.assert_allclose(image.geometry.direction, np.eye(3), atol=1e-9)
    assert image.meta["SliceSpacing"] == pytest.approx(2.5)
    assert image.meta["ImagePositionPatient"][2] == pytest.approx(-132.5)
    assert image.meta["SkippedFiles"] == 1  # annotations_69.xml


def copy_series(source, target, rename=None):
    target.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in Path(source).iterdir() if p.is_file() and p.suffix != ".xml")
    for i, p in enumerate(files):
        shutil.copy(p, target / (rename(i, p) if rename else p.name))
    return sorted(target.iterdir())


def test_sorting_ignores_file_names_and_instance_numbers(tmp_path):
    # Reverse the file names and scramble InstanceNumber: positions alone decide.
    files = copy_series(GENERIC, tmp_path / "s", rename=lambda i, p: f"{9 - i:02d}.dcm")
    for i, path in enumerate(files):
        ds = pydicom.dcmread(str(path))
        ds.InstanceNumber = (i * 7) % 5 + 1
        ds.save_as(str(path))
    expected = io.read_dicom_series(GENERIC)
    got = io.read_dicom_series(tmp_path / "s")
    np.testing.assert_array_equal(got.tensor.numpy(), expected.tensor.numpy())
    np.testing.assert_allclose(got.affine, expected.affine)


def test_a_file_list_a_single_file_and_a_folder_agree():
    folder = io.read_dicom_series(LIDC)
    listed = io.read_dicom_series(list(reversed(sorted(LIDC.glob("*.dcm")))))
    one_file = io.read_dicom_series(LIDC / "z-100.000000.dcm")
    for other in (listed, one_file):
        np.testing.assert_array_equal(other.tensor.numpy(), folder.tensor.numpy())
        np.testing.assert_allclose(other.affine, folder.affine)


def test_keep_stored_values_returns_the_stored_integers():
    image = io.read_dicom_series(LIDC, keep_stored_values=True)
    hu = io.read_dicom_series(LIDC)
    assert image.tensor.dtype != hu.tensor.dtype
    np.testing.assert_array_equal(image.tensor.numpy().astype(np.float32) - 1024,
                                  hu.tensor.numpy())


def test_keep_stored_values_refuses_per_slice_rescale():
    with pytest.raises(medimg.FormatError, match="different RescaleSlope/RescaleIntercept"):
        io.read_dicom_series(NON_ISOTROPIC, keep_stored_values=True)


def test_progress_reports_scan_and_read_stages():
    calls = []
    io.read_dicom_series(LIDC, progress=lambda p: calls.append((p.stage, p.done, p.total)))
    stages = [c[0] for c in calls]
    assert stages.index("scan") < stages.index("read")
    assert ("scan", 17, 17) in calls  # 16 slices and the annotation file
    assert calls[-1] == ("read", 16, 16)
    for stage in ("scan", "read"):
        done = [c[1] for c in calls if c[0] == stage]
        assert done == sorted(done)


def test_raising_from_progress_cancels():
    def cancel(progress):
        if progress.stage == "read" and progress.done > 2:
            raise KeyboardInterrupt("stop")

    with pytest.raises(KeyboardInterrupt, match="stop"):
        io.read_dicom_series(LIDC, progress=cancel)


def test_list_dicom_series_reads_headers():
    listing = io.list_dicom_series(SHARED / "dcm_qa_ct", recursive=True)
    assert len(listing) == 2
    assert all(s.modality == "CT" and s.file_count == 28 for s in listing)
    assert {(s.rows, s.columns) for s in listing} == {(512, 512)}
    philips = [s for s in listing if "philips" in s.files[0]][0]
    assert philips.orientation == pytest.approx((1, 0, 0, 0, 1, 0))
    assert philips.files == sorted(str(p) for p in PHILIPS_CT.iterdir())
    # JSON sidecars, reference NIfTI files and licence texts are counted, not series.
    series_folders = {PHILIPS_CT, SHARED / "dcm_qa_ct" / "ge_tilt_variable_spacing"}
    skipped = [p for p in (SHARED / "dcm_qa_ct").rglob("*")
               if p.is_file() and p.parent not in series_folders]
    assert sorted(listing.skipped_files) == sorted(str(p) for p in skipped)
    assert not io.list_dicom_series(SHARED / "dcm_qa_ct", recursive=False).series


def test_missing_path_is_an_io_error(tmp_path):
    with pytest.raises(medimg.IoError, match="no such file or folder"):
        io.read_dicom_series(tmp_path / "absent")
    with pytest.raises(OSError, match="no such folder"):
        io.list_dicom_series(tmp_path / "absent")


def test_folder_without_dicom_names_the_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "random.bin").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(medimg.FormatError,
                       match=rf"{tmp_path}.*no DICOM image files found \(2 other files"):
        io.read_dicom_series(tmp_path)


def test_non_dicom_files_are_skipped_and_counted(tmp_path):
    copy_series(GENERIC, tmp_path)
    (tmp_path / "README.txt").write_text("series notes")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "garbage.dcm").write_bytes(b"\x08\x00" + bytes(300))
    (tmp_path / ".hidden").write_text("ignored")
    image = io.read_dicom_series(tmp_path)
    assert image.meta["SkippedFiles"] == 2
    assert tuple(image.spatial_shape) == (4, 256, 256)
    listing = io.list_dicom_series(tmp_path)
    assert len(listing) == 1 and listing[0].file_count == 4
    assert sorted(Path(p).name for p in listing.skipped_files) == ["README.txt", "garbage.dcm"]


def test_missing_slice_is_detected(tmp_path):
    files = copy_series(LIDC, tmp_path)
    (tmp_path / "z-115.000000.dcm").unlink()
    assert len(files) == 16
    with pytest.raises(medimg.FormatError,
                       match=r"missing slice: 1 slice\(s\) missing between -117\.500 mm "
                             r"\(z-117\.500000\.dcm\) and -112\.500 mm \(z-112\.500000\.dcm\)"):
        io.read_dicom_series(tmp_path)


def test_uneven_spacing_is_detected(tmp_path):
    files = copy_series(GENERIC, tmp_path)
    datasets = [pydicom.dcmread(str(p)) for p in files]
    iop = np.array(datasets[0].ImageOrientationPatient, float)
    normal = np.cross(iop[:3], iop[3:])
    order = np.argsort([np.dot(np.array(d.ImagePositionPatient, float), normal)
                        for d in datasets])
    moved = datasets[order[1]]
    moved.ImagePositionPatient = list(np.array(moved.ImagePositionPatient, float)
                                      + 0.3 * normal)
    moved.save_as(str(files[order[1]]))
    with pytest.raises(medimg.FormatError, match="uneven slice spacing: the median gap is"):
        io.read_dicom_series(tmp_path)
    # A looser tolerance accepts it.
    image = io.read_dicom_series(tmp_path, spacing_tolerance=0.5)
    assert image.spatial_shape[0] == 4


def make_second_acquisition(source, target):
    """Copies a series twice: AcquisitionNumber 1 and 2, same positions, new SOP UIDs."""
    files = copy_series(source, target)
    for number, suffix in ((1, ""), (2, "_b")):
        for path in files:
            ds = pydicom.dcmread(str(path))
            ds.AcquisitionNumber = number
            ds.SOPInstanceUID = generate_uid() if number == 2 else ds.SOPInstanceUID
            if number == 2:
                ds.PixelData = (ds.pixel_array + 1).astype(ds.pixel_array.dtype).tobytes()
            ds.save_as(str(path.with_name(path.stem + suffix + path.suffix)))


def test_duplicate_positions_are_an_error_naming_positions_and_files(tmp_path):
    make_second_acquisition(GENERIC, tmp_path)
    with pytest.raises(medimg.FormatError,
                       match=r"4 slice position\(s\) occur more than once: .* mm in "
                             r"IM-0001-000\d-0001\.dcm \(acquisition 1\) IM-.*_b\.dcm "
                             r"\(acquisition 2\).*AcquisitionNumbers 1, 2"):
        io.read_dicom_series(tmp_path)


def test_duplicate_positions_without_acquisitions_cannot_be_resolved(tmp_path):
    files = copy_series(GENERIC, tmp_path)
    ds = pydicom.dcmread(str(files[0]))
    ds.SOPInstanceUID = generate_uid()
    ds.save_as(str(tmp_path / "copy.dcm"))
    with pytest.raises(medimg.FormatError, match="1 slice position.*no slice can be chosen"):
        io.read_dicom_series(tmp_path, accept_duplicate_positions=True)


def test_one_acquisition_is_taken_when_asked(tmp_path):
    make_second_acquisition(GENERIC, tmp_path)
    expected = io.read_dicom_series(GENERIC)
    first = io.read_dicom_series(tmp_path, accept_duplicate_positions=True)
    np.testing.assert_array_equal(first.tensor.numpy(), expected.tensor.numpy())
    assert first.meta["DroppedSlices"] == 4
    second = io.read_dicom_series(tmp_path, acquisition_number=2)
    np.testing.assert_array_equal(second.tensor.numpy(), expected.tensor.numpy() + 1)
    with pytest.raises(medimg.FormatError, match=r"no slice has AcquisitionNumber 7 \(present: 1, 2\)"):
        io.read_dicom_series(tmp_path, acquisition_number=7)


def test_several_series_need_series_uid(tmp_path):
    copy_series(GENERIC, tmp_path / "a")
    copy_series(SIEMENS, tmp_path / "b")
    uids = sorted(s.series_uid for s in io.list_dicom_series(tmp_path))
    assert len(uids) == 2
    with pytest.raises(medimg.FormatError,
                       match=rf"holds 2 DICOM series; choose one with series_uid: "
                             rf"({uids[0]}|{uids[1]}) \(MR, \".*\", 4 files\); "
                             rf"({uids[0]}|{uids[1]}) \(MR"):
        io.read_dicom_series(tmp_path)
    chosen = io.read_dicom_series(tmp_path, series_uid=io.list_dicom_series(tmp_path / "b")[0].series_uid)
    np.testing.assert_array_equal(chosen.tensor.numpy(), io.read_dicom_series(SIEMENS).tensor.numpy())
    with pytest.raises(medimg.FormatError, match="no series 1.2.3; found"):
        io.read_dicom_series(tmp_path, series_uid="1.2.3")


def test_mixed_sizes_are_an_error(tmp_path):
    files = copy_series(GENERIC, tmp_path)
    ds = pydicom.dcmread(str(files[2]))
    ds.PixelData = np.ascontiguousarray(ds.pixel_array[:128, :200]).tobytes()
    ds.Rows, ds.Columns = 128, 200
    ds.save_as(str(files[2]))
    with pytest.raises(medimg.FormatError,
                       match=r"mixed image sizes \(rows x columns\) in one series: "
                             r"128x200 in 1 files \(e.g. IM-0001-0003-0001.dcm\); 256x256 in 3"):
        io.read_dicom_series(tmp_path)


def test_mixed_orientation_is_an_error(tmp_path):
    files = copy_series(GENERIC, tmp_path)
    ds = pydicom.dcmread(str(files[3]))
    ds.ImageOrientationPatient = [1, 0, 0, 0, 0, -1]
    ds.save_as(str(files[3]))
    with pytest.raises(medimg.FormatError,
                       match=r"mixed slice orientations.* but 1\.00000\\0\.00000\\0\.00000\\"
                             r"0\.00000\\0\.00000\\-1\.00000 in IM-0001-0004-0001.dcm"):
        io.read_dicom_series(tmp_path)


@pytest.mark.parametrize("folder,angle", [(D2N / "failing" / "gantrytilting" / "001", "14.00"),
                                          (SHARED / "dcm_qa_ct" / "ge_tilt_variable_spacing",
                                           "18.50")], ids=["dicom2nifti", "dcm_qa_ct_ge"])
def test_gantry_tilt_is_an_error(folder, angle):
    with pytest.raises(medimg.FormatError,
                       match=rf"gantry tilt: slice positions run at {angle} degrees to the "
                             r"slice normal \(.* mm sideways"):
        io.read_dicom_series(folder)


QA_TS = SHARED / "dcm_qa_ts"
QA_12BIT = SHARED / "dcm_qa_12bit"
MOSAICS = ([(QA_TS / "In" / f"{n}.dcm", QA_TS / "Ref" / "1.nii") for n in range(1, 10)]
           + [(QA_12BIT / "In" / name, QA_12BIT / "Ref" / ref) for name, ref in
              [("12bitUnsigned.dcm", "2.nii"), ("12bitUnsigned_0x0F0F.dcm", "3.nii"),
               ("12bitSigned_0x0F0F.dcm", "4.nii")]])


@pytest.mark.parametrize("mosaic,reference", MOSAICS,
                         ids=[str(m.relative_to(SHARED)) for m, _ in MOSAICS])
def test_siemens_mosaic_equals_dcm2niix(mosaic, reference):
    # dcm_qa_ts: one EPI volume in 9 transfer syntaxes, all equal to dcm2niix's Ref/1.nii.
    # dcm_qa_12bit: 12-bit stored values with garbage high bits, signed and unsigned.
    image = io.read_dicom_series([mosaic])
    assert image.meta["NumberOfSlices"] == 35
    expected, expected_affine = reference_in_medimg_frame(reference, image.affine)
    np.testing.assert_array_equal(image.tensor[0].numpy(), expected)
    np.testing.assert_allclose(image.affine, expected_affine, atol=1e-3)


@pytest.mark.parametrize("plane,reference,right_handed",
                         [("axasc35", "ax_asc_35sl_6.nii", False),
                          ("corasc35", "cor_asc_35sl_16.nii", False),
                          ("sagasc35", "sag_asc_35sl_22.nii", True)])
def test_mosaic_orientations_and_volumes_equal_dcm2niix(plane, reference, right_handed, tmp_path):
    # Two volumes (AcquisitionNumber 1 and 2) per plane; dcm2niix stores them as t = 0, 1.
    folder = SHARED / "dcm_qa" / plane
    ref = nib.load(str(SHARED / "dcm_qa" / "Ref" / reference))
    assert ref.shape[3] == 2
    for t in range(2):
        image = io.read_dicom_series(folder, acquisition_number=t + 1)
        # The CSA SliceNormalVector decides the slice direction, even against row x column.
        assert (np.linalg.det(image.affine[:3, :3]) > 0) == right_handed
        volume = nib.Nifti1Image(np.asarray(ref.dataobj)[..., t], ref.affine, ref.header)
        path = tmp_path / f"volume{t}.nii"
        nib.save(volume, str(path))
        expected, expected_affine = reference_in_medimg_frame(path, image.affine)
        np.testing.assert_array_equal(image.tensor[0].numpy(), expected)
        np.testing.assert_allclose(image.affine, expected_affine, atol=1e-3)


def test_several_mosaics_in_one_series_are_unsupported():
    with pytest.raises(medimg.Unsupported,
                       match=r"several Siemens mosaic files \(2 volumes\).*acquisition_number"):
        io.read_dicom_series(SHARED / "dcm_qa" / "axasc35")


def test_empty_file_list_is_an_argument_error():
    with pytest.raises(medimg.ArgumentError, match="the list of files is empty"):
        io.read_dicom_series([])


def test_a_non_dicom_file_in_a_list_is_named(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(medimg.FormatError, match=r"notes\.txt.*not a DICOM image file"):
        io.read_dicom_series([GENERIC / "IM-0001-0001-0001.dcm", tmp_path / "notes.txt"])
