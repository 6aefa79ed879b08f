"""The medimg error hierarchy and its built-in bases."""

import numpy as np
import pytest

import medimg


def test_hierarchy():
    assert issubclass(medimg.IoError, medimg.Error) and issubclass(medimg.IoError, OSError)
    assert issubclass(medimg.FormatError, medimg.IoError)
    assert issubclass(medimg.ArgumentError, ValueError)
    assert issubclass(medimg.ShapeError, ValueError)
    assert issubclass(medimg.Unsupported, medimg.Error)
    assert not issubclass(medimg.Unsupported, ValueError)
    assert medimg.Error.__module__ == "medimg"


def test_missing_file_is_an_oserror_carrying_the_path(tmp_path):
    missing = tmp_path / "missing.png"
    with pytest.raises(OSError) as caught:
        medimg.io.read_raster(missing)
    assert isinstance(caught.value, medimg.IoError)
    assert caught.value.path == str(missing)
    assert str(caught.value) == f"{missing}: no such file"


def test_malformed_file_is_a_format_error(tmp_path):
    bogus = tmp_path / "bogus.png"
    bogus.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    with pytest.raises(medimg.FormatError, match="decode"):
        medimg.io.read_raster(bogus)


def test_shape_and_argument_errors_are_value_errors():
    with pytest.raises(ValueError):
        medimg.Image(np.zeros((3, 3)))
    with pytest.raises(ValueError):
        medimg.set_num_threads(0)
