// DICOM series (io/dicom_series.hpp): listing and reading release the GIL; a Python progress
// callable is called with the GIL re-acquired (pybind11/functional.h does that).
#include <pybind11/stl/filesystem.h>

#include "common.hpp"
#include "medimg/io/dicom_series.hpp"

namespace medimg::python {
namespace {

template <typename PathOrFiles>
Image read_series(const PathOrFiles& where, const std::string& series_uid, bool recursive,
                  bool keep_stored_values, bool invert_monochrome1, bool include_patient_tags,
                  std::optional<std::int64_t> acquisition_number, bool accept_duplicate_positions,
                  double spacing_tolerance, const ProgressCallback& progress) {
  return read_dicom_series(where, DicomSeriesOptions()
                                      .series_uid(series_uid)
                                      .recursive(recursive)
                                      .file_options(DicomReadOptions()
                                                        .keep_stored_values(keep_stored_values)
                                                        .invert_monochrome1(invert_monochrome1)
                                                        .include_patient_tags(include_patient_tags))
                                      .acquisition_number(acquisition_number)
                                      .accept_duplicate_positions(accept_duplicate_positions)
                                      .spacing_tolerance(spacing_tolerance)
                                      .progress(progress));
}

template <typename PathOrFiles>
void def_read(py::module_& m, const char* doc) {
  m.def("read_dicom_series", &read_series<PathOrFiles>, py::arg("path"), py::kw_only(),
        py::arg("series_uid") = "", py::arg("recursive") = true,
        py::arg("keep_stored_values") = false, py::arg("invert_monochrome1") = true,
        py::arg("include_patient_tags") = false, py::arg("acquisition_number") = py::none(),
        py::arg("accept_duplicate_positions") = false, py::arg("spacing_tolerance") = 0.01,
        py::arg("progress") = py::none(), py::call_guard<py::gil_scoped_release>(), doc);
}

std::vector<std::string> strings(const std::vector<std::filesystem::path>& paths) {
  std::vector<std::string> out;
  out.reserve(paths.size());
  for (const auto& p : paths) out.push_back(p.string());
  return out;
}

}  // namespace

void bind_io_dicom_series(py::module_& m) {
  py::class_<DicomSeriesInfo>(m, "DicomSeriesInfo", "One DICOM series found in a folder.")
      .def_readonly("series_uid", &DicomSeriesInfo::series_uid)
      .def_readonly("modality", &DicomSeriesInfo::modality)
      .def_readonly("description", &DicomSeriesInfo::description)
      .def_readonly("series_number", &DicomSeriesInfo::series_number)
      .def_readonly("rows", &DicomSeriesInfo::rows)
      .def_readonly("columns", &DicomSeriesInfo::columns)
      .def_property_readonly("orientation",
                             [](const DicomSeriesInfo& s) {
                               return py::tuple(py::cast(std::vector<double>(
                                   s.orientation.begin(), s.orientation.end())));
                             })
      .def_property_readonly("files", [](const DicomSeriesInfo& s) { return strings(s.files); })
      .def_property_readonly("file_count", &DicomSeriesInfo::file_count)
      .def("__repr__", [](const DicomSeriesInfo& s) {
        return "DicomSeriesInfo(series_uid='" + s.series_uid + "', modality='" + s.modality +
               "', description='" + s.description + "', file_count=" +
               std::to_string(s.file_count()) + ", rows=" + std::to_string(s.rows) +
               ", columns=" + std::to_string(s.columns) + ")";
      });
  py::class_<DicomSeriesList>(m, "DicomSeriesList",
                              "The series in a folder (a sequence of DicomSeriesInfo) and the "
                              "files skipped as not DICOM.")
      .def_readonly("series", &DicomSeriesList::series)
      .def_property_readonly("skipped_files",
                             [](const DicomSeriesList& l) { return strings(l.skipped_files); })
      .def("__len__", [](const DicomSeriesList& l) { return l.series.size(); })
      .def("__getitem__",
           [](const DicomSeriesList& l, py::ssize_t i) {
             const auto n = static_cast<py::ssize_t>(l.series.size());
             if (i < 0) i += n;
             if (i < 0 || i >= n) throw py::index_error("series index out of range");
             return l.series[static_cast<std::size_t>(i)];
           })
      .def(
          "__iter__",
          [](const DicomSeriesList& l) { return py::make_iterator(l.series.begin(), l.series.end()); },
          py::keep_alive<0, 1>())
      .def("__repr__", [](const DicomSeriesList& l) {
        return "DicomSeriesList(" + std::to_string(l.series.size()) + " series, " +
               std::to_string(l.skipped_files.size()) + " skipped files)";
      });
  m.def("list_dicom_series", &list_dicom_series, py::arg("dir"), py::arg("recursive") = true,
        py::call_guard<py::gil_scoped_release>(),
        "Lists the DICOM series in a folder from their headers (see medimg.io.list_dicom_series).");
  def_read<std::filesystem::path>(m, "Reads a DICOM series from a folder or one of its files.");
  def_read<std::vector<std::filesystem::path>>(m, "Reads a DICOM series from a list of files.");
}

}  // namespace medimg::python
