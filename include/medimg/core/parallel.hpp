#pragma once

/// One thread pool for medimg and LibTorch: ATen's intra-op pool.

#include <cstdint>
#include <functional>

#include "medimg/export.hpp"

namespace medimg {

/// Sets the size of the pool shared by medimg kernels and LibTorch ops (at::set_num_threads).
/// @throws ArgumentError when n < 1.
MEDIMG_API void set_num_threads(int n);

/// The pool size. Loading libmedimg sets it to the value of the environment variable
/// MEDIMG_NUM_THREADS when that is a positive integer, else to every core
/// (std::thread::hardware_concurrency()): Debian's LibTorch would otherwise start with one.
MEDIMG_API int get_num_threads();

/// The default get_num_threads() takes when the library loads (see above).
MEDIMG_API int default_num_threads();

/// Runs body(begin, end) over [begin, end) split into chunks of at least `grain` items on
/// the shared pool; runs inline when the range is smaller than `grain` or when called from
/// inside another parallel region. The first exception a chunk throws is rethrown here.
MEDIMG_API void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                             const std::function<void(std::int64_t, std::int64_t)>& body);

}  // namespace medimg
