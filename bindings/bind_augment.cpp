// Random transforms: the C++ classes themselves, so a pipeline built in Python runs the same
// code as one built in C++. python/medimg/augment/ adds the numpy/torch/Image calling layer.
#include <optional>
#include <utility>

#include "common.hpp"

#include "medimg/augment/batched.hpp"
#include "medimg/augment/intensity.hpp"
#include "medimg/augment/crop.hpp"
#include "medimg/augment/spatial.hpp"
#include "medimg/core/error.hpp"
#include "medimg/preprocess/sampling_names.hpp"

namespace medimg::python {
namespace {

using Pair = std::pair<double, double>;
Range range(const Pair& p) { return {p.first, p.second}; }

/// (image, label or None) after running `body` on a Sample built from them, GIL released.
template <typename Body>
py::tuple on_sample(const Image& image, const std::optional<Image>& label, Body&& body) {
  Sample sample{image, label ? *label : Image()};
  {
    py::gil_scoped_release release;
    body(sample);
  }
  return py::make_tuple(sample.image, label ? py::cast(sample.label) : py::none());
}

/// Binds `sample` and `_apply` of a RandomTransform subclass.
template <typename T>
py::class_<T, Transform, std::shared_ptr<T>> bind_transform(py::module_& m, const char* name,
                                                           const char* doc) {
  py::class_<T, Transform, std::shared_ptr<T>> cls(m, name, doc);
  cls.def(
         "sample",
         [](const T& t, Random& random, const std::vector<std::int64_t>& spatial_shape) {
           return t.sample(random, spatial_shape);
         },
         py::arg("random"), py::arg("spatial_shape"),
         "Draws this transform's parameters for an image of this spatial shape.")
      .def(
          "_apply",
          [](const T& t, const Image& image, const typename T::Params& params,
             const std::optional<Image>& label) {
            return on_sample(image, label, [&](Sample& s) { t.apply(s, params); });
          },
          py::arg("image"), py::arg("params"), py::arg("label"));
  return cls;
}

SampleOptions sampling(const std::string& interpolation, const std::string& border, double fill) {
  SampleOptions options;
  options.interpolation = parse_interpolation(interpolation);
  options.border = parse_border_mode(border);
  options.fill_value = fill;
  return options;
}

// A seed from any Python integer: pybind11's own conversion to uint64 raises TypeError for
// one outside [0, 2^64), which callers could not tell from a wrong argument.
std::uint64_t to_seed(const py::object& seed) {
  const py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(seed.ptr()));
  if (index) {
    const unsigned long long value = PyLong_AsUnsignedLongLong(index.ptr());
    if (!PyErr_Occurred()) return value;
  }
  PyErr_Clear();
  throw ArgumentError(detail::concat("Random: seed must be an integer in [0, 2^64), got ",
                                     std::string(py::repr(seed))));
}

}  // namespace

void bind_augment(py::module_& m) {
  py::class_<Random>(m, "Random", "Seeded random source of the augmentations (mt19937_64).")
      .def(py::init([](const py::object& seed) { return Random(to_seed(seed)); }),
           py::arg("seed") = 0)
      .def("seed", [](Random& r, const py::object& seed) { r.seed(to_seed(seed)); },
           py::arg("seed"))
      .def("uniform", &Random::uniform, py::arg("low"), py::arg("high"))
      .def("normal", &Random::normal, py::arg("mean") = 0.0, py::arg("std") = 1.0)
      .def("integer", &Random::integer, py::arg("low"), py::arg("high"))
      .def("spawn", &Random::spawn);

  py::class_<Transform, std::shared_ptr<Transform>>(m, "Transform",
                                                    "Base of every random transform.")
      .def_property_readonly("name", &Transform::name)
      .def(
          "_run",
          [](const Transform& t, const Image& image, const std::optional<Image>& label,
             Random& random) {
            return on_sample(image, label, [&](Sample& s) { t(s, random); });
          },
          py::arg("image"), py::arg("label"), py::arg("random"));

  py::class_<Compose, Transform, std::shared_ptr<Compose>>(m, "_Compose")
      .def(py::init<>())
      .def("add", &Compose::add, py::arg("transform"), py::arg("probability") = 1.0)
      .def("__len__", &Compose::size);

  bind_transform<RandGamma>(m, "RandGamma", "Random gamma on each channel's range.")
      .def(py::init([](Pair gamma) { return RandGamma({range(gamma)}); }),
           py::arg("gamma") = Pair{0.7, 1.5});

  py::class_<NoiseParams>(m, "NoiseParams")
      .def(py::init<>())
      .def_readwrite("std", &NoiseParams::std)
      .def_readwrite("seed", &NoiseParams::seed);
  bind_transform<RandGaussianNoise>(m, "RandGaussianNoise", "Additive Gaussian noise.")
      .def(py::init([](double mean, Pair std) { return RandGaussianNoise({mean, range(std)}); }),
           py::arg("mean") = 0.0, py::arg("std") = Pair{0.0, 0.1});

  bind_transform<RandGaussianSmooth>(m, "RandGaussianSmooth", "Gaussian blur, sigma per axis.")
      .def(py::init([](Pair sigma) { return RandGaussianSmooth({range(sigma)}); }),
           py::arg("sigma") = Pair{0.5, 1.0});

  bind_transform<RandContrast>(m, "RandContrast", "Contrast about each channel's mean.")
      .def(py::init([](Pair factor, bool preserve_range) {
             return RandContrast({range(factor), preserve_range});
           }),
           py::arg("factor") = Pair{0.75, 1.25}, py::arg("preserve_range") = true);

  py::class_<BrightnessParams>(m, "BrightnessParams")
      .def(py::init<>())
      .def_readwrite("multiplier", &BrightnessParams::multiplier)
      .def_readwrite("offset", &BrightnessParams::offset);
  bind_transform<RandBrightness>(m, "RandBrightness", "x * multiplier + offset.")
      .def(py::init([](Pair multiplier, Pair offset) {
             return RandBrightness({range(multiplier), range(offset)});
           }),
           py::arg("multiplier") = Pair{0.75, 1.25}, py::arg("offset") = Pair{0.0, 0.0});

  bind_transform<RandBiasField>(m, "RandBiasField", "Smooth multiplicative bias field.")
      .def(py::init([](int degree, Pair coefficients) {
             return RandBiasField({degree, range(coefficients)});
           }),
           py::arg("degree") = 3, py::arg("coefficients") = Pair{0.0, 0.1});
  m.def("bias_field_terms", &bias_field_terms, py::arg("spatial_dims"), py::arg("degree"));

  py::class_<AffineParams>(m, "AffineParams")
      .def(py::init<>())
      .def_readwrite("angles", &AffineParams::angles)
      .def_readwrite("scales", &AffineParams::scales)
      .def_readwrite("shears", &AffineParams::shears)
      .def_readwrite("translation", &AffineParams::translation);
  m.def("affine_matrix", &affine_matrix, py::arg("params"), py::arg("spatial_shape"),
        py::arg("spacing"));
  bind_transform<RandAffine>(m, "RandAffine", "Random rotation, scale, shear and translation.")
      .def(py::init([](Pair rotation, Pair scale, bool isotropic_scale, Pair translation,
                       Pair shear, const std::string& interpolation, const std::string& border,
                       double fill_value) {
             RandAffineOptions o;
             o.rotation = range(rotation);
             o.scale = range(scale);
             o.isotropic_scale = isotropic_scale;
             o.translation = range(translation);
             o.shear = range(shear);
             const SampleOptions s = sampling(interpolation, border, fill_value);
             o.interpolation = s.interpolation;
             o.border = s.border;
             o.fill_value = s.fill_value;
             return RandAffine(o);
           }),
           py::arg("rotation") = Pair{0.0, 0.0}, py::arg("scale") = Pair{1.0, 1.0},
           py::arg("isotropic_scale") = true, py::arg("translation") = Pair{0.0, 0.0},
           py::arg("shear") = Pair{0.0, 0.0}, py::arg("interpolation") = "linear",
           py::arg("border") = "constant", py::arg("fill_value") = 0.0);

  bind_transform<RandFlip>(m, "RandFlip", "Flips each allowed axis with its own coin.")
      .def(py::init([](std::vector<int> axes, double probability) {
             return RandFlip({std::move(axes), probability});
           }),
           py::arg("axes") = std::vector<int>{}, py::arg("probability") = 0.5);

  bind_transform<RandRot90>(m, "RandRot90", "k quarter turns in a plane.")
      .def(py::init([](std::vector<int> plane, int max_k) {
             return RandRot90({std::move(plane), max_k});
           }),
           py::arg("plane") = std::vector<int>{-2, -1}, py::arg("max_k") = 3);

  py::class_<ElasticParams>(m, "ElasticParams")
      .def(py::init<>())
      .def_readwrite("sigma", &ElasticParams::sigma)
      .def_readwrite("magnitude", &ElasticParams::magnitude)
      .def_readwrite("seed", &ElasticParams::seed);
  bind_transform<RandElastic>(m, "RandElastic", "Elastic deformation (Simard et al.).")
      .def(py::init([](Pair sigma, Pair magnitude, const std::string& interpolation,
                       const std::string& border, double fill_value) {
             RandElasticOptions o;
             o.sigma = range(sigma);
             o.magnitude = range(magnitude);
             const SampleOptions s = sampling(interpolation, border, fill_value);
             o.interpolation = s.interpolation;
             o.border = s.border;
             o.fill_value = s.fill_value;
             return RandElastic(o);
           }),
           py::arg("sigma") = Pair{9.0, 13.0}, py::arg("magnitude") = Pair{0.0, 200.0},
           py::arg("interpolation") = "linear", py::arg("border") = "constant",
           py::arg("fill_value") = 0.0)
      .def("displacement", &RandElastic::displacement, py::arg("params"),
           py::arg("spatial_shape"));

  py::class_<RandCropByLabel, Transform, std::shared_ptr<RandCropByLabel>>(
      m, "RandCropByLabel", "Patches centred on the foreground with probability p.")
      .def(py::init([](std::vector<std::int64_t> size, double foreground_probability,
                       double fill_value) {
             return RandCropByLabel({std::move(size), foreground_probability, fill_value});
           }),
           py::arg("size"), py::arg("foreground_probability") = 0.5,
           py::arg("fill_value") = 0.0)
      .def(
          "sample",
          [](const RandCropByLabel& t, Random& random, const Image& image,
             const std::optional<Image>& label) {
            return t.sample(random, Sample{image, label ? *label : Image()});
          },
          py::arg("random"), py::arg("image"), py::arg("label") = py::none(),
          "The patch's start index (array order) for this image and label.")
      .def(
          "_apply",
          [](const RandCropByLabel& t, const Image& image, const RandCropByLabel::Params& start,
             const std::optional<Image>& label) {
            return on_sample(image, label, [&](Sample& s) { t.apply(s, start); });
          },
          py::arg("image"), py::arg("params"), py::arg("label"));

  m.def(
      "affine_batch",
      [](const at::Tensor& batch, const at::Tensor& matrices, const std::string& interpolation,
         const std::string& border) {
        return affine_batch(batch, matrices, parse_interpolation(interpolation),
                            parse_border_mode(border));
      },
      py::arg("batch"), py::arg("matrices"), py::arg("interpolation") = "linear",
      py::arg("border") = "constant", py::call_guard<py::gil_scoped_release>());
}

}  // namespace medimg::python
