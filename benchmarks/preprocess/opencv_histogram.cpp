// cv::equalizeHist and cv::createCLAHE()->apply on a raw uint8 image, best of N runs each:
// the OpenCV side of intensity_bench.py where Python's cv2 is not installed.
// intensity_bench.py compiles it with g++ against the system OpenCV (core + imgproc) and
// runs it on its own pixels with the same thread count.
//
//   opencv_histogram IN.u8 ROWS COLS CLIP TILES_X TILES_Y THREADS REPEAT OUT_CLAHE.u8
//
// Prints "equalizeHist_ms clahe_ms" and writes the last CLAHE result to OUT_CLAHE.u8.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

template <typename F>
double best_ms(int repeat, F&& run) {
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    run();
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  return best;
}

int main(int argc, char** argv) {
  if (argc != 10) {
    std::fprintf(stderr,
                 "usage: %s IN.u8 ROWS COLS CLIP TILES_X TILES_Y THREADS REPEAT OUT_CLAHE.u8\n",
                 argv[0]);
    return 2;
  }
  const int rows = std::atoi(argv[2]), cols = std::atoi(argv[3]);
  cv::Mat source(rows, cols, CV_8U);
  std::ifstream in(argv[1], std::ios::binary);
  in.read(reinterpret_cast<char*>(source.data), static_cast<std::streamsize>(source.total()));
  if (!in) {
    std::fprintf(stderr, "cannot read %d x %d uint8 values from %s\n", rows, cols, argv[1]);
    return 1;
  }
  cv::setNumThreads(std::atoi(argv[7]));
  const int repeat = std::atoi(argv[8]);
  cv::Mat equalized, clahe_out;
  const double t_equalize = best_ms(repeat, [&] { cv::equalizeHist(source, equalized); });
  const auto clahe =
      cv::createCLAHE(std::atof(argv[4]), cv::Size(std::atoi(argv[5]), std::atoi(argv[6])));
  const double t_clahe = best_ms(repeat, [&] { clahe->apply(source, clahe_out); });
  std::ofstream out(argv[9], std::ios::binary);
  out.write(reinterpret_cast<const char*>(clahe_out.data),
            static_cast<std::streamsize>(clahe_out.total()));
  std::printf("%.6f %.6f\n", t_equalize, t_clahe);
  return out ? 0 : 1;
}
