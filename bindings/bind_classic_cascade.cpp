// Haar-feature cascades (classic/integral_image, haar_features, cascade, cascade_train,
// cascade_xml). Heavy calls release the GIL; a Python progress callable is called with the GIL
// re-acquired (pybind11/functional.h). The Pythonic layer is python/medimg/classic/_cascade.py.
#include <ATen/ops/empty.h>
#include <pybind11/stl/filesystem.h>

#include <cctype>

#include "common.hpp"

#include "medimg/classic/cascade.hpp"
#include "medimg/classic/cascade_train.hpp"
#include "medimg/classic/cascade_xml.hpp"
#include "medimg/classic/integral_image.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"

namespace medimg::python {
namespace {

// (N, 4) int32 (x, y, width, height) and (N,) int32 neighbours.
py::tuple detections_tuple(const CascadeDetections& d) {
  const auto n = static_cast<std::int64_t>(d.boxes.size());
  at::Tensor boxes = at::empty({n, 4}, at::TensorOptions().dtype(at::kInt));
  at::Tensor neighbors = at::empty({n}, at::TensorOptions().dtype(at::kInt));
  auto b = boxes.accessor<std::int32_t, 2>();
  auto c = neighbors.accessor<std::int32_t, 1>();
  for (std::int64_t i = 0; i < n; ++i) {
    const PixelRect& r = d.boxes[static_cast<std::size_t>(i)];
    b[i][0] = r.x;
    b[i][1] = r.y;
    b[i][2] = r.width;
    b[i][3] = r.height;
    c[i] = d.neighbors[static_cast<std::size_t>(i)];
  }
  return py::make_tuple(boxes, neighbors);
}

std::vector<PixelRect> rects_from(const at::Tensor& rects) {
  MEDIMG_CHECK(rects.dim() == 2 && rects.size(1) == 4, ShapeError,
               "rects must be (N, 4) (x, y, width, height), got ", rects.sizes());
  MEDIMG_CHECK(!at::isFloatingType(rects.scalar_type()) && rects.scalar_type() != at::kBool,
               ArgumentError, "rects must hold integers, got ", rects.scalar_type());
  const at::Tensor r = rects.to(at::kLong).contiguous();
  const auto v = view<const std::int64_t, 2>(r);
  std::vector<PixelRect> out(static_cast<std::size_t>(v.size(0)));
  for (std::int64_t i = 0; i < v.size(0); ++i) {
    for (int k = 0; k < 4; ++k) {
      MEDIMG_CHECK(v(i, k) > -(std::int64_t{1} << 30) && v(i, k) < (std::int64_t{1} << 30),
                   ArgumentError, "rects value ", v(i, k), " out of range");
    }
    out[static_cast<std::size_t>(i)] = {static_cast<int>(v(i, 0)), static_cast<int>(v(i, 1)),
                                        static_cast<int>(v(i, 2)), static_cast<int>(v(i, 3))};
  }
  return out;
}

std::string lower(const char* s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

py::dict stats_dict(const CascadeStageStats& s) {
  py::dict d;
  d["num_positives"] = s.num_positives;
  d["num_negatives"] = s.num_negatives;
  d["acceptance_ratio"] = s.acceptance_ratio;
  d["num_weak"] = s.num_weak;
  d["hit_rate"] = s.hit_rate;
  d["false_alarm_rate"] = s.false_alarm_rate;
  return d;
}

}  // namespace

void bind_classic_cascade(py::module_& m) {
  using Release = py::call_guard<py::gil_scoped_release>;

  py::class_<HaarFeature>(m, "HaarFeature",
                          "A Haar-like feature: weighted rectangles in window pixels.")
      .def_property_readonly("rects",
                             [](const HaarFeature& f) {
                               py::list rects;
                               for (const HaarRect& r : f.rects) {
                                 rects.append(py::make_tuple(r.x, r.y, r.width, r.height,
                                                             r.weight));
                               }
                               return rects;
                             })
      .def_readonly("tilted", &HaarFeature::tilted)
      .def("__repr__", [](const HaarFeature& f) {
        std::string s = "HaarFeature(rects=[";
        for (std::size_t k = 0; k < f.rects.size(); ++k) {
          const HaarRect& r = f.rects[k];
          s += detail::concat(k ? ", " : "", "(", r.x, ", ", r.y, ", ", r.width, ", ", r.height,
                              ", ", r.weight, ")");
        }
        return s + "], tilted=" + (f.tilted ? "True" : "False") + ")";
      });

  py::class_<Cascade>(m, "Cascade", "A boosted cascade of Haar-feature stages (OpenCV's XML).")
      .def_property_readonly("window_size",
                             [](const Cascade& c) { return py::make_tuple(c.height, c.width); })
      .def_property_readonly("num_stages", [](const Cascade& c) { return c.stages.size(); })
      .def_property_readonly("num_features", [](const Cascade& c) { return c.features.size(); })
      .def_property_readonly("features", [](const Cascade& c) { return c.features; })
      .def_property_readonly("mode",
                             [](const Cascade& c) -> std::optional<std::string> {
                               if (!c.mode) return std::nullopt;
                               return lower(to_string(*c.mode));
                             })
      .def_property_readonly("stage_thresholds",
                             [](const Cascade& c) {
                               std::vector<float> t;
                               for (const auto& s : c.stages) t.push_back(s.threshold);
                               return t;
                             })
      .def_property_readonly("weak_counts",
                             [](const Cascade& c) {
                               std::vector<std::size_t> n;
                               for (const auto& s : c.stages) n.push_back(s.classifiers.size());
                               return n;
                             })
      .def_property_readonly("training_stats",
                             [](const Cascade& c) {
                               py::list out;
                               for (const auto& s : c.training_stats) out.append(stats_dict(s));
                               return out;
                             })
      .def_readonly("training_stop_reason", &Cascade::training_stop_reason)
      .def("save", &save_cascade, py::arg("path"), Release(),
           "Write the cascade as OpenCV cascade XML (cv2.CascadeClassifier reads it).")
      .def("to_xml", &cascade_to_xml, "The OpenCV cascade XML text.")
      .def("__repr__", [](const Cascade& c) {
        return detail::concat("Cascade(window_size=(", c.height, ", ", c.width,
                              "), num_stages=", c.stages.size(), ", num_features=",
                              c.features.size(), ")");
      });

  m.def("_integral_images", [](const at::Tensor& image) {
    IntegralImages r;
    {
      py::gil_scoped_release release;
      r = integral_images(image);
    }
    return py::make_tuple(r.sum, r.squared_sum, r.tilted);
  }, py::arg("image"));
  m.def("_haar_features",
        [](std::int64_t height, std::int64_t width, const std::string& mode) {
          return haar_features(height, width, haar_mode_from_string(mode));
        },
        py::arg("height"), py::arg("width"), py::arg("mode"));
  m.def("_haar_feature_values", &haar_feature_values, py::arg("samples"), py::arg("features"),
        Release());
  m.def("_classify_windows", &classify_windows, py::arg("samples"), py::arg("cascade"),
        Release());
  m.def("_detect",
        [](const at::Tensor& image, const Cascade& cascade, double scale_factor,
           int min_neighbors, PixelSize min_size, PixelSize max_size) {
          CascadeDetections d;
          {
            py::gil_scoped_release release;
            d = detect(image, cascade,
                       CascadeDetectOptions()
                           .scale_factor(scale_factor)
                           .min_neighbors(min_neighbors)
                           .min_size(min_size)
                           .max_size(max_size));
          }
          return detections_tuple(d);
        },
        py::arg("image"), py::arg("cascade"), py::arg("scale_factor"),
        py::arg("min_neighbors"), py::arg("min_size"), py::arg("max_size"));
  m.def("_group_rectangles",
        [](const at::Tensor& rects, int group_threshold, double eps) {
          const std::vector<PixelRect> r = rects_from(rects);
          CascadeDetections d;
          {
            py::gil_scoped_release release;
            d = group_rectangles(r, group_threshold, eps);
          }
          return detections_tuple(d);
        },
        py::arg("rects"), py::arg("group_threshold"), py::arg("eps"));
  m.def("_load_cascade", &load_cascade, py::arg("path"), Release());
  m.def("_cascade_from_xml", &cascade_from_xml, py::arg("xml"), py::arg("source"), Release());
  m.def("_train_cascade",
        [](const at::Tensor& positives, const std::vector<at::Tensor>& negatives,
           int num_stages, std::int64_t num_positives, std::int64_t num_negatives,
           float min_hit_rate, float max_false_alarm_rate, double weight_trim_rate,
           int max_weak_count, const std::string& mode, double acceptance_ratio_break_value,
           double precalc_buffer_mb, const ProgressCallback& progress) {
          const CascadeTrainOptions options = CascadeTrainOptions()
                                                  .num_stages(num_stages)
                                                  .num_positives(num_positives)
                                                  .num_negatives(num_negatives)
                                                  .min_hit_rate(min_hit_rate)
                                                  .max_false_alarm_rate(max_false_alarm_rate)
                                                  .weight_trim_rate(weight_trim_rate)
                                                  .max_weak_count(max_weak_count)
                                                  .mode(haar_mode_from_string(mode))
                                                  .acceptance_ratio_break_value(
                                                      acceptance_ratio_break_value)
                                                  .precalc_buffer_mb(precalc_buffer_mb);
          py::gil_scoped_release release;
          return train_cascade(positives, negatives, options, progress);
        },
        py::arg("positives"), py::arg("negatives"), py::arg("num_stages"),
        py::arg("num_positives"), py::arg("num_negatives"), py::arg("min_hit_rate"),
        py::arg("max_false_alarm_rate"), py::arg("weight_trim_rate"), py::arg("max_weak_count"),
        py::arg("mode"), py::arg("acceptance_ratio_break_value"), py::arg("precalc_buffer_mb"),
        py::arg("progress"));
}

}  // namespace medimg::python
