#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "medimg/classic/cascade.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

// cv::SimilarRects: every corner moves by at most eps * mean(smaller width, smaller height).
bool similar(const PixelRect& a, const PixelRect& b, double eps) {
  const double delta =
      eps * (std::min(a.width, b.width) + std::min(a.height, b.height)) * 0.5;
  return std::abs(a.x - b.x) <= delta && std::abs(a.y - b.y) <= delta &&
         std::abs(a.x + a.width - b.x - b.width) <= delta &&
         std::abs(a.y + a.height - b.y - b.height) <= delta;
}

int find_root(std::vector<int>& parent, int i) {
  while (parent[static_cast<std::size_t>(i)] != i) {
    int& p = parent[static_cast<std::size_t>(i)];
    p = parent[static_cast<std::size_t>(p)];  // path halving
    i = p;
  }
  return i;
}

// cv::partition: the classes of the transitive closure of `similar`, numbered in the order
// in which their first member appears (which is all cv::partition's numbering depends on).
std::vector<int> partition(const std::vector<PixelRect>& rects, double eps, int& num_classes) {
  const auto n = static_cast<int>(rects.size());
  std::vector<int> parent(rects.size());
  std::iota(parent.begin(), parent.end(), 0);
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      if (!similar(rects[static_cast<std::size_t>(i)], rects[static_cast<std::size_t>(j)], eps))
        continue;
      const int ri = find_root(parent, i), rj = find_root(parent, j);
      if (ri != rj) parent[static_cast<std::size_t>(std::max(ri, rj))] = std::min(ri, rj);
    }
  }
  std::vector<int> class_of_root(rects.size(), -1), labels(rects.size());
  num_classes = 0;
  for (int i = 0; i < n; ++i) {
    int& c = class_of_root[static_cast<std::size_t>(find_root(parent, i))];
    if (c < 0) c = num_classes++;
    labels[static_cast<std::size_t>(i)] = c;
  }
  return labels;
}

// saturate_cast<int>(float) and (double): round half to even.
int round_int(float v) { return static_cast<int>(std::lrint(v)); }
int round_int(double v) { return static_cast<int>(std::lrint(v)); }

}  // namespace

CascadeDetections group_rectangles(const std::vector<PixelRect>& rects, int group_threshold,
                                   double eps) {
  MEDIMG_CHECK(std::isfinite(eps) && eps >= 0, ArgumentError,
               "eps must be finite and >= 0, got ", eps);
  CascadeDetections out;
  if (group_threshold <= 0 || rects.empty()) {
    out.boxes = rects;
    out.neighbors.assign(rects.size(), 1);
    return out;
  }
  int num_classes = 0;
  const std::vector<int> labels = partition(rects, eps, num_classes);
  const auto classes = static_cast<std::size_t>(num_classes);
  std::vector<PixelRect> mean(classes);
  std::vector<int> votes(classes, 0);
  for (std::size_t i = 0; i < rects.size(); ++i) {
    PixelRect& m = mean[static_cast<std::size_t>(labels[i])];
    m.x += rects[i].x;
    m.y += rects[i].y;
    m.width += rects[i].width;
    m.height += rects[i].height;
    ++votes[static_cast<std::size_t>(labels[i])];
  }
  for (std::size_t c = 0; c < classes; ++c) {
    const float s = 1.f / static_cast<float>(votes[c]);
    PixelRect& m = mean[c];
    m = {round_int(static_cast<float>(m.x) * s), round_int(static_cast<float>(m.y) * s),
         round_int(static_cast<float>(m.width) * s), round_int(static_cast<float>(m.height) * s)};
  }
  for (std::size_t i = 0; i < classes; ++i) {
    const PixelRect& r1 = mean[i];
    const int n1 = votes[i];
    if (n1 <= group_threshold) continue;
    // Drop a class lying inside a bigger one that has more votes (a nested false positive).
    bool nested = false;
    for (std::size_t j = 0; j < classes && !nested; ++j) {
      const int n2 = votes[j];
      if (j == i || n2 <= group_threshold) continue;
      const PixelRect& r2 = mean[j];
      const int dx = round_int(r2.width * eps), dy = round_int(r2.height * eps);
      nested = r1.x >= r2.x - dx && r1.y >= r2.y - dy && r1.x + r1.width <= r2.x + r2.width + dx &&
               r1.y + r1.height <= r2.y + r2.height + dy && (n2 > std::max(3, n1) || n1 < 3);
    }
    if (nested) continue;
    out.boxes.push_back(r1);
    out.neighbors.push_back(n1);
  }
  return out;
}

}  // namespace medimg
