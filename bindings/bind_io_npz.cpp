// numpy .npz archives and MedMNIST files (io/npz.hpp); every read releases the GIL.
// python/medimg/io/_npz.py turns read_npz's pairs into a dict.
#include <pybind11/stl/filesystem.h>

#include "common.hpp"

#include "medimg/io/npz.hpp"

namespace medimg::python {

void bind_io_npz(py::module_& m) {
  py::class_<NpzFile>(m, "NpzFile",
                      "An .npz archive opened once: its directory is read on construction, "
                      "arrays on demand.")
      .def(py::init<std::filesystem::path>(), py::arg("path"),
           py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("path", [](const NpzFile& f) { return f.path().string(); })
      .def_property_readonly("names", &NpzFile::names,
                             "Array names in archive order, without '.npy'.")
      .def("__contains__", &NpzFile::contains, py::arg("name"))
      .def("read", &NpzFile::read, py::arg("name"), py::call_guard<py::gil_scoped_release>(),
           "Reads one array as a C-contiguous CPU tensor.")
      .def("__repr__", [](const NpzFile& f) {
        return "NpzFile('" + f.path().string() + "', " + std::to_string(f.names().size()) +
               " arrays)";
      });

  py::class_<MedMnistSplit>(m, "MedMnistSplit", "Images and labels of one MedMNIST split.")
      .def_readonly("images", &MedMnistSplit::images,
                    "(N, C, H, W) or (N, 1, D, H, W) tensor in the file's dtype.")
      .def_readonly("labels", &MedMnistSplit::labels, "(N, L) int64 tensor.");

  m.def("list_npz", &list_npz, py::arg("path"), py::call_guard<py::gil_scoped_release>(),
        "Array names of an .npz file in archive order, without '.npy'.");
  m.def("read_npz", &read_npz, py::arg("path"), py::call_guard<py::gil_scoped_release>(),
        "Every array of an .npz file as (name, tensor) pairs in archive order.");
  m.def("read_medmnist", &read_medmnist, py::arg("path"), py::arg("split"),
        py::call_guard<py::gil_scoped_release>(),
        "Images (N, C, H, W) and int64 labels (N, L) of one MedMNIST split.");
}

}  // namespace medimg::python
