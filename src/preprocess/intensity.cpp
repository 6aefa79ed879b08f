#include "medimg/preprocess/intensity.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <variant>

#include "detail/avx2.hpp"
#include "detail/channels.hpp"
#include "medimg/core/large_allocation.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/preprocess/detail/window_kernel.hpp"

namespace medimg {
namespace {

struct Preset {
  const char* name;
  double center, width;
};

// Common CT windows in HU (radiology teaching values; centre, width).
constexpr Preset kPresets[] = {
    {"lung", -600, 1500}, {"mediastinum", 40, 400}, {"bone", 400, 1800},
    {"brain", 40, 80},    {"abdomen", 50, 400},     {"liver", 60, 160},
};

void check_window(double center, double width, const WindowOptions& o) {
  MEDIMG_CHECK(std::isfinite(center), ArgumentError, "window center must be finite, got ", center);
  MEDIMG_CHECK(std::isfinite(width) && width > 0, ArgumentError,
               "window width must be finite and > 0, got ", width);
  MEDIMG_CHECK(o.mode() != WindowMode::Linear || width >= 1, ArgumentError,
               "window width must be >= 1 for DICOM's LINEAR function, got ", width,
               " (LINEAR_EXACT, mode \"linear-exact\" in Python, takes narrower windows)");
  MEDIMG_CHECK(std::isfinite(o.output_min()) && std::isfinite(o.output_max()), ArgumentError,
               "the output range must be finite, got (", o.output_min(), ", ", o.output_max(), ")");
}

// The mode's straight line, its parameters rounded once to the arithmetic type F.
template <typename F>
detail::WindowLine<F> window_line(double c, double w, const WindowOptions& o) {
  detail::WindowLine<F> line{};
  line.out_min = static_cast<F>(o.output_min());
  line.out_span = static_cast<F>(o.output_max() - o.output_min());
  switch (o.mode()) {
    case WindowMode::LinearClip:
      line.origin = static_cast<F>(c - w / 2);
      line.divisor = static_cast<F>(w);
      line.bias = F(0);
      break;
    case WindowMode::Linear:
      line.origin = static_cast<F>(c - 0.5);
      line.divisor = static_cast<F>(w - 1);
      line.bias = F(0.5);
      line.step = w == 1;
      break;
    case WindowMode::LinearExact:
      line.origin = static_cast<F>(c);
      line.divisor = static_cast<F>(w);
      line.bias = F(0.5);
      break;
  }
  return line;
}

// The same loop compiled for AVX2 (8 lanes instead of SSE2's 4), chosen at run time.
template <typename T, typename F>
MEDIMG_AVX2_CLONE void window_values_avx2(const T* in, float* out, std::int64_t n,
                                          const detail::WindowLine<F>& line) {
  detail::window_values(in, out, n, line);
}

template <typename T, typename F>
void window_chunk(const T* in, float* out, std::int64_t n, const detail::WindowLine<F>& line) {
  if (detail::cpu_has_avx2()) return window_values_avx2(in, out, n, line);
  detail::window_values(in, out, n, line);
}

void window_into(float* out, const at::Tensor& x, double center, double width,
                 const WindowOptions& o) {
  const std::int64_t n = x.numel();
  detail::dispatch_data(x, [&](const auto* in) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(in)>>;
    using F = std::conditional_t<std::is_same_v<T, double>, double, float>;
    const auto line = window_line<F>(center, width, o);
    parallel_for(0, n, detail::kParallelGrain, [&](std::int64_t first, std::int64_t last) {
      window_chunk(in + first, out + first, last - first, line);
    });
  });
}

at::Tensor checked_input(const at::Tensor& x) {
  MEDIMG_CHECK(x.defined(), ArgumentError, "window needs a defined tensor");
  MEDIMG_CHECK(x.device().is_cpu(), Unsupported, "window runs on the CPU, got a tensor on ",
               x.device(), "; call .cpu() first");
  MEDIMG_CHECK(x.numel() > 0, ShapeError, "window needs a non-empty tensor, got shape ", x.sizes());
  return x.contiguous();
}

// The first number of a DICOM attribute stored by io/dicom (a list of reals), or of a plain
// number put there by hand.
double first_number(const Metadata& meta, const char* key) {
  const auto it = meta.find(key);
  MEDIMG_CHECK(it != meta.end(), ArgumentError, "the image has no ", key,
               " in its metadata; give center and width to window() instead");
  if (const auto* list = std::get_if<std::vector<double>>(&it->second)) {
    MEDIMG_CHECK(!list->empty(), ArgumentError, "the image's ", key, " is empty");
    return list->front();
  }
  if (const auto* real = std::get_if<double>(&it->second)) return *real;
  if (const auto* integer = std::get_if<std::int64_t>(&it->second)) {
    return static_cast<double>(*integer);
  }
  throw ArgumentError(detail::concat("the image's ", key, " is not numeric"));
}

}  // namespace

at::Tensor window(const at::Tensor& x, double center, double width, const WindowOptions& o) {
  check_window(center, width, o);
  const at::Tensor input = checked_input(x);
  // A large result reuses the memory of the previous one, once freed, instead of faulting
  // in new pages (which cost many times the windowing itself; core/large_allocation.hpp).
  at::Tensor out = empty_large(input.sizes(), at::kFloat);
  window_into(out.data_ptr<float>(), input, center, width, o);
  return out;
}

void window_out(at::Tensor& out, const at::Tensor& x, double center, double width,
                const WindowOptions& o) {
  check_window(center, width, o);
  const at::Tensor input = checked_input(x);
  MEDIMG_CHECK(out.defined() && out.scalar_type() == at::kFloat, ArgumentError,
               "window's out must be a float32 tensor, got ",
               out.defined() ? c10::toString(out.scalar_type()) : "an undefined tensor");
  MEDIMG_CHECK(out.device().is_cpu(), Unsupported, "window's out must be on the CPU, got ",
               out.device());
  MEDIMG_CHECK(out.sizes() == input.sizes(), ShapeError, "window's out has shape ", out.sizes(),
               ", the input ", input.sizes());
  MEDIMG_CHECK(out.is_contiguous(), ArgumentError, "window's out must be contiguous");
  window_into(out.data_ptr<float>(), input, center, width, o);
}

Image window(const Image& image, double center, double width, const WindowOptions& o) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "window needs a defined image");
  return image.with_tensor(window(image.tensor(), center, width, o));
}

std::pair<double, double> window_preset(const std::string& name) {
  for (const Preset& p : kPresets) {
    if (name == p.name) return {p.center, p.width};
  }
  std::string known;
  for (const Preset& p : kPresets) known += (known.empty() ? "" : ", ") + std::string(p.name);
  throw ArgumentError("unknown window preset '" + name + "'; known presets: " + known);
}

std::vector<std::string> window_preset_names() {
  std::vector<std::string> names;
  for (const Preset& p : kPresets) names.emplace_back(p.name);
  return names;
}

Image window_from_metadata(const Image& image, const WindowOptions& o) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "window_from_metadata needs a defined image");
  const double center = first_number(image.meta(), "WindowCenter");
  const double width = first_number(image.meta(), "WindowWidth");
  return window(image, center, width, o);
}

}  // namespace medimg
