// cv::warpAffine (INTER_LINEAR, BORDER_CONSTANT) on a raw float32 image, best of N runs: the
// OpenCV side of spatial_bench.py where Python's cv2 is not installed. spatial_bench.py
// compiles it with g++ against the system OpenCV (core + imgproc) and runs it on its own
// data, so both sides warp the same pixels with the same matrix and thread count.
//
//   opencv_warp_affine IN.f32 ROWS COLS M00 M01 M02 M10 M11 M12 THREADS REPEAT OUT.f32
//
// Prints the best wall time in milliseconds and writes the last result to OUT.f32.
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

int main(int argc, char** argv) {
  if (argc != 13) {
    std::fprintf(stderr, "usage: %s IN.f32 ROWS COLS M00 M01 M02 M10 M11 M12 THREADS REPEAT OUT.f32\n",
                 argv[0]);
    return 2;
  }
  const int rows = std::atoi(argv[2]), cols = std::atoi(argv[3]);
  cv::Mat source(rows, cols, CV_32F);
  std::ifstream in(argv[1], std::ios::binary);
  in.read(reinterpret_cast<char*>(source.data), static_cast<std::streamsize>(source.total() * 4));
  if (!in) {
    std::fprintf(stderr, "cannot read %d x %d float32 values from %s\n", rows, cols, argv[1]);
    return 1;
  }
  cv::Mat matrix(2, 3, CV_64F);
  for (int i = 0; i < 6; ++i) matrix.at<double>(i / 3, i % 3) = std::atof(argv[4 + i]);
  cv::setNumThreads(std::atoi(argv[10]));
  const int repeat = std::atoi(argv[11]);
  cv::Mat out;
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    cv::warpAffine(source, out, matrix, source.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  std::ofstream(argv[12], std::ios::binary)
      .write(reinterpret_cast<const char*>(out.data), static_cast<std::streamsize>(out.total() * 4));
  std::printf("%.6f\n", best);
  return 0;
}
