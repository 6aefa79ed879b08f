// The synthetic fundus photographs; python/medimg/phantoms/_fundus.py turns them into tuples.
#include "common.hpp"

#include "medimg/core/error.hpp"
#include "medimg/phantoms/fundus_phantom.hpp"

namespace medimg::python {

void bind_phantoms_fundus(py::module_& m) {
  py::class_<FundusLesion>(m, "FundusLesion", "A lesion planted in a fundus phantom (pixels).")
      .def_property_readonly("kind", [](const FundusLesion& l) { return static_cast<int>(l.kind); },
                             "1 microaneurysm, 2 haemorrhage, 3 hard exudate")
      .def_readonly("x", &FundusLesion::x, "column of the centre")
      .def_readonly("y", &FundusLesion::y, "row of the centre")
      .def_readonly("radius", &FundusLesion::radius)
      .def("__repr__", [](const FundusLesion& l) {
        return ::medimg::detail::concat("FundusLesion(kind=", static_cast<int>(l.kind), ", x=", l.x,
                                        ", y=", l.y, ", radius=", l.radius, ")");
      });
  py::class_<FundusPhantom>(m, "FundusPhantom", "A synthetic fundus photograph and its truth.")
      .def_readonly("image", &FundusPhantom::image)
      .def_readonly("lesions", &FundusPhantom::lesions)
      .def_readonly("lesion_list", &FundusPhantom::lesion_list)
      .def_readonly("grade", &FundusPhantom::grade)
      .def_readonly("fov_centre", &FundusPhantom::fov_centre)
      .def_readonly("fov_radius", &FundusPhantom::fov_radius)
      .def_readonly("disc_centre", &FundusPhantom::disc_centre)
      .def_readonly("disc_radius", &FundusPhantom::disc_radius)
      .def_readonly("new_vessels_centre", &FundusPhantom::new_vessels_centre)
      .def_readonly("new_vessels_radius", &FundusPhantom::new_vessels_radius, "0 below grade 4");
  m.def("_fundus_phantom", &fundus_phantom, py::arg("grade"), py::arg("size"), py::arg("seed"),
        py::call_guard<py::gil_scoped_release>());
  m.def(
      "_fundus_dataset",
      [](std::int64_t n, std::int64_t size, std::uint64_t seed) {
        FundusDataset data;
        {
          py::gil_scoped_release release;
          data = fundus_dataset(n, size, seed);
        }
        return py::make_tuple(data.images, data.grades, data.lesions);
      },
      py::arg("n"), py::arg("size"), py::arg("seed"));
}

}  // namespace medimg::python
