// LIDC-IDRI reads; python/medimg/io/_lidc.py re-exports them.
#include <pybind11/stl/filesystem.h>

#include "common.hpp"

#include "medimg/io/lidc.hpp"

namespace medimg::python {

void bind_io_lidc(py::module_& m) {
  py::class_<LidcRoi>(m, "LidcRoi", "One contour on one slice; points are (x, y) pixels.")
      .def_readonly("z", &LidcRoi::z)
      .def_readonly("sop_uid", &LidcRoi::sop_uid)
      .def_readonly("inclusion", &LidcRoi::inclusion)
      .def_readonly("points", &LidcRoi::points);
  py::class_<LidcNodule>(m, "LidcNodule", "One reader's nodule.")
      .def_readonly("id", &LidcNodule::id)
      .def_readonly("characteristics", &LidcNodule::characteristics)
      .def_readonly("rois", &LidcNodule::rois)
      .def_property_readonly("is_small", &LidcNodule::is_small);
  py::class_<LidcNonNodule>(m, "LidcNonNodule", "A finding the reader judged not a nodule.")
      .def_readonly("id", &LidcNonNodule::id)
      .def_readonly("z", &LidcNonNodule::z)
      .def_readonly("sop_uid", &LidcNonNodule::sop_uid)
      .def_readonly("locus", &LidcNonNodule::locus);
  py::class_<LidcReading>(m, "LidcReading", "One radiologist's reading session.")
      .def_readonly("reader_id", &LidcReading::reader_id)
      .def_readonly("nodules", &LidcReading::nodules)
      .def_readonly("non_nodules", &LidcReading::non_nodules);
  py::class_<LidcAnnotations>(m, "LidcAnnotations", "Every reading of one CT series.")
      .def_readonly("series_uid", &LidcAnnotations::series_uid)
      .def_readonly("readings", &LidcAnnotations::readings);
  m.def("read_lidc_xml", &read_lidc_xml, py::arg("path"),
        "Reads a LIDC-IDRI XML file of radiologist reads (docs/io_lidc.md).");
  m.def(
      "lidc_nodule_mask",
      [](const LidcNodule& nodule, const Image& reference) {
        int skipped = 0;
        Image mask = lidc_nodule_mask(nodule, reference, &skipped);
        return py::make_tuple(mask, skipped);
      },
      py::arg("nodule"), py::arg("reference"),
      "(mask, skipped): the nodule on the reference series' grid, and how many of its "
      "contours fell outside the series.");
}

}  // namespace medimg::python
