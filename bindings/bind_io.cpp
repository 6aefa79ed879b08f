// File readers and writers; each releases the GIL while it works.
#include <pybind11/stl/filesystem.h>

#include "common.hpp"

#include "medimg/io/dicom.hpp"
#include "medimg/io/raster.hpp"
#include "medimg/io/read.hpp"

namespace medimg::python {

void bind_io(py::module_& m) {
  m.def("read_raster", &read_raster, py::arg("path"), py::call_guard<py::gil_scoped_release>(),
        "Reads a PNG/JPEG/TIFF/BMP file as a 2D Image (C, Y, X).");
  m.def("write_png", &write_png, py::arg("path"), py::arg("image"),
        py::call_guard<py::gil_scoped_release>(),
        "Writes a 2D uint8/bool/integer image with 1, 3 or 4 channels as PNG, atomically.");
  m.def(
      "read_dicom",
      [](const std::filesystem::path& path, bool keep_stored_values, bool invert_monochrome1,
         bool include_patient_tags) {
        return read_dicom(path, DicomReadOptions()
                                    .keep_stored_values(keep_stored_values)
                                    .invert_monochrome1(invert_monochrome1)
                                    .include_patient_tags(include_patient_tags));
      },
      py::arg("path"), py::kw_only(), py::arg("keep_stored_values") = false,
      py::arg("invert_monochrome1") = true, py::arg("include_patient_tags") = false,
      py::call_guard<py::gil_scoped_release>(), "Reads one DICOM file (see medimg.io.read_dicom).");
  m.def("_detect_format", [](const std::filesystem::path& path) {
        return format_name(detect_format(path));
      }, py::arg("path"), py::call_guard<py::gil_scoped_release>());
  m.def("_read_image", &read_image, py::arg("path"), py::call_guard<py::gil_scoped_release>());
}

}  // namespace medimg::python
