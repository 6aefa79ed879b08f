// Image, Geometry, Metadata, threads and statistics.
#include <sstream>

#include "common.hpp"

#include "medimg/core/error.hpp"
#include "medimg/core/geometry.hpp"
#include "medimg/core/image.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/core/progress.hpp"
#include "medimg/core/statistics.hpp"

namespace medimg::python {
namespace {

template <typename T>
std::string repr(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

Eigen::VectorXd to_vector(const py::handle& values, const char* name) {
  try {
    return py::cast<Eigen::VectorXd>(
        py::module_::import("numpy").attr("asarray")(values, "float64").attr("reshape")(-1));
  } catch (const py::error_already_set&) {
    throw ArgumentError(std::string(name) + " must be a sequence of numbers");
  } catch (const py::cast_error&) {
    throw ArgumentError(std::string(name) + " must be a sequence of numbers");
  }
}

// A world point: 3 values, or 2 (x, y) for an image plane at z = 0.
Eigen::Vector3d to_origin(const py::handle& values) {
  const Eigen::VectorXd v = to_vector(values, "origin");
  MEDIMG_CHECK(v.size() == 2 || v.size() == 3, ArgumentError,
               "origin is a world point (x, y[, z]), got ", v.size(), " values");
  Eigen::Vector3d origin = Eigen::Vector3d::Zero();
  origin.head(v.size()) = v;
  return origin;
}

// A 3x3 direction, or a 2x2 in-plane one embedded with +z as the normal.
Eigen::Matrix3d to_direction(const py::handle& values) {
  const Eigen::VectorXd v = to_vector(values, "direction");
  MEDIMG_CHECK(v.size() == 4 || v.size() == 9, ArgumentError,
               "direction must be 3x3 (or 2x2 for a 2D image), got ", v.size(), " values");
  const int n = v.size() == 9 ? 3 : 2;
  Eigen::Matrix3d direction = Eigen::Matrix3d::Identity();
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) direction(r, c) = v[r * n + c];  // rows as given
  return direction;
}

Geometry make_geometry(int spatial_dims, const py::object& spacing, const py::object& origin,
                       const py::object& direction) {
  Geometry g(spatial_dims);
  if (!spacing.is_none()) {
    const Eigen::VectorXd s = to_vector(spacing, "spacing");
    MEDIMG_CHECK(s.size() == spatial_dims, ArgumentError, "spacing must have ", spatial_dims,
                 " values (array order) for a ", spatial_dims, "D image, got ", s.size());
    g.set_spacing(s);
  }
  if (!origin.is_none()) g.set_origin(to_origin(origin));
  if (!direction.is_none()) g.set_direction(to_direction(direction));
  return g;
}

// Any mapping of str to str, int, float or a list of either.
Metadata metadata_from_dict(const py::handle& mapping) {
  Metadata metadata;
  for (const auto& item : py::dict(py::reinterpret_borrow<py::object>(mapping))) {
    metadata[py::cast<std::string>(item.first)] = py::cast<MetaValue>(item.second);
  }
  return metadata;
}

py::tuple to_tuple(const Eigen::VectorXd& v) {
  py::tuple out(v.size());
  for (Eigen::Index i = 0; i < v.size(); ++i) out[i] = v[i];
  return out;
}

void bind_geometry(py::module_& m) {
  py::class_<Geometry>(m, "Geometry", R"doc(
Spacing (array order, mm), origin (world LPS point of voxel 0, mm) and direction (3x3,
columns = world unit vectors of the image x, y, z axes) of a 2D or 3D image.)doc")
      .def(py::init([](const py::object& spacing, const py::object& origin,
                       const py::object& direction) {
             const auto dims = static_cast<int>(to_vector(spacing, "spacing").size());
             MEDIMG_CHECK(dims == 2 || dims == 3, ArgumentError,
                          "spacing must have 2 or 3 values, got ", dims);
             return make_geometry(dims, spacing, origin, direction);
           }),
           py::arg("spacing"), py::arg("origin") = py::none(), py::arg("direction") = py::none())
      .def_static("from_affine", &Geometry::from_affine, py::arg("affine"),
                  py::arg("spatial_dims") = 3)
      .def_property_readonly("spatial_dims", &Geometry::spatial_dims)
      .def_property_readonly("spacing", [](const Geometry& g) { return to_tuple(g.spacing()); })
      .def_property_readonly("origin", [](const Geometry& g) { return to_tuple(g.origin()); })
      .def_property_readonly("direction", [](const Geometry& g) { return g.direction(); })
      .def_property_readonly("affine", &Geometry::affine)
      .def("index_to_world", [](const Geometry& g, const py::object& index) {
             return to_tuple(g.index_to_world(to_vector(index, "index")));
           }, py::arg("index"))
      .def("world_to_index", [](const Geometry& g, const py::object& point) {
             const Eigen::VectorXd p = to_vector(point, "point");
             MEDIMG_CHECK(p.size() == 3, ArgumentError, "a world point has 3 values, got ",
                          p.size());
             return to_tuple(g.world_to_index(p));
           }, py::arg("point"))
      .def("is_close", &Geometry::is_close, py::arg("other"), py::arg("tolerance") = 1e-6)
      .def("__eq__", [](const Geometry& a, const Geometry& b) { return a == b; })
      .def("__repr__", &repr<Geometry>);
}

void bind_image(py::module_& m) {
  py::bind_map<Metadata>(m, "Metadata", "An Image's metadata: str -> str, int, float or list.");

  py::class_<Image>(m, "Image", R"doc(
Voxels of shape (C, Y, X) or (C, Z, Y, X) with their geometry and metadata.

Image(data, *, spacing=None, origin=None, direction=None, meta=None)

data is a torch.Tensor (shared), a numpy array (shared through torch.from_numpy; uint16
and uint32 are widened to int32/int64 copies, read-only arrays are copied) or an Image.
spacing is in array order (z, y, x) / (y, x) in mm; origin is the world (x, y, z) LPS
position of voxel 0; direction is 3x3 with the image x, y, z axes as columns.)doc")
      .def(py::init([](const py::object& data, const py::object& spacing,
                       const py::object& origin, const py::object& direction,
                       const py::object& meta) {
             if (py::isinstance<Image>(data)) {
               Image source = py::cast<Image>(data);
               Geometry g = source.geometry();
               Geometry update = make_geometry(source.spatial_dims(), spacing, origin, direction);
               if (!spacing.is_none()) g.set_spacing(update.spacing());
               if (!origin.is_none()) g.set_origin(update.origin());
               if (!direction.is_none()) g.set_direction(update.direction());
               source.set_geometry(g);
               if (!meta.is_none()) source.meta() = metadata_from_dict(meta);
               return source;
             }
             at::Tensor tensor = tensor_from_python(data);
             MEDIMG_CHECK(tensor.dim() == 3 || tensor.dim() == 4, ShapeError,
                          "expected voxels of shape (C, Y, X) or (C, Z, Y, X), got ",
                          tensor.sizes(), "; add a channel axis, e.g. array[None]");
             const Metadata metadata = meta.is_none() ? Metadata{} : metadata_from_dict(meta);
             const int dims = static_cast<int>(tensor.dim()) - 1;
             return Image(tensor, make_geometry(dims, spacing, origin, direction), metadata);
           }),
           py::arg("data"), py::kw_only(), py::arg("spacing") = py::none(),
           py::arg("origin") = py::none(), py::arg("direction") = py::none(),
           py::arg("meta") = py::none())
      .def_property_readonly("tensor", &Image::tensor,
                             "The voxels as a torch.Tensor sharing memory with the image.")
      .def_property_readonly("array", [](const Image& image) {
             MEDIMG_CHECK(image.tensor().device().is_cpu(), Unsupported,
                          "a numpy view needs a CPU image, this one is on ",
                          image.tensor().device(), "; use .tensor.cpu()");
             return py::cast(image.tensor().detach()).attr("numpy")();
           }, "The voxels as a numpy array sharing memory with the image (CPU only).")
      .def("__array__", [](const Image& image, const py::object& dtype) {
             py::object array = py::cast(image.tensor().detach().cpu()).attr("numpy")();
             return dtype.is_none() ? array : array.attr("astype")(dtype);
           }, py::arg("dtype") = py::none())
      .def_property("geometry", &Image::geometry, &Image::set_geometry)
      .def_property("spacing", [](const Image& i) { return to_tuple(i.geometry().spacing()); },
           [](Image& i, const py::object& s) {
             i.set_geometry(Geometry(to_vector(s, "spacing"), i.geometry().origin(),
                                     i.geometry().direction()));
           })
      .def_property("origin", [](const Image& i) { return to_tuple(i.geometry().origin()); },
           [](Image& i, const py::object& o) {
             Geometry g = i.geometry();
             g.set_origin(to_origin(o));
             i.set_geometry(g);
           })
      .def_property("direction", [](const Image& i) { return i.geometry().direction(); },
           [](Image& i, const py::object& d) {
             Geometry g = i.geometry();
             g.set_direction(to_direction(d));
             i.set_geometry(g);
           })
      .def_property_readonly("affine", [](const Image& i) { return i.geometry().affine(); })
      .def_property("meta", py::overload_cast<>(&Image::meta),
           [](Image& i, const Metadata& meta) { i.meta() = meta; },
           py::return_value_policy::reference_internal)
      .def_property_readonly("spatial_dims", &Image::spatial_dims)
      .def_property_readonly("channels", &Image::channels)
      .def_property_readonly("spatial_shape", [](const Image& i) {
             return py::tuple(py::cast(i.spatial_shape()));
           })
      .def_property_readonly("shape", [](const Image& i) {
             return py::tuple(py::cast(i.tensor().sizes().vec()));
           })
      .def_property_readonly("dtype", [](const Image& i) { return py::cast(i.tensor()).attr("dtype"); })
      .def("to", [](const Image& image, const py::object& dtype) {
             py::object converted = py::cast(image.tensor()).attr("to")(torch_dtype(dtype));
             return image.with_tensor(py::cast<at::Tensor>(converted));
           }, py::arg("dtype"), "The image with voxels converted to dtype (torch or numpy).")
      .def("clone", &Image::clone, "A deep copy: new voxels, same geometry and metadata.")
      .def("with_tensor", &Image::with_tensor, py::arg("data"),
           "The same geometry and metadata around other voxels of the same rank.")
      .def("index_to_world", [](const Image& i, const py::object& index) {
             return to_tuple(i.geometry().index_to_world(to_vector(index, "index")));
           }, py::arg("index"))
      .def("world_to_index", [](const Image& i, const py::object& point) {
             return to_tuple(i.geometry().world_to_index(to_origin(point)));
           }, py::arg("point"))
      .def("__repr__", &repr<Image>)
      // Pickling (e.g. torch DataLoader workers) carries voxels, geometry and metadata.
      .def(py::pickle(
          [](const Image& i) {
            const Geometry& g = i.geometry();
            py::dict meta;  // a plain dict: the opaque Metadata map itself does not pickle
            for (const auto& [key, value] : i.meta()) meta[py::str(key)] = py::cast(value);
            return py::make_tuple(i.tensor(), g.spacing(), g.origin(), g.direction(), meta);
          },
          [](const py::tuple& state) {
            MEDIMG_CHECK(state.size() == 5, ArgumentError, "not a pickled medimg.Image");
            return Image(py::cast<at::Tensor>(state[0]),
                         Geometry(py::cast<Eigen::VectorXd>(state[1]),
                                  py::cast<Eigen::Vector3d>(state[2]),
                                  py::cast<Eigen::Matrix3d>(state[3])),
                         metadata_from_dict(state[4]));
          }));
}

void bind_threads(py::module_& m) {
  m.def("set_num_threads", &set_num_threads, py::arg("n"),
        "Sets the thread pool shared by medimg and torch.");
  m.def("get_num_threads", &get_num_threads, "The size of the shared thread pool.");
  m.def("default_num_threads", &default_num_threads,
        "MEDIMG_NUM_THREADS when set, else the number of cores: the pool size at import.");
}

void bind_statistics(py::module_& m) {
  py::class_<ChannelStats>(m, "ChannelStats", "Statistics of one channel; NaN voxels ignored.")
      .def_readonly("count", &ChannelStats::count)
      .def_readonly("nan_count", &ChannelStats::nan_count)
      .def_readonly("min", &ChannelStats::min)
      .def_readonly("max", &ChannelStats::max)
      .def_readonly("mean", &ChannelStats::mean)
      .def_readonly("std", &ChannelStats::std)
      .def("__repr__", [](const ChannelStats& s) {
        return detail::concat("ChannelStats(count=", s.count, ", nan_count=", s.nan_count,
                              ", min=", s.min, ", max=", s.max, ", mean=", s.mean,
                              ", std=", s.std, ")");
      });
  m.def("_channel_stats", &channel_stats, py::arg("image"),
        py::call_guard<py::gil_scoped_release>());
}

void bind_progress(py::module_& m) {
  py::class_<Progress>(m, "Progress", "done of total units of stage finished.")
      .def_readonly("stage", &Progress::stage)
      .def_readonly("done", &Progress::done)
      .def_readonly("total", &Progress::total)
      .def_property_readonly("fraction", &Progress::fraction)
      .def("__repr__", [](const Progress& p) {
        return detail::concat("Progress(stage='", p.stage, "', done=", p.done,
                              ", total=", p.total, ")");
      });
}

}  // namespace

void bind_core(py::module_& m) {
  bind_geometry(m);
  bind_image(m);
  bind_threads(m);
  bind_statistics(m);
  bind_progress(m);
}

}  // namespace medimg::python
