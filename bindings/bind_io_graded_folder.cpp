// Folders of graded fundus photographs; python/medimg/io/_graded_folder.py adds the loader.
#include <pybind11/stl/filesystem.h>

#include "common.hpp"

#include "medimg/io/graded_folder.hpp"

namespace medimg::python {

void bind_io_graded_folder(py::module_& m) {
  m.def(
      "_read_graded_folder",
      [](const std::filesystem::path& folder, const std::filesystem::path& csv,
         const std::filesystem::path& image_dir) {
        GradedFolder listing;
        {
          py::gil_scoped_release release;
          listing = read_graded_folder(folder, csv, image_dir);
        }
        py::list pairs;
        for (const GradedImage& g : listing.images) pairs.append(py::make_tuple(g.path.string(), g.grade));
        return py::make_tuple(pairs, listing.csv.string(), listing.id_column, listing.grade_column);
      },
      py::arg("folder"), py::arg("csv"), py::arg("image_dir"));
  m.def("_read_fundus_image", &read_fundus_image, py::arg("path"),
        py::call_guard<py::gil_scoped_release>());
}

}  // namespace medimg::python
