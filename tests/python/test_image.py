"""medimg.Image: construction, geometry, zero-copy views, metadata."""

import gc
import math

import numpy as np
import pytest
import torch

import medimg


def test_issue_example_affine():
    im = medimg.Image(np.zeros((1, 4, 5, 6), "float32"), spacing=(3, 2, 1))
    expected = [[0, 0, 1, 0], [0, 2, 0, 0], [3, 0, 0, 0], [0, 0, 0, 1]]
    np.testing.assert_array_equal(im.affine, expected)
    assert im.spatial_dims == 3 and im.channels == 1
    assert im.shape == (1, 4, 5, 6) and im.spatial_shape == (4, 5, 6)
    assert im.spacing == (3.0, 2.0, 1.0)


def test_oblique_anisotropic_affine_matches_hand_computation():
    # DICOM row cosine (0.8, 0.6, 0), column cosine (0, 0, -1), normal = row x column.
    row, col = np.array([0.8, 0.6, 0.0]), np.array([0.0, 0.0, -1.0])
    normal = np.cross(row, col)
    direction = np.stack([row, col, normal], axis=1)
    im = medimg.Image(torch.zeros(1, 3, 4, 5), spacing=(4, 1.5, 0.75), origin=(1, 2, 3),
                      direction=direction)
    expected = [[-2.4, 0, 0.6, 1], [3.2, 0, 0.45, 2], [0, -1.5, 0, 3], [0, 0, 0, 1]]
    np.testing.assert_allclose(im.affine, expected, atol=1e-12)
    np.testing.assert_allclose(im.direction, direction)
    np.testing.assert_allclose(im.index_to_world((2, 3, 4)), (-1.4, 10.2, -1.5), atol=1e-12)
    np.testing.assert_allclose(im.world_to_index((-1.4, 10.2, -1.5)), (2, 3, 4), atol=1e-12)
    # The affine agrees with the DICOM formula P = origin + x*dx*row + y*dy*col + z*dz*normal.
    z, y, x = 2, 3, 4
    p = np.array([1, 2, 3]) + x * 0.75 * row + y * 1.5 * col + z * 4 * normal
    np.testing.assert_allclose(im.affine @ [z, y, x, 1], [*p, 1], atol=1e-12)


def test_2d_geometry_embeds_in_3d():
    im = medimg.Image(np.zeros((1, 5, 6), np.uint8), spacing=(2, 0.5), origin=(5, 6))
    assert im.origin == (5.0, 6.0, 0.0)
    np.testing.assert_array_equal(
        im.affine, [[0, 0.5, 0, 5], [2, 0, 0, 6], [0, 0, 1, 0], [0, 0, 0, 1]])
    c, s = math.cos(0.4), math.sin(0.4)
    im.direction = [[c, -s], [s, c]]
    np.testing.assert_allclose(im.direction, [[c, -s, 0], [s, c, 0], [0, 0, 1]])


def test_geometry_from_affine_round_trip():
    c, s = math.cos(0.3), math.sin(0.3)
    g = medimg.Geometry((1.25, 0.7, 0.6), origin=(-3, 4, 9),
                        direction=[[c, 0, s], [0, 1, 0], [-s, 0, c]])
    back = medimg.Geometry.from_affine(g.affine)
    assert back.is_close(g, 1e-12) and back == g
    assert back != medimg.Geometry((1.25, 0.7, 0.61), origin=(-3, 4, 9),
                                   direction=[[c, 0, s], [0, 1, 0], [-s, 0, c]])


def test_numpy_view_and_tensor_share_memory_both_ways():
    source = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4)
    im = medimg.Image(source)
    view, tensor = im.array, im.tensor
    view[0, 1, 2, 3] = -7
    assert tensor[0, 1, 2, 3].item() == -7
    tensor[0, 0, 0, 0] = 42
    assert view[0, 0, 0, 0] == 42
    assert source[0, 0, 0, 0] == 42  # the constructor did not copy either
    assert np.shares_memory(view, source)


def test_views_keep_the_storage_alive():
    im = medimg.Image(torch.arange(6, dtype=torch.int16).reshape(1, 2, 3))
    view = im.array
    del im
    gc.collect()
    np.testing.assert_array_equal(view.ravel(), np.arange(6))


def test_dtypes_torch_lacks_are_widened_and_readonly_arrays_copied():
    u16 = np.array([[[0, 65535]]], dtype=np.uint16)
    im = medimg.Image(u16)
    assert im.dtype == torch.int32 and im.array.max() == 65535
    frozen = np.zeros((1, 2, 2), np.float32)
    frozen.flags.writeable = False
    im = medimg.Image(frozen)  # no torch warning about non-writable arrays
    im.array[0, 0, 0] = 1
    assert frozen[0, 0, 0] == 0
    u32 = medimg.Image(np.array([[[0, 2 ** 32 - 1]]], dtype=np.uint32))
    assert u32.dtype == torch.int64 and u32.array.max() == 2 ** 32 - 1
    nested = medimg.Image([[[1.5, 2.5]]])  # anything numpy.asarray takes
    assert nested.dtype == torch.float64 and nested.shape == (1, 1, 2)
    for bad, name in [(np.array([[[None]]], dtype=object), "object"),
                      (np.array([[["ab"]]]), "str64")]:
        with pytest.raises(medimg.ArgumentError,
                           match=f"expected numeric voxels, got a numpy array of dtype {name}$"):
            medimg.Image(bad)


def test_to_clone_and_copies():
    im = medimg.Image(np.arange(6, dtype=np.float64).reshape(1, 2, 3), spacing=(2, 3),
                      meta={"Modality": "CT"})
    as_int = im.to(np.int16)
    assert as_int.dtype == torch.int16 and as_int.spacing == (2.0, 3.0)
    assert im.to(torch.float32).dtype == torch.float32
    assert im.to("float32").meta["Modality"] == "CT"
    deep = im.clone()
    im.array[0, 0, 0] = 99
    assert deep.array[0, 0, 0] == 0
    respaced = medimg.Image(im, spacing=(1, 1))
    assert respaced.spacing == (1.0, 1.0) and np.shares_memory(respaced.array, im.array)


def test_metadata_is_a_live_mapping_of_scalars_and_lists():
    im = medimg.Image(np.zeros((1, 2, 2), np.float32))
    im.meta["Modality"] = "CT"
    im.meta["Rows"] = 512
    im.meta["RescaleSlope"] = 1.5
    im.meta["WindowCenter"] = [40, 400]
    im.meta["ImageType"] = ["ORIGINAL", "PRIMARY"]
    assert dict(im.meta) == {"Modality": "CT", "Rows": 512, "RescaleSlope": 1.5,
                             "WindowCenter": [40.0, 400.0],
                             "ImageType": ["ORIGINAL", "PRIMARY"]}
    assert isinstance(im.meta["Rows"], int) and isinstance(im.meta["RescaleSlope"], float)
    del im.meta["Rows"]
    assert "Rows" not in im.meta


def test_repr_names_shape_dtype_and_geometry():
    im = medimg.Image(np.zeros((1, 2, 3), np.uint8), spacing=(0.5, 0.25))
    assert repr(im) == ("Image(shape=[1, 2, 3], dtype=Byte, Geometry(spacing=(0.5, 0.25), "
                        "origin=(0, 0, 0), direction=(1, 0, 0, 0, 1, 0, 0, 0, 1)))")
    np.testing.assert_array_equal(np.asarray(im), np.zeros((1, 2, 3)))


@pytest.mark.parametrize("shape", [(4, 5), (1, 1, 2, 3, 4), ()])
def test_wrong_rank_is_a_shape_error(shape):
    with pytest.raises(medimg.ShapeError, match=r"\(C, Y, X\) or \(C, Z, Y, X\)"):
        medimg.Image(np.zeros(shape, np.float32))


@pytest.mark.parametrize("kwargs, message", [
    ({"spacing": (1, 2)}, "spacing must have 3 values"),
    ({"spacing": (1, 0, 2)}, "finite and > 0"),
    ({"spacing": (1, float("nan"), 2)}, "finite and > 0"),
    ({"origin": (1, 2, 3, 4)}, "world point"),
    ({"direction": np.eye(3) * 2}, "unit vector"),
    ({"direction": [[1, 0, 0], [1, 0, 0], [0, 0, 1]]}, "unit vector|non-singular"),
    ({"spacing": "abc"}, "sequence of numbers"),
])
def test_bad_geometry_is_an_argument_error(kwargs, message):
    with pytest.raises(medimg.ArgumentError, match=message):
        medimg.Image(np.zeros((1, 2, 3, 4), np.float32), **kwargs)


def test_empty_and_non_numeric_voxels_are_refused():
    with pytest.raises(medimg.ShapeError, match="empty axis"):
        medimg.Image(np.zeros((1, 0, 3), np.float32))
    with pytest.raises(medimg.ArgumentError, match="numeric"):
        medimg.Image(np.array([[["a"]]]))


def test_pickle_round_trip_keeps_voxels_geometry_and_metadata():
    import pickle

    im = medimg.Image(np.arange(24, dtype=np.int16).reshape(1, 2, 3, 4), spacing=(3, 2, 1),
                      origin=(1, 2, 3), meta={"Modality": "CT", "WindowCenter": [40, 400]})
    back = pickle.loads(pickle.dumps(im))
    np.testing.assert_array_equal(back.array, im.array)
    assert back.geometry == im.geometry and back.dtype == torch.int16
    assert dict(back.meta) == dict(im.meta)


def test_as_image_and_like_return_the_kind_given():
    array = np.zeros((1, 2, 3), np.float32)
    tensor = torch.zeros(1, 2, 3)
    image = medimg.Image(array, spacing=(2, 2))
    for given in (array, tensor, image):
        result = medimg.as_image(given)
        assert isinstance(result, medimg.Image)
        back = medimg.like(given, result)
        assert type(back) is type(given)
    assert np.shares_memory(medimg.like(array, medimg.as_image(array)), array)
    assert medimg.as_image(tensor, spacing=(3, 4)).spacing == (3.0, 4.0)
    with pytest.raises(medimg.ArgumentError, match="contradicts"):
        medimg.as_image(image, spacing=(1, 1))
    with pytest.raises(medimg.ArgumentError, match="expected a medimg.Image"):
        medimg.as_image([1, 2, 3])
