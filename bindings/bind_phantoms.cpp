// Synthetic data with known truth; python/medimg/phantoms/ adds nothing but the import.
#include "common.hpp"

#include "medimg/core/error.hpp"
#include "medimg/phantoms/ct_phantom.hpp"

namespace medimg::python {

void bind_phantoms(py::module_& m) {
  py::class_<PhantomNodule>(m, "PhantomNodule", "A nodule planted in a CT phantom.")
      .def_readonly("centre", &PhantomNodule::centre, "world LPS mm")
      .def_readonly("index", &PhantomNodule::index, "continuous (z, y, x) index")
      .def_readonly("diameter", &PhantomNodule::diameter, "mm")
      .def_readonly("part_solid", &PhantomNodule::part_solid)
      .def_readonly("lung", &PhantomNodule::lung, "1 right, 2 left")
      .def("__repr__", [](const PhantomNodule& n) {
        return ::medimg::detail::concat("PhantomNodule(centre=(", n.centre.x(), ", ", n.centre.y(),
                                        ", ", n.centre.z(), "), diameter=", n.diameter,
                                        ", part_solid=", n.part_solid, ", lung=", n.lung, ")");
      });
  py::class_<CtPhantom>(m, "CtPhantom", "A synthetic chest CT and its truth.")
      .def_readonly("ct", &CtPhantom::ct)
      .def_readonly("lungs", &CtPhantom::lungs)
      .def_readonly("nodule_labels", &CtPhantom::nodule_labels)
      .def_readonly("nodules", &CtPhantom::nodules);
  m.def(
      "ct_phantom",
      [](std::vector<std::int64_t> shape, std::vector<double> spacing, int nodules,
         std::pair<double, double> nodule_diameter, double part_solid_fraction,
         int vessel_generations, double noise_std, double blur, std::uint64_t seed) {
        CtPhantomOptions o;
        o.shape = std::move(shape);
        o.spacing = std::move(spacing);
        o.nodules = nodules;
        o.nodule_diameter = {nodule_diameter.first, nodule_diameter.second};
        o.part_solid_fraction = part_solid_fraction;
        o.vessel_generations = vessel_generations;
        o.noise_std = noise_std;
        o.blur = blur;
        o.seed = seed;
        return make_ct_phantom(o);
      },
      py::kw_only(), py::arg("shape") = std::vector<std::int64_t>{96, 160, 160},
      py::arg("spacing") = std::vector<double>{2.5, 2.0, 2.0}, py::arg("nodules") = 4,
      py::arg("nodule_diameter") = std::pair<double, double>{4.0, 20.0},
      py::arg("part_solid_fraction") = 0.25, py::arg("vessel_generations") = 5,
      py::arg("noise_std") = 15.0, py::arg("blur") = 0.7, py::arg("seed") = 0,
      py::call_guard<py::gil_scoped_release>(),
      R"doc(A synthetic chest CT with known lungs and nodules (docs/phantoms.md).

shape and spacing are (z, y, x); the anatomy scales with the field of view. Returns a
CtPhantom with ct (float32 HU), lungs (uint8: 1 right, 2 left), nodule_labels (int32,
nodule k = k-th entry of nodules) and nodules (world centre, index, diameter in mm,
part_solid, lung). One seed gives one phantom.)doc");
}

}  // namespace medimg::python
