#pragma once

/// The random source of every augmentation: one seed gives one result on every platform.
///
/// std::mt19937_64 is specified bit for bit by the C++ standard, but the std distributions
/// are not (libstdc++ and libc++ draw different numbers), so the draws are derived here.

#include <cstdint>
#include <random>

#include "medimg/export.hpp"

namespace medimg {

/// A closed interval [low, high] a parameter is drawn from, uniformly.
struct Range {
  double low = 0.0;
  double high = 0.0;
};

class MEDIMG_API Random {
 public:
  explicit Random(std::uint64_t seed = 0) : engine_(seed) {}

  /// Restarts the sequence.
  void seed(std::uint64_t seed) { engine_.seed(seed); }

  /// 64 random bits.
  std::uint64_t bits() { return engine_(); }

  /// Uniform in [low, high) (low when low == high).
  double uniform(double low, double high);

  /// Normal with the given mean and standard deviation (Box–Muller).
  double normal(double mean = 0.0, double std = 1.0);

  /// Uniform integer in [low, high], both included.
  std::int64_t integer(std::int64_t low, std::int64_t high);

  /// True with probability p.
  bool chance(double p) { return p >= 1.0 || (p > 0.0 && uniform(0.0, 1.0) < p); }

  /// A seed for an independent stream (per sample or per worker), drawn from this one.
  std::uint64_t spawn() { return bits(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace medimg
