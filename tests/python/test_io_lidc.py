"""LIDC-IDRI XML reads against Python's own XML parser, masks against skimage.draw.polygon."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from skimage.draw import polygon

import medimg
from dicom_reference import shared_data

LIDC = shared_data() / "lidc_idri_subset"
CASES = {"LIDC-IDRI-0001": "annotations_69.xml", "LIDC-IDRI-0002": "annotations_71.xml",
         "LIDC-IDRI-0003": "annotations_72.xml"}
NS = {"l": "http://www.nih.gov"}

pytestmark = pytest.mark.skipif(not LIDC.is_dir(), reason="../shared/data is not beside the repo")


@pytest.fixture(scope="module")
def series():
    return {case: medimg.io.read_dicom_series(LIDC / case) for case in CASES}


@pytest.mark.parametrize("case", CASES)
def test_reads_equal_elementtree(case):
    path = LIDC / case / CASES[case]
    ours = medimg.io.read_lidc_xml(path)
    root = ET.parse(path).getroot()
    assert ours.series_uid == root.find("l:ResponseHeader/l:SeriesInstanceUid", NS).text
    sessions = root.findall("l:readingSession", NS)
    assert len(ours.readings) == len(sessions) == 4
    for reading, session in zip(ours.readings, sessions):
        assert reading.reader_id == session.find("l:servicingRadiologistID", NS).text
        nodules = session.findall("l:unblindedReadNodule", NS)
        assert [n.id for n in reading.nodules] == [n.find("l:noduleID", NS).text for n in nodules]
        for nodule, element in zip(reading.nodules, nodules):
            malignancy = element.find("l:characteristics/l:malignancy", NS)
            assert nodule.characteristics.get("malignancy") == (
                int(malignancy.text) if malignancy is not None else None)
            rois = element.findall("l:roi", NS)
            assert len(nodule.rois) == len(rois)
            for roi, r in zip(nodule.rois, rois):
                assert roi.z == float(r.find("l:imageZposition", NS).text)
                assert roi.inclusion == (r.find("l:inclusion", NS).text == "TRUE")
                assert roi.points == [[int(e.find("l:xCoord", NS).text),
                                       int(e.find("l:yCoord", NS).text)]
                                      for e in r.findall("l:edgeMap", NS)]
        assert len(reading.non_nodules) == len(session.findall("l:nonNodule", NS))


def reference_mask(nodule, ct):
    """The same drawing rule with skimage: polygon fill of inclusions plus their points."""
    z_world = [ct.geometry.index_to_world(np.array([k, 0.0, 0.0]))[2]
               for k in range(ct.spatial_shape[0])]
    mask = np.zeros(ct.spatial_shape, np.uint8)
    for inclusion in (True, False):
        for roi in nodule.rois:
            if roi.inclusion != inclusion:
                continue
            k = int(np.argmin(np.abs(np.array(z_world) - roi.z)))
            if abs(z_world[k] - roi.z) > ct.spacing[0] / 2:
                continue
            xs, ys = np.array(roi.points).T
            rr, cc = polygon(ys, xs, shape=mask.shape[1:])
            mask[k, rr, cc] = inclusion
            mask[k, ys, xs] = inclusion
    return mask


@pytest.mark.parametrize("case", CASES)
def test_masks_equal_skimage_polygon_fill(case, series):
    ct = series[case]
    for reading in medimg.io.read_lidc_xml(LIDC / case / CASES[case]).readings:
        for nodule in reading.nodules:
            mask, skipped = medimg.io.lidc_nodule_mask(nodule, ct)
            assert mask.geometry == ct.geometry and mask.shape == (1,) + ct.spatial_shape
            np.testing.assert_array_equal(mask.array[0], reference_mask(nodule, ct))
            in_series = sum(abs(r.z - z) <= ct.spacing[0] / 2 for r in nodule.rois
                            if r.inclusion for z in [ct.geometry.index_to_world(
                                np.array([np.clip(round((r.z - ct.origin[2]) / ct.spacing[0]),
                                                  0, ct.spatial_shape[0] - 1), 0.0, 0.0]))[2]])
            assert skipped == sum(r.inclusion for r in nodule.rois) - in_series


def test_the_four_readers_agree_on_the_nodule_of_0001(series):
    ct = series["LIDC-IDRI-0001"]
    reads = medimg.io.read_lidc_xml(LIDC / "LIDC-IDRI-0001" / "annotations_69.xml")
    masks, centres = [], []
    for reading in reads.readings:
        big = [n for n in reading.nodules if not n.is_small]
        assert len(big) == 1  # MANIFEST: one nodule, rated by all four readers
        mask, skipped = medimg.io.lidc_nodule_mask(big[0], ct)
        assert skipped == 0  # entirely inside the 16-slice subset
        masks.append(mask.array[0] > 0)
        centres.append(medimg.io.lidc_nodule_centre(big[0], ct)[0])
        assert -125 <= centres[-1][2] <= -105
    for a in range(4):
        for b in range(a + 1, 4):
            assert medimg.metrics.dice(masks[a], masks[b]) > 0.6
            assert np.linalg.norm(centres[a] - centres[b]) < 3.0


def test_bad_files(tmp_path):
    with pytest.raises(medimg.IoError):
        medimg.io.read_lidc_xml(tmp_path / "missing.xml")
    other = tmp_path / "other.xml"
    other.write_text("<?xml version='1.0'?><cascade><a>1</a></cascade>")
    with pytest.raises(medimg.FormatError, match="LIDC"):
        medimg.io.read_lidc_xml(other)
    broken = tmp_path / "broken.xml"
    broken.write_text("<LidcReadMessage><readingSession></LidcReadMessage>")
    with pytest.raises(medimg.FormatError):
        medimg.io.read_lidc_xml(broken)
    truncated = tmp_path / "truncated.xml"
    text = (LIDC / "LIDC-IDRI-0001" / "annotations_69.xml").read_text()
    truncated.write_text(text[: len(text) // 2])
    with pytest.raises(medimg.FormatError):
        medimg.io.read_lidc_xml(truncated)
    bad_number = tmp_path / "bad_number.xml"
    bad_number.write_text("<LidcReadMessage><readingSession><unblindedReadNodule><roi>"
                          "<imageZposition>x</imageZposition></roi></unblindedReadNodule>"
                          "</readingSession></LidcReadMessage>")
    with pytest.raises(medimg.FormatError, match="imageZposition"):
        medimg.io.read_lidc_xml(bad_number)
