// Multi-scale detection: CascadeClassifierImpl::detectMultiScaleNoGrouping of OpenCV 4 (CPU
// path), then groupRectangles and clipObjects.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <vector>

#include <opencv2/core/mat.hpp>
#include <opencv2/imgproc.hpp>

#include "detail/haar_eval.hpp"
#include "detail/integral_kernel.hpp"
#include "medimg/classic/cascade.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {
namespace {

constexpr std::size_t kMaxScales = 1000;

// cvRound of a float: round half to even.
int round_float(float v) { return static_cast<int>(std::lrint(v)); }

bool uses_tilted(const Cascade& cascade) {
  for (const HaarFeature& f : cascade.features) {
    if (f.tilted) return true;
  }
  return false;
}

// The scales OpenCV searches: factor = 1, f, f^2, ... while the window fits the image and
// max_size; those below min_size are skipped. Sizes are (width, height) here, as in OpenCV.
std::vector<float> search_scales(const Cascade& cascade, int cols, int rows,
                                 const CascadeDetectOptions& o) {
  int max_w = static_cast<int>(o.max_size()[1]), max_h = static_cast<int>(o.max_size()[0]);
  if (max_w == 0 || max_h == 0) {
    max_w = cols;
    max_h = rows;
  }
  const auto min_w = static_cast<int>(o.min_size()[1]), min_h = static_cast<int>(o.min_size()[0]);
  std::vector<float> scales;
  for (double factor = 1;; factor *= o.scale_factor()) {
    const int w = static_cast<int>(std::lrint(static_cast<double>(cascade.width) * factor));
    const int h = static_cast<int>(std::lrint(static_cast<double>(cascade.height) * factor));
    if (w > max_w || h > max_h || w > cols || h > rows) break;
    if (w < min_w || h < min_h) continue;
    scales.push_back(static_cast<float>(factor));
    MEDIMG_CHECK(scales.size() <= kMaxScales, ArgumentError, "scale_factor ", o.scale_factor(),
                 " gives more than ", kMaxScales, " scales on a ", rows, " x ", cols,
                 " image; use a larger one");
  }
  return scales;
}

// One pyramid level: the image resized by 1 / scale and where its tables start in the
// shared buffers.
struct Level {
  float scale = 1;
  int step = 2;                          // ystep: 2 below scale 2, else 1
  int cols = 0, rows = 0;                // resized image
  std::int64_t offset = 0;               // of table entry (0, 0) in the buffers
  std::int64_t scan_cols = 0, scan_rows = 0;  // window positions per row / column
};

// Table memory kept by each thread from one detect call to the next (OpenCV keeps its sbuf
// in the classifier likewise): fresh pages cost more here than the integration itself.
// Buffers beyond kMaxCachedEntries are not kept.
constexpr std::size_t kMaxCachedEntries = std::size_t{24} << 20;  // 96 MB
thread_local std::vector<std::uint32_t> tls_tables;

// The summed-area tables of every level packed on shelves in buffers of one row stride (as
// OpenCV's sbuf), so that one compiled cascade serves every level.
struct Pyramid {
  std::vector<Level> levels;
  std::int64_t stride = 0;
  std::vector<std::uint32_t> own;  // the memory when it is not the thread's cache
  std::uint32_t* sum = nullptr;
  std::uint32_t* squared = nullptr;
  std::uint32_t* tilted = nullptr;  // only for cascades with tilted features
};

Pyramid layout(const cv::Mat& gray, const std::vector<float>& scales, const Cascade& cascade) {
  Pyramid p;
  for (const float scale : scales) {
    Level level;
    level.scale = scale;
    level.step = scale >= 2 ? 1 : 2;
    // cvRound(imgsz.width / scale): an int over a float, in float.
    level.cols = round_float(static_cast<float>(gray.cols) / scale);
    level.rows = round_float(static_cast<float>(gray.rows) / scale);
    // Window positions: (rows + 1 - height) x (cols + 1 - width) (ScaleData::getWorkingSize).
    level.scan_cols = std::max<std::int64_t>(level.cols + 1 - cascade.width, 0);
    level.scan_rows = std::max<std::int64_t>(level.rows + 1 - cascade.height, 0);
    p.stride = std::max<std::int64_t>(p.stride, level.cols + 1);
    p.levels.push_back(level);
  }
  std::int64_t x = 0, y = 0, shelf = 0;
  for (Level& level : p.levels) {
    if (x + level.cols + 1 > p.stride) {
      x = 0;
      y += shelf;
      shelf = 0;
    }
    level.offset = y * p.stride + x;
    x += level.cols + 1;
    shelf = std::max<std::int64_t>(shelf, level.rows + 1);
  }
  const auto total = static_cast<std::size_t>((y + shelf) * p.stride);
  const std::size_t needed = total * (uses_tilted(cascade) ? 3 : 2);
  std::vector<std::uint32_t>& memory = needed <= kMaxCachedEntries ? tls_tables : p.own;
  if (memory.size() < needed) memory.resize(needed);
  p.sum = memory.data();
  p.squared = p.sum + total;
  if (uses_tilted(cascade)) p.tilted = p.squared + total;
  return p;
}

// Resizes the image for `level` (OpenCV 4.6 uses INTER_LINEAR_EXACT, bit-exact fixed point)
// and integrates it into the pyramid's buffers.
void fill_level(const cv::Mat& gray, Pyramid& p, const Level& level) {
  cv::Mat resized;
  cv::resize(gray, resized, cv::Size(level.cols, level.rows), 0, 0, cv::INTER_LINEAR_EXACT);
  detail::integral_tables_u8(level.rows, level.cols, resized.ptr<std::uint8_t>(0),
                             static_cast<std::int64_t>(resized.step[0]), p.sum + level.offset,
                             p.squared + level.offset, p.tilted ? p.tilted + level.offset : nullptr,
                             p.stride);
}

// The windows of one row of window positions that pass every stage (CascadeClassifierInvoker).
void scan_row(const Pyramid& p, const Level& level, const Cascade& cascade,
              const detail::CompiledCascade& compiled, std::int64_t row,
              std::vector<PixelRect>& found) {
  const int accepted = compiled.num_stages();
  const int win_w = round_float(static_cast<float>(cascade.width) * level.scale);
  const int win_h = round_float(static_cast<float>(cascade.height) * level.scale);
  const int y = static_cast<int>(row) * level.step;
  const std::int64_t base = level.offset + y * p.stride;
  for (int x = 0; x < level.scan_cols; x += level.step) {
    const std::int64_t o = base + x;
    const int result =
        compiled.stages_passed({p.sum + o, p.squared + o, p.tilted ? p.tilted + o : nullptr});
    if (result == accepted) {
      found.push_back({round_float(static_cast<float>(x) * level.scale),
                       round_float(static_cast<float>(y) * level.scale), win_w, win_h});
    }
    if (result == 0) x += level.step;  // rejected by stage 0: skip the next position
  }
}

// Runs task(k) for k in [0, count) on the pool, each thread taking the next task as it
// becomes free (rows differ widely in cost: most windows die in stage 0, some run every
// stage); inline when the whole job is small, where starting threads costs more than it
// saves.
template <typename Task>
void run_dynamic(std::int64_t count, bool small, const Task& task) {
  if (small || get_num_threads() == 1) {
    for (std::int64_t k = 0; k < count; ++k) task(k);
    return;
  }
  std::atomic<std::int64_t> next{0};
  parallel_for(0, get_num_threads(), 1, [&](std::int64_t, std::int64_t) {
    for (std::int64_t k = next++; k < count; k = next++) task(k);
  });
}

std::vector<PixelRect> raw_windows(const cv::Mat& gray, const Cascade& cascade,
                                   const CascadeDetectOptions& options) {
  const std::vector<float> scales = search_scales(cascade, gray.cols, gray.rows, options);
  if (scales.empty()) return {};
  Pyramid pyramid = layout(gray, scales, cascade);
  const bool small = gray.total() < 40000;  // about 200 x 200 pixels
  run_dynamic(static_cast<std::int64_t>(pyramid.levels.size()), small, [&](std::int64_t i) {
    fill_level(gray, pyramid, pyramid.levels[static_cast<std::size_t>(i)]);
  });
  const detail::CompiledCascade compiled(cascade, pyramid.stride);
  // One task per row of windows over all levels, results joined in (level, row) order so
  // that the output does not depend on scheduling.
  // OpenCV splits each level's rows into nstripes = ceil(level 0 scan width / 32) stripes of
  // max((rows / step + nstripes - 1) / nstripes, 1) * step rows and scans only y below
  // nstripes * stripe: the last row or two of some levels are never scanned. So here too.
  const std::int64_t nstripes = (pyramid.levels[0].scan_cols + 31) / 32;
  std::vector<std::pair<std::size_t, std::int64_t>> tasks;  // (level, row)
  for (std::size_t i = 0; i < pyramid.levels.size(); ++i) {
    const Level& level = pyramid.levels[i];
    if (level.scan_cols == 0 || nstripes == 0) continue;
    const std::int64_t stripe =
        std::max<std::int64_t>((level.scan_rows / level.step + nstripes - 1) / nstripes, 1) *
        level.step;
    const std::int64_t row_limit = std::min(level.scan_rows, nstripes * stripe);
    for (std::int64_t r = 0; r * level.step < row_limit; ++r) tasks.emplace_back(i, r);
  }
  std::vector<std::vector<PixelRect>> found(tasks.size());
  run_dynamic(static_cast<std::int64_t>(tasks.size()), small, [&](std::int64_t k) {
    const auto [i, r] = tasks[static_cast<std::size_t>(k)];
    scan_row(pyramid, pyramid.levels[i], cascade, compiled, r, found[static_cast<std::size_t>(k)]);
  });
  std::vector<PixelRect> windows;
  for (const auto& row : found) windows.insert(windows.end(), row.begin(), row.end());
  return windows;
}

}  // namespace

CascadeDetections detect(const at::Tensor& image, const Cascade& cascade,
                         const CascadeDetectOptions& options) {
  check_cascade(cascade);
  MEDIMG_CHECK(image.defined() && (image.dim() == 2 || (image.dim() == 3 && image.size(0) == 1)),
               ShapeError, "detect expects a (Y, X) or (1, Y, X) image, got shape ",
               image.defined() ? image.sizes() : at::IntArrayRef{});
  MEDIMG_CHECK(image.scalar_type() == at::kByte, ArgumentError,
               "detect expects uint8 grey levels (as OpenCV), got ", image.scalar_type(),
               "; window or rescale the image to 0..255 first");
  MEDIMG_CHECK(std::isfinite(options.scale_factor()) && options.scale_factor() > 1,
               ArgumentError, "scale_factor must be > 1, got ", options.scale_factor());
  for (const auto& size : {options.min_size(), options.max_size()}) {
    MEDIMG_CHECK(size[0] >= 0 && size[1] >= 0 && size[0] <= (1 << 30) && size[1] <= (1 << 30),
                 ArgumentError, "min_size and max_size must be >= 0, got (", size[0], ", ",
                 size[1], ")");
  }
  const at::Tensor plane = (image.dim() == 3 ? image[0] : image).contiguous();
  const auto v = view<const std::uint8_t, 2>(plane);
  MEDIMG_CHECK(v.size(0) < (1 << 20) && v.size(1) < (1 << 20) && v.numel() < (1LL << 30),
               ShapeError, "image too large for detection: ", v.size(0), " x ", v.size(1));
  const cv::Mat gray(static_cast<int>(v.size(0)), static_cast<int>(v.size(1)), CV_8UC1,
                     const_cast<std::uint8_t*>(v.data()));
  CascadeDetections grouped =
      group_rectangles(raw_windows(gray, cascade, options), options.min_neighbors(), 0.2);
  // clipObjects: intersect with the image, drop what falls outside.
  CascadeDetections out;
  for (std::size_t i = 0; i < grouped.boxes.size(); ++i) {
    const PixelRect& r = grouped.boxes[i];
    const int x0 = std::max(r.x, 0), y0 = std::max(r.y, 0);
    const int x1 = std::min(r.x + r.width, gray.cols), y1 = std::min(r.y + r.height, gray.rows);
    if (x1 <= x0 || y1 <= y0) continue;
    out.boxes.push_back({x0, y0, x1 - x0, y1 - y0});
    out.neighbors.push_back(grouped.neighbors[i]);
  }
  return out;
}

CascadeDetections detect(const Image& image, const Cascade& cascade,
                         const CascadeDetectOptions& options) {
  MEDIMG_CHECK(image.defined() && image.spatial_dims() == 2 && image.channels() == 1, ShapeError,
               "detect expects a one-channel 2D image, got ",
               image.defined() ? detail::concat(image.tensor().sizes()) : std::string("none"));
  return detect(image.tensor(), cascade, options);
}

}  // namespace medimg
