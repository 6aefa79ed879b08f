#include "medimg/phantoms/ct_phantom.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>

#include "medimg/augment/random.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/preprocess/gaussian.hpp"

namespace medimg {
namespace {

using Vec = Eigen::Vector3d;

// Hounsfield units of the tissues (non-contrast CT).
constexpr float kAir = -1000.0f, kFat = -100.0f, kSoftTissue = 40.0f, kBone = 550.0f,
                kLung = -850.0f, kBlood = 40.0f, kSolidNodule = 60.0f, kGroundGlass = -450.0f;

struct Ellipsoid {
  Vec centre, semi;
  /// < 1 inside, 1 on the surface.
  double level(const Vec& p) const { return ((p - centre).array() / semi.array()).square().sum(); }
};

/// A vessel: a capsule from a to b with radius r.
struct Segment {
  Vec a, b;
  double radius;
  Vec low, high;  // bounding box
  int lung;
};

double distance_to_segment(const Vec& p, const Segment& s) {
  const Vec ab = s.b - s.a;
  const double t = std::clamp((p - s.a).dot(ab) / ab.squaredNorm(), 0.0, 1.0);
  return (p - (s.a + t * ab)).norm();
}

/// The chest's shapes in world mm, scaled by the body's semi-axes (ax, ay) and the half
/// height hz of the field of view.
struct Anatomy {
  double ax, ay, hz;
  Ellipsoid lungs[2];  // 0 right (patient right = -x in LPS), 1 left
  Ellipsoid heart;
  Vec trachea_centre;
  double trachea_radius, trachea_bottom;
  Vec spine_centre;
  double spine_radius;
  std::vector<Segment> vessels;

  Anatomy(double ax_, double ay_, double hz_) : ax(ax_), ay(ay_), hz(hz_) {
    lungs[0] = {Vec(-0.47 * ax, 0.02 * ay, 0.05 * hz), Vec(0.36 * ax, 0.62 * ay, 0.80 * hz)};
    lungs[1] = {Vec(0.48 * ax, 0.02 * ay, 0.03 * hz), Vec(0.33 * ax, 0.60 * ay, 0.78 * hz)};
    heart = {Vec(0.10 * ax, -0.20 * ay, -0.25 * hz), Vec(0.30 * ax, 0.35 * ay, 0.35 * hz)};
    trachea_centre = Vec(0.0, -0.25 * ay, 0.0);
    trachea_radius = 0.07 * ay;
    trachea_bottom = 0.45 * hz;
    spine_centre = Vec(0.0, 0.72 * ay, 0.0);
    spine_radius = 0.16 * ay;
  }

  /// 1 or 2 when p lies in that lung's parenchyma (heart excluded), else 0.
  int lung_at(const Vec& p) const {
    if (heart.level(p) <= 1.0) return 0;
    for (int l = 0; l < 2; ++l) {
      if (lungs[l].level(p) <= 1.0) return l + 1;
    }
    return 0;
  }

  /// Tissue outside the lungs: air, fat, soft tissue, bone, heart, trachea.
  float background_at(const Vec& p) const {
    const double rho = std::hypot(p.x() / ax, p.y() / ay);
    if (rho > 1.0) return kAir;
    if (std::hypot(p.x() - trachea_centre.x(), p.y() - trachea_centre.y()) <= trachea_radius &&
        p.z() >= trachea_bottom) {
      return kAir;
    }
    if (heart.level(p) <= 1.0) return kBlood;
    if (std::hypot(p.x() - spine_centre.x(), p.y() - spine_centre.y()) <= spine_radius) return kBone;
    // Ribs: a band inside the body wall, one rib every 0.22 ay of height, none over the
    // sternum.
    const double period = 0.22 * ay;
    const double phase = std::fmod(p.z() + 10.0 * hz, period) / period;
    const bool sternum = p.y() < 0.0 && std::abs(p.x()) < 0.15 * ax;
    if (rho >= 0.86 && rho <= 0.91 && phase < 0.4 && !sternum) return kBone;
    return rho >= 0.93 ? kFat : kSoftTissue;
  }
};

void grow_vessels(Anatomy& anatomy, Random& random, int lung, const Vec& start, const Vec& direction,
                  double length, double radius, int generations) {
  Segment s;
  s.a = start;
  s.b = start + direction.normalized() * length;
  s.radius = radius;
  s.low = s.a.cwiseMin(s.b).array() - radius;
  s.high = s.a.cwiseMax(s.b).array() + radius;
  s.lung = lung;
  anatomy.vessels.push_back(s);
  if (generations <= 1) return;
  for (int child = 0; child < 2; ++child) {
    // Each child turns by 20–40 degrees about a random axis perpendicular to its parent.
    Vec axis = direction.cross(Vec(random.normal(), random.normal(), random.normal()));
    if (axis.norm() < 1e-9) axis = direction.unitOrthogonal();
    const double angle = random.uniform(20.0, 40.0) * M_PI / 180.0;
    const Vec turned = Eigen::AngleAxisd(angle, axis.normalized()) * direction.normalized();
    grow_vessels(anatomy, random, lung, s.b, turned, length * 0.72, radius * 0.7, generations - 1);
  }
}

void check(const CtPhantomOptions& o) {
  MEDIMG_CHECK(o.shape.size() == 3 && o.spacing.size() == 3, ArgumentError,
               "make_ct_phantom: shape and spacing need 3 values (z, y, x), got ", o.shape.size(),
               " and ", o.spacing.size());
  for (int d = 0; d < 3; ++d) {
    MEDIMG_CHECK(o.shape[d] >= 16, ArgumentError, "make_ct_phantom: each shape value must be >= 16, got ",
                 o.shape[d]);
    MEDIMG_CHECK(o.spacing[d] > 0.0 && std::isfinite(o.spacing[d]), ArgumentError,
                 "make_ct_phantom: spacing must be > 0, got ", o.spacing[d]);
  }
  MEDIMG_CHECK(o.nodules >= 0, ArgumentError, "make_ct_phantom: nodules must be >= 0, got ", o.nodules);
  MEDIMG_CHECK(o.nodule_diameter.low > 0.0 && o.nodule_diameter.low <= o.nodule_diameter.high &&
                   o.nodule_diameter.high <= 40.0,
               ArgumentError, "make_ct_phantom: nodule_diameter must lie in (0, 40] mm with low <= high, got (",
               o.nodule_diameter.low, ", ", o.nodule_diameter.high, ")");
  MEDIMG_CHECK(o.noise_std >= 0.0 && o.blur >= 0.0, ArgumentError,
               "make_ct_phantom: noise_std and blur must be >= 0, got ", o.noise_std, " and ", o.blur);
  MEDIMG_CHECK(o.part_solid_fraction >= 0.0 && o.part_solid_fraction <= 1.0, ArgumentError,
               "make_ct_phantom: part_solid_fraction must be in [0, 1], got ", o.part_solid_fraction);
  MEDIMG_CHECK(o.vessel_generations >= 0 && o.vessel_generations <= 8, ArgumentError,
               "make_ct_phantom: vessel_generations must be in 0..8, got ", o.vessel_generations);
}

/// Draws nodule centres inside the lungs, clear of the lung surface and of each other.
std::vector<PhantomNodule> place_nodules(const Anatomy& anatomy, Random& random,
                                         const CtPhantomOptions& o) {
  std::vector<PhantomNodule> nodules;
  for (int k = 0; k < o.nodules; ++k) {
    PhantomNodule n;
    n.lung = 1 + k % 2;
    n.diameter = random.uniform(o.nodule_diameter.low, o.nodule_diameter.high);
    n.part_solid = random.chance(o.part_solid_fraction);
    const Ellipsoid& lung = anatomy.lungs[n.lung - 1];
    const double clearance = n.diameter / 2.0 + 4.0;
    const Ellipsoid inner{lung.centre, (lung.semi.array() - clearance).max(1.0).matrix()};
    bool placed = false;
    for (int attempt = 0; attempt < 1000 && !placed; ++attempt) {
      const Vec p(lung.centre.x() + random.uniform(-1.0, 1.0) * inner.semi.x(),
                  lung.centre.y() + random.uniform(-1.0, 1.0) * inner.semi.y(),
                  lung.centre.z() + random.uniform(-1.0, 1.0) * inner.semi.z());
      if (inner.level(p) > 1.0 || anatomy.lung_at(p) != n.lung) continue;
      if (anatomy.heart.level(p) <= 1.6) continue;  // keep clear of the heart
      const bool apart = std::all_of(nodules.begin(), nodules.end(), [&](const PhantomNodule& m) {
        return (m.centre - p).norm() > (m.diameter + n.diameter) / 2.0 + 5.0;
      });
      if (!apart) continue;
      n.centre = p;
      placed = true;
    }
    MEDIMG_CHECK(placed, ArgumentError,
                 "make_ct_phantom: no room for nodule ", k + 1, " of ", n.diameter,
                 " mm; use fewer or smaller nodules or a larger field of view");
    nodules.push_back(n);
  }
  return nodules;
}

}  // namespace

CtPhantom make_ct_phantom(const CtPhantomOptions& o) {
  check(o);
  Random random(o.seed);
  const std::int64_t nz = o.shape[0], ny = o.shape[1], nx = o.shape[2];
  const double fx = nx * o.spacing[2], fy = ny * o.spacing[1], fz = nz * o.spacing[0];
  Anatomy anatomy(0.45 * fx, 0.34 * fy, fz / 2.0);

  const Vec hila[2] = {Vec(-0.20 * anatomy.ax, 0.0, 0.05 * anatomy.hz),
                       Vec(0.22 * anatomy.ax, 0.0, 0.03 * anatomy.hz)};
  for (int l = 0; l < 2; ++l) {
    const double side = l == 0 ? -1.0 : 1.0;
    const Vec directions[3] = {Vec(side, 0.1, 0.9), Vec(side, 0.2, 0.0), Vec(side, 0.1, -0.9)};
    if (o.vessel_generations > 0) {
      for (const Vec& d : directions) {
        grow_vessels(anatomy, random, l + 1, hila[l], d, 0.30 * anatomy.ax, 0.03 * anatomy.ax,
                     o.vessel_generations);
      }
    }
  }
  std::vector<PhantomNodule> nodules = place_nodules(anatomy, random, o);

  Eigen::VectorXd spacing(3);
  spacing << o.spacing[0], o.spacing[1], o.spacing[2];
  const Vec origin(-(nx - 1) / 2.0 * o.spacing[2], -(ny - 1) / 2.0 * o.spacing[1],
                   -(nz - 1) / 2.0 * o.spacing[0]);
  const Geometry geometry(spacing, origin);
  for (auto& n : nodules) n.index = geometry.world_to_index(n.centre);

  at::Tensor ct = at::empty({1, nz, ny, nx}, at::kFloat);
  at::Tensor lungs = at::zeros({1, nz, ny, nx}, at::kByte);
  at::Tensor labels = at::zeros({1, nz, ny, nx}, at::kInt);
  const auto ct_v = view<float, 4>(ct);
  const auto lungs_v = view<std::uint8_t, 4>(lungs);
  const auto labels_v = view<std::int32_t, 4>(labels);
  parallel_for(0, nz, 1, [&](std::int64_t z0, std::int64_t z1) {
    for (std::int64_t k = z0; k < z1; ++k) {
      for (std::int64_t j = 0; j < ny; ++j) {
        for (std::int64_t i = 0; i < nx; ++i) {
          const Vec p = origin + Vec(i * o.spacing[2], j * o.spacing[1], k * o.spacing[0]);
          float hu = anatomy.background_at(p);
          const int lung = anatomy.lung_at(p);
          if (lung > 0 && hu != kAir) {  // the trachea is not lung; the chest wall is outside
            hu = kLung;
            lungs_v(0, k, j, i) = static_cast<std::uint8_t>(lung);
            for (const Segment& s : anatomy.vessels) {
              if (s.lung != lung || (p.array() < s.low.array()).any() ||
                  (p.array() > s.high.array()).any()) {
                continue;
              }
              if (distance_to_segment(p, s) <= s.radius) {
                hu = kBlood;
                break;
              }
            }
          }
          for (std::size_t n = 0; n < nodules.size(); ++n) {
            const double r = (p - nodules[n].centre).norm();
            const double radius = nodules[n].diameter / 2.0;
            if (r > radius) continue;
            hu = nodules[n].part_solid && r > 0.45 * radius ? kGroundGlass : kSolidNodule;
            labels_v(0, k, j, i) = static_cast<std::int32_t>(n + 1);
          }
          ct_v(0, k, j, i) = hu;
        }
      }
    }
  });

  // Partial volume: each voxel averages its box (variance spacing^2 / 12) seen through the
  // scanner's point spread; both together approximated by one Gaussian per axis.
  std::vector<double> sigma(3);
  for (int d = 0; d < 3; ++d) {
    sigma[d] = std::sqrt(o.blur * o.blur + o.spacing[d] * o.spacing[d] / 12.0) / o.spacing[d];
  }
  ct = gaussian_filter(ct, sigma);
  if (o.noise_std > 0.0) {
    at::Generator generator = at::detail::createCPUGenerator(random.spawn());
    ct += at::normal(0.0, o.noise_std, ct.sizes(), generator, at::TensorOptions(at::kFloat));
  }
  CtPhantom phantom;
  phantom.ct = Image(ct, geometry);
  phantom.lungs = Image(lungs, geometry);
  phantom.nodule_labels = Image(labels, geometry);
  phantom.nodules = std::move(nodules);
  return phantom;
}

}  // namespace medimg
