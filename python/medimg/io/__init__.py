"""Reading and writing images (medimg.io).

Each format lives in its own module; this package re-exports their public functions.
"""

from ._dicom import *  # noqa: F401,F403
from ._dicom import __all__ as _dicom_all
from ._dicom_series import *  # noqa: F401,F403
from ._dicom_series import __all__ as _dicom_series_all
from ._graded_folder import *  # noqa: F401,F403
from ._graded_folder import __all__ as _graded_folder_all
from ._lidc import *  # noqa: F401,F403
from ._lidc import __all__ as _lidc_all
from ._nifti import *  # noqa: F401,F403
from ._nifti import __all__ as _nifti_all
from ._npz import *  # noqa: F401,F403
from ._npz import __all__ as _npz_all
from ._raster import *  # noqa: F401,F403
from ._raster import __all__ as _raster_all
from ._read import *  # noqa: F401,F403
from ._read import __all__ as _read_all

__all__ = []
__all__ += _dicom_all
__all__ += _dicom_series_all
__all__ += _graded_folder_all
__all__ += _lidc_all
__all__ += _nifti_all
__all__ += _npz_all
__all__ += _raster_all
__all__ += _read_all
