// NIfTI-1/2 reading and writing (io/nifti.hpp); both release the GIL while they work.
#include <pybind11/stl/filesystem.h>

#include "common.hpp"
#include "medimg/io/nifti.hpp"

namespace medimg::python {

void bind_io_nifti(py::module_& m) {
  m.def("read_nifti", &read_nifti, py::arg("path"), py::call_guard<py::gil_scoped_release>(),
        "Reads a NIfTI-1/2 file (.nii, .nii.gz, .hdr/.img) as a 3D Image (C, Z, Y, X), LPS.");
  m.def(
      "write_nifti",
      [](const std::filesystem::path& path, const Image& image, int version,
         int compression_level) {
        write_nifti(path, image,
                    NiftiWriteOptions().version(version).compression_level(compression_level));
      },
      py::arg("path"), py::arg("image"), py::kw_only(), py::arg("version") = 0,
      py::arg("compression_level") = 1, py::call_guard<py::gil_scoped_release>(),
      "Writes an Image as .nii or .nii.gz atomically, with sform and qform set.");
}

}  // namespace medimg::python
