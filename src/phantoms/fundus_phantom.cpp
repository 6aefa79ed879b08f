#include "medimg/phantoms/fundus_phantom.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Functions.h>

#include <algorithm>
#include <cmath>

#include "medimg/augment/random.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/large_allocation.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {
namespace {

using Rgb = std::array<double, 3>;

struct Point {
  double x = 0.0, y = 0.0;
};

double distance(Point a, Point b) { return std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)); }

/// SplitMix64's finaliser: neighbouring seeds and indices give unrelated streams.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Albedos (colour before illumination) of the fundus' parts.
constexpr Rgb kRetina{0.86, 0.40, 0.18};
constexpr Rgb kDiscRim{1.00, 0.90, 0.60};
constexpr Rgb kDiscCup{0.92, 0.68, 0.40};
constexpr Rgb kVessel{0.52, 0.11, 0.07};
constexpr Rgb kMicroaneurysm{0.40, 0.05, 0.03};
constexpr Rgb kHaemorrhage{0.46, 0.06, 0.04};
constexpr Rgb kExudate{1.00, 0.95, 0.58};
constexpr double kVesselOpacity = 0.9;

/// One image being drawn: the anatomy's layout, the albedo planes and the vessel coverage.
struct Scene {
  std::int64_t size = 0;
  double scale = 1.0;  // size / 128: lengths below are given for a 128-pixel image
  Point fov;
  double fov_radius = 0.0;
  Point disc;
  double disc_radius = 0.0;
  double side = 1.0;  // +1 when the disc lies right of centre; the temporal side is -side
  Point tuft;
  double tuft_radius = 0.0;  // 0: no new vessels
  std::vector<float> vessel;  // (S, S) coverage in [0, 1], the maximum over segments

  float& vessel_at(std::int64_t y, std::int64_t x) { return vessel[y * size + x]; }
};

/// Anti-aliased coverage of a tapered capsule from a (width wa) to b (width wb), merged into
/// the coverage plane by maximum so that overlapping segments do not darken twice.
void paint_segment(Scene& s, Point a, Point b, double wa, double wb) {
  const double reach = std::max(wa, wb) / 2.0 + 1.0;
  const auto x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(std::min(a.x, b.x) - reach)));
  const auto x1 = std::min<std::int64_t>(s.size - 1, static_cast<std::int64_t>(std::ceil(std::max(a.x, b.x) + reach)));
  const auto y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(std::min(a.y, b.y) - reach)));
  const auto y1 = std::min<std::int64_t>(s.size - 1, static_cast<std::int64_t>(std::ceil(std::max(a.y, b.y) + reach)));
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double length2 = std::max(dx * dx + dy * dy, 1e-12);
  for (std::int64_t y = y0; y <= y1; ++y) {
    for (std::int64_t x = x0; x <= x1; ++x) {
      const double t = std::clamp(((x - a.x) * dx + (y - a.y) * dy) / length2, 0.0, 1.0);
      const double ex = x - (a.x + t * dx), ey = y - (a.y + t * dy);
      const double d = std::sqrt(ex * ex + ey * ey);
      const double w = wa + t * (wb - wa);
      // Sub-pixel vessels cover at most their width's share of a pixel.
      const double c = std::clamp(w / 2.0 + 0.5 - d, 0.0, 1.0) * std::min(w, 1.0);
      float& cell = s.vessel_at(y, x);
      cell = std::max(cell, static_cast<float>(c));
    }
  }
}

/// A vessel that leaves `start` along `heading` (radians, image axes: y down), bending by
/// `curvature` radians per pixel plus a random wiggle, tapering from `width` to a third of
/// it, branching now and then; it stops at the rim of the field of view.
void grow_vessel(Scene& s, Random& random, Point start, double heading, double width,
                 double length, double curvature, int depth) {
  const double step = 1.5 * s.scale;
  const int steps = std::max(1, static_cast<int>(length / step));
  const double end_width = std::max(0.4 * s.scale, width / 3.0);
  Point p = start;
  double w = width;
  for (int i = 0; i < steps; ++i) {
    heading += curvature * step + random.normal(0.0, 0.05);
    const Point q{p.x + step * std::cos(heading), p.y + step * std::sin(heading)};
    if (distance(q, s.fov) > 0.97 * s.fov_radius) return;
    const double w_next = width + (end_width - width) * (i + 1) / steps;
    paint_segment(s, p, q, w, w_next);
    if (depth < 3 && i > 4 && i < steps - 6 && random.chance(0.07)) {
      const double turn = (random.chance(0.5) ? 1.0 : -1.0) * random.uniform(0.5, 1.0);
      grow_vessel(s, random, q, heading + turn, 0.7 * w_next, (steps - i) * step * random.uniform(0.4, 0.8),
                  random.normal(0.0, 0.01) / s.scale, depth + 1);
    }
    p = q;
    w = w_next;
  }
}

/// The four arcades and two small vessels that leave the disc, as in a left or right eye.
void grow_vessel_tree(Scene& s, Random& random) {
  const double t = -s.side;  // towards the temporal side (the macula)
  const double bend = random.uniform(0.030, 0.042) / s.scale;
  struct Trunk {
    double dx, dy, length, curvature, width;
  };
  const double r = s.fov_radius;
  const Trunk trunks[] = {
      {0.35 * t, -1.0, random.uniform(0.9, 1.2) * r, t * bend, 1.9},         // superior temporal
      {0.35 * t, 1.0, random.uniform(0.9, 1.2) * r, -t * bend, 1.9},         // inferior temporal
      {-0.5 * t, -1.0, random.uniform(0.6, 0.9) * r, -t * bend * 0.5, 1.5},  // superior nasal
      {-0.5 * t, 1.0, random.uniform(0.6, 0.9) * r, t * bend * 0.5, 1.5},    // inferior nasal
      {-t, random.uniform(-0.3, 0.3), random.uniform(0.4, 0.6) * r, 0.0, 1.1},  // nasal
      {t, random.uniform(-0.4, 0.4), random.uniform(0.25, 0.4) * r, 0.0, 0.9},  // macular
  };
  for (const Trunk& k : trunks) {
    const double heading = std::atan2(k.dy, k.dx) + random.normal(0.0, 0.12);
    const Point start{s.disc.x + 0.3 * s.disc_radius * std::cos(heading),
                      s.disc.y + 0.3 * s.disc_radius * std::sin(heading)};
    grow_vessel(s, random, start, heading, k.width * s.scale * random.uniform(0.9, 1.1), k.length,
                k.curvature, 0);
  }
}

/// Proliferative retinopathy's new vessels: fine, tortuous loops in a small area by the disc.
void grow_new_vessels(Scene& s, Random& random) {
  const double angle = random.uniform(0.0, 2.0 * M_PI);
  const double offset = random.uniform(1.5, 2.0) * s.disc_radius;
  s.tuft = {s.disc.x + offset * std::cos(angle), s.disc.y + offset * std::sin(angle)};
  s.tuft_radius = 1.0 * s.disc_radius;
  const int loops = static_cast<int>(random.integer(6, 9));
  const double step = 0.8 * s.scale;
  for (int k = 0; k < loops; ++k) {
    Point p{s.tuft.x + random.uniform(-0.5, 0.5) * s.tuft_radius,
            s.tuft.y + random.uniform(-0.5, 0.5) * s.tuft_radius};
    double heading = random.uniform(0.0, 2.0 * M_PI);
    double curl = (random.chance(0.5) ? 1.0 : -1.0) * random.uniform(0.25, 0.4) / s.scale;
    const int steps = static_cast<int>(random.integer(18, 30));
    for (int i = 0; i < steps; ++i) {
      if (random.chance(0.15)) curl = -curl;  // tortuous: the bend flips now and then
      heading += curl * step + random.normal(0.0, 0.2);
      Point q{p.x + step * std::cos(heading), p.y + step * std::sin(heading)};
      if (distance(q, s.tuft) > s.tuft_radius) {  // turn back into the tuft
        heading = std::atan2(s.tuft.y - p.y, s.tuft.x - p.x) + random.normal(0.0, 0.5);
        q = {p.x + step * std::cos(heading), p.y + step * std::sin(heading)};
      }
      if (distance(q, s.fov) > 0.95 * s.fov_radius) break;
      paint_segment(s, p, q, 0.7 * s.scale, 0.7 * s.scale);
      p = q;
    }
  }
}

/// How many lesions of each kind a grade gets (the rule of docs/fundus.md).
struct LesionCounts {
  int microaneurysms = 0, haemorrhages = 0, exudates = 0;
};

LesionCounts draw_counts(int grade, Random& random) {
  LesionCounts c;
  switch (grade) {
    case 1:
      c.microaneurysms = static_cast<int>(random.integer(1, 4));
      break;
    case 2:
      c.microaneurysms = static_cast<int>(random.integer(5, 10));
      (random.chance(0.5) ? c.haemorrhages : c.exudates) = static_cast<int>(random.integer(1, 3));
      break;
    case 3:
    case 4:
      c.microaneurysms = static_cast<int>(random.integer(5, 10));
      c.haemorrhages = static_cast<int>(random.integer(8, 12));
      c.exudates = grade == 3 ? static_cast<int>(random.integer(0, 2)) : static_cast<int>(random.integer(8, 14));
      break;
    default:
      break;
  }
  return c;
}

/// Largest vessel coverage within `reach` pixels of p.
float vessel_near(Scene& s, Point p, double reach) {
  float most = 0.0f;
  const auto x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(p.x - reach)));
  const auto x1 = std::min<std::int64_t>(s.size - 1, static_cast<std::int64_t>(std::ceil(p.x + reach)));
  const auto y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(p.y - reach)));
  const auto y1 = std::min<std::int64_t>(s.size - 1, static_cast<std::int64_t>(std::ceil(p.y + reach)));
  for (std::int64_t y = y0; y <= y1; ++y) {
    for (std::int64_t x = x0; x <= x1; ++x) most = std::max(most, s.vessel_at(y, x));
  }
  return most;
}

/// Places one lesion of `radius` in the field of view, away from the disc, the new vessels,
/// the other lesions and (when it can) the vessels. quadrant 0-3 restricts the angle about the
/// centre of the field of view to that quarter; -1 allows any.
FundusLesion place_lesion(Scene& s, Random& random, FundusLesionKind kind, double radius, int quadrant,
                          const std::vector<FundusLesion>& placed) {
  const double outer = 0.86 * s.fov_radius - radius;
  for (int attempt = 0; attempt < 4000; ++attempt) {
    const double angle = quadrant >= 0 ? (quadrant + random.uniform(0.05, 0.95)) * M_PI / 2.0
                                       : random.uniform(0.0, 2.0 * M_PI);
    const double rho = outer * std::sqrt(random.uniform(0.02, 1.0));
    const Point p{s.fov.x + rho * std::cos(angle), s.fov.y + rho * std::sin(angle)};
    if (distance(p, s.disc) < 1.4 * s.disc_radius + radius + 2.0) continue;
    if (s.tuft_radius > 0.0 && distance(p, s.tuft) < s.tuft_radius + radius + 2.0) continue;
    const bool apart = std::all_of(placed.begin(), placed.end(), [&](const FundusLesion& o) {
      return distance(p, {o.x, o.y}) >= o.radius + radius + 2.5;
    });
    if (!apart) continue;
    // Off the vessels first; a crowded image may put late lesions on thin ones.
    if (vessel_near(s, p, radius + 1.0) > (attempt < 2000 ? 0.05f : 0.6f)) continue;
    return {kind, p.x, p.y, radius};
  }
  // The field of view holds at most ~40 lesions a few pixels wide: not reached for size >= 32.
  throw Error("fundus_phantom: no room left for a lesion");
}

std::vector<FundusLesion> place_lesions(Scene& s, Random& random, int grade) {
  const LesionCounts counts = draw_counts(grade, random);
  std::vector<FundusLesion> lesions;
  // Large lesions first, so that the small ones fill the gaps.
  const int first_quadrant = static_cast<int>(random.integer(0, 3));
  for (int k = 0; k < counts.haemorrhages; ++k) {
    // Grades 3 and 4 spread haemorrhages over all quadrants (the 4-2-1 rule's "4 quadrants").
    const int quadrant = counts.haemorrhages >= 4 ? (first_quadrant + k) % 4 : -1;
    lesions.push_back(place_lesion(s, random, FundusLesionKind::Haemorrhage,
                                   random.uniform(2.0, 4.0) * s.scale, quadrant, lesions));
  }
  for (int k = 0; k < counts.exudates; ++k) {
    lesions.push_back(place_lesion(s, random, FundusLesionKind::HardExudate,
                                   random.uniform(1.2, 2.2) * s.scale, -1, lesions));
  }
  for (int k = 0; k < counts.microaneurysms; ++k) {
    lesions.push_back(place_lesion(s, random, FundusLesionKind::Microaneurysm,
                                   random.uniform(1.0, 1.5) * s.scale, -1, lesions));
  }
  return lesions;
}

/// The per-image random appearance: colour, illumination and noise.
struct Appearance {
  Rgb gain{};           // per-channel colour variation times overall brightness
  double vignette = 0.0;  // illumination falls by this fraction at the rim
  Point gradient;       // linear illumination tilt per fov radius
  double noise = 0.0;   // Gaussian noise std
  double texture = 0.0, texture_fx = 0.0, texture_fy = 0.0, texture_px = 0.0, texture_py = 0.0;
  Point fovea;
  double fovea_sigma = 0.0, fovea_depth = 0.0;
  double cup_radius = 0.0;
  Rgb vessel{};
};

void check_size(std::int64_t size, const char* function) {
  MEDIMG_CHECK(size >= 32 && size <= 4096, ArgumentError, function,
               ": size must be in [32, 4096] pixels, got ", size);
}

/// Renders into image (3 planes of S*S floats, every value written) and lesion_map (S*S bytes,
/// zeroed by the caller).
FundusPhantom render(int grade, std::int64_t size, std::uint64_t seed, float* image,
                     std::uint8_t* lesion_map) {
  // Three streams: the same seed gives the same eye at every grade, only the lesions differ.
  Random anatomy(mix(seed));
  Random lesion_random(mix(mix(seed) ^ (0xD1B54A32D192ED03ULL * static_cast<std::uint64_t>(grade + 1))));
  at::Generator noise_generator = at::detail::createCPUGenerator(mix(seed ^ 0x2545F4914F6CDD1DULL));

  Scene s;
  s.size = size;
  s.scale = static_cast<double>(size) / 128.0;
  const double centre = (size - 1) / 2.0;
  s.fov = {centre + anatomy.uniform(-0.02, 0.02) * size, centre + anatomy.uniform(-0.02, 0.02) * size};
  s.fov_radius = anatomy.uniform(0.45, 0.47) * size;
  s.side = anatomy.chance(0.5) ? 1.0 : -1.0;
  s.disc_radius = anatomy.uniform(0.07, 0.085) * size;
  s.disc = {s.fov.x + s.side * anatomy.uniform(0.45, 0.6) * s.fov_radius,
            s.fov.y + anatomy.uniform(-0.12, 0.12) * s.fov_radius};
  s.vessel.assign(static_cast<std::size_t>(size * size), 0.0f);

  Appearance a;
  const double brightness = anatomy.uniform(0.75, 1.2);
  for (int c = 0; c < 3; ++c) a.gain[c] = brightness * anatomy.uniform(0.88, 1.12);
  a.vignette = anatomy.uniform(0.25, 0.5);
  a.gradient = {anatomy.uniform(-0.12, 0.12), anatomy.uniform(-0.12, 0.12)};
  a.noise = anatomy.uniform(0.008, 0.02);
  a.texture = anatomy.uniform(0.02, 0.05);
  a.texture_fx = 2.0 * M_PI / (anatomy.uniform(0.1, 0.2) * size);
  a.texture_fy = 2.0 * M_PI / (anatomy.uniform(0.1, 0.2) * size);
  a.texture_px = anatomy.uniform(0.0, 2.0 * M_PI);
  a.texture_py = anatomy.uniform(0.0, 2.0 * M_PI);
  a.fovea = {s.fov.x - s.side * anatomy.uniform(0.05, 0.15) * s.fov_radius,
             s.fov.y + anatomy.uniform(-0.05, 0.05) * s.fov_radius};
  a.fovea_sigma = 0.1 * s.fov_radius;
  a.fovea_depth = anatomy.uniform(0.15, 0.3);
  a.cup_radius = anatomy.uniform(0.35, 0.55) * s.disc_radius;
  for (int c = 0; c < 3; ++c) a.vessel[c] = kVessel[c] * anatomy.uniform(0.9, 1.1);

  grow_vessel_tree(s, anatomy);
  if (grade == 4) grow_new_vessels(s, lesion_random);
  std::vector<FundusLesion> lesions = place_lesions(s, lesion_random, grade);

  const std::int64_t plane = size * size;
  // Albedo: retina with a faint choroidal texture and the darker macula, the disc, the vessels.
  std::vector<double> tx(size), ty(size);
  for (std::int64_t i = 0; i < size; ++i) {
    tx[i] = std::sin(a.texture_fx * i + a.texture_px);
    ty[i] = std::sin(a.texture_fy * i + a.texture_py);
  }
  const double soft_disc = std::max(1.0, 0.12 * s.disc_radius);
  for (std::int64_t y = 0; y < size; ++y) {
    for (std::int64_t x = 0; x < size; ++x) {
      const Point p{static_cast<double>(x), static_cast<double>(y)};
      const double fx = x - a.fovea.x, fy = y - a.fovea.y;
      const double fd2 = (fx * fx + fy * fy) / (2.0 * a.fovea_sigma * a.fovea_sigma);
      const double macula = fd2 < 12.0 ? a.fovea_depth * std::exp(-fd2) : 0.0;  // exp(-12) ~ 6e-6
      const double shade = (1.0 + a.texture * tx[x] * ty[y]) * (1.0 - macula);
      const double dd = distance(p, s.disc);
      const double disc = std::clamp(0.5 + (s.disc_radius - dd) / soft_disc, 0.0, 1.0);
      const double cup = std::clamp(0.5 + (a.cup_radius - dd) / soft_disc, 0.0, 1.0);
      const double v = kVesselOpacity * s.vessel_at(y, x);
      for (int c = 0; c < 3; ++c) {
        double albedo = kRetina[c] * shade;
        albedo += disc * (kDiscRim[c] - albedo);
        albedo += cup * (kDiscCup[c] - albedo);
        albedo += v * (a.vessel[c] - albedo);
        image[c * plane + y * size + x] = static_cast<float>(albedo);
      }
    }
  }
  // Lesions: anti-aliased discs (haemorrhages with a wider, blotchy rim) over the albedo; the
  // lesion map holds the pixels within the radius, where the lesion's opacity is >= 0.5.
  for (const FundusLesion& l : lesions) {
    const Rgb& base = l.kind == FundusLesionKind::Microaneurysm ? kMicroaneurysm
                      : l.kind == FundusLesionKind::Haemorrhage ? kHaemorrhage
                                                                : kExudate;
    const double soft = l.kind == FundusLesionKind::Haemorrhage ? 2.0 : 1.0;
    const double tint = lesion_random.uniform(0.9, 1.1);
    const double reach = l.radius + soft;
    const auto x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(l.x - reach)));
    const auto x1 = std::min<std::int64_t>(size - 1, static_cast<std::int64_t>(std::ceil(l.x + reach)));
    const auto y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(l.y - reach)));
    const auto y1 = std::min<std::int64_t>(size - 1, static_cast<std::int64_t>(std::ceil(l.y + reach)));
    for (std::int64_t y = y0; y <= y1; ++y) {
      for (std::int64_t x = x0; x <= x1; ++x) {
        const double d = std::sqrt((x - l.x) * (x - l.x) + (y - l.y) * (y - l.y));
        const double alpha = std::clamp(0.5 + (l.radius - d) / soft, 0.0, 1.0);
        if (alpha <= 0.0) continue;
        for (int c = 0; c < 3; ++c) {
          float& cell = image[c * plane + y * size + x];
          cell += static_cast<float>(alpha * (std::min(1.0, base[c] * tint) - cell));
        }
        if (d <= l.radius) lesion_map[y * size + x] = static_cast<std::uint8_t>(l.kind);
      }
    }
  }
  // Illumination (brightness, colour, vignetting, tilt), noise, and the field-of-view stop.
  // ATen draws the noise vectorised, from its own seeded generator.
  const at::Tensor noise = at::normal(0.0, a.noise, {3, size, size}, noise_generator, at::TensorOptions(at::kFloat));
  const float* noise_at = noise.data_ptr<float>();
  for (std::int64_t y = 0; y < size; ++y) {
    for (std::int64_t x = 0; x < size; ++x) {
      const double dx = (x - s.fov.x) / s.fov_radius, dy = (y - s.fov.y) / s.fov_radius;
      const double d = s.fov_radius * std::sqrt(dx * dx + dy * dy);
      const double inside = std::clamp(s.fov_radius + 0.5 - d, 0.0, 1.0);
      const double light = (1.0 - a.vignette * (dx * dx + dy * dy)) *
                           (1.0 + a.gradient.x * dx + a.gradient.y * dy);
      for (int c = 0; c < 3; ++c) {
        const std::int64_t k = c * plane + y * size + x;
        const double value = a.gain[c] * light * image[k] + noise_at[k];
        image[k] = inside <= 0.0 ? 0.0f : static_cast<float>(inside * std::clamp(value, 0.0, 1.0));
      }
    }
  }
  FundusPhantom meta;
  meta.lesion_list = std::move(lesions);
  meta.grade = grade;
  meta.fov_centre = {s.fov.x, s.fov.y};
  meta.fov_radius = s.fov_radius;
  meta.disc_centre = {s.disc.x, s.disc.y};
  meta.disc_radius = s.disc_radius;
  meta.new_vessels_centre = {s.tuft.x, s.tuft.y};
  meta.new_vessels_radius = s.tuft_radius;
  return meta;
}

}  // namespace

FundusPhantom fundus_phantom(int grade, std::int64_t size, std::uint64_t seed) {
  MEDIMG_CHECK(grade >= 0 && grade <= 4, ArgumentError, "fundus_phantom: grade must be in 0..4, got ", grade);
  check_size(size, "fundus_phantom");
  // render() writes every pixel of the image. The lesion map is cleared here by hand: ATen's
  // fill would open a parallel region, which costs more than the whole image on a busy machine.
  at::Tensor image = at::empty({3, size, size}, at::kFloat);
  at::Tensor lesions = at::empty({size, size}, at::kByte);
  std::fill_n(lesions.data_ptr<std::uint8_t>(), size * size, std::uint8_t{0});
  FundusPhantom phantom = render(grade, size, seed, image.data_ptr<float>(), lesions.data_ptr<std::uint8_t>());
  phantom.image = image;
  phantom.lesions = lesions;
  return phantom;
}

int fundus_dataset_grade(std::uint64_t seed, std::int64_t index) {
  MEDIMG_CHECK(index >= 0, ArgumentError, "fundus_dataset_grade: index must be >= 0, got ", index);
  const auto block = static_cast<std::uint64_t>(index / 5);
  Random random(mix(mix(seed) + 0x632BE59BD9B4E019ULL * (block + 1)));
  std::array<int, 5> grades{0, 1, 2, 3, 4};
  for (int k = 4; k > 0; --k) std::swap(grades[k], grades[random.integer(0, k)]);  // Fisher-Yates
  return grades[index % 5];
}

std::uint64_t fundus_case_seed(std::uint64_t seed, std::int64_t index) {
  MEDIMG_CHECK(index >= 0, ArgumentError, "fundus_case_seed: index must be >= 0, got ", index);
  return mix(mix(seed) ^ mix(static_cast<std::uint64_t>(index) + 0x8CB92BA72F3D8DD7ULL));
}

FundusDataset fundus_dataset(std::int64_t n, std::int64_t size, std::uint64_t seed) {
  MEDIMG_CHECK(n >= 0, ArgumentError, "fundus_dataset: n must be >= 0, got ", n);
  check_size(size, "fundus_dataset");
  FundusDataset data;
  // Large results on huge pages (one fault per 2 MiB, not per 4 KiB: the faults cost as much
  // as the rendering on this VM); render() writes every image pixel, the lesion maps are cleared.
  data.images = empty_large({n, 3, size, size}, at::kFloat);
  data.grades = at::empty({n}, at::kLong);
  data.lesions = empty_large({n, size, size}, at::kByte);
  std::fill_n(data.lesions.data_ptr<std::uint8_t>(), data.lesions.numel(), std::uint8_t{0});
  float* images = data.images.data_ptr<float>();
  std::int64_t* grades = data.grades.data_ptr<std::int64_t>();
  std::uint8_t* lesions = data.lesions.data_ptr<std::uint8_t>();
  parallel_for(0, n, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      grades[i] = fundus_dataset_grade(seed, i);
      render(static_cast<int>(grades[i]), size, fundus_case_seed(seed, i), images + i * 3 * size * size,
             lesions + i * size * size);
    }
  });
  return data;
}

}  // namespace medimg
