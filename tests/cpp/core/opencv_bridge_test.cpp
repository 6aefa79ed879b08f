#include "medimg/core/opencv_bridge.hpp"

#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <opencv2/core.hpp>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

TEST_CASE("mat_view shares memory with a one-channel image") {
  medimg::Image image(medimg::test::ramp({1, 3, 4}));
  cv::Mat mat = medimg::mat_view(image);
  CHECK(mat.type() == CV_32FC1);
  CHECK(mat.rows == 3);
  CHECK(mat.cols == 4);
  CHECK(mat.at<float>(2, 1) == 9.0f);
  mat.at<float>(1, 1) = -1.0f;  // write through the Mat, read through the tensor
  CHECK(image.tensor()[0][1][1].item<float>() == -1.0f);
  image.tensor()[0][0][3] = 100.0f;  // and the other way
  CHECK(mat.at<float>(0, 3) == 100.0f);
}

TEST_CASE("image_from_mat shares the Mat's buffer and keeps it alive") {
  medimg::Image image;
  unsigned char* buffer = nullptr;
  {
    cv::Mat bgr(2, 3, CV_8UC3, cv::Scalar(10, 20, 30));
    buffer = bgr.data;
    image = medimg::image_from_mat(bgr);
  }  // the Mat is gone; the tensor still holds its buffer
  CHECK(image.tensor().sizes() == at::IntArrayRef{3, 2, 3});
  CHECK(image.tensor().data_ptr() == buffer);
  CHECK(image.tensor()[0][1][2].item<int>() == 10);
  CHECK(image.tensor()[2][0][0].item<int>() == 30);
  // Channels-last strides make the reverse view zero-copy too.
  cv::Mat again = medimg::mat_view(image);
  CHECK(again.data == buffer);
  CHECK(again.type() == CV_8UC3);
}

TEST_CASE("a sub-Mat (ROI) keeps its row stride") {
  cv::Mat full(4, 5, CV_16SC1);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 5; ++c) full.at<short>(r, c) = static_cast<short>(r * 10 + c);
  const medimg::Image roi = medimg::image_from_mat(full(cv::Rect(1, 1, 3, 2)));
  CHECK(roi.tensor().sizes() == at::IntArrayRef{1, 2, 3});
  CHECK(roi.tensor()[0][1][2].item<int>() == 23);
}

TEST_CASE("16-bit unsigned Mats are widened to int32") {
  cv::Mat mat(1, 2, CV_16UC1);
  mat.at<unsigned short>(0, 1) = 65535;
  const medimg::Image image = medimg::image_from_mat(mat);
  CHECK(image.dtype() == at::kInt);
  CHECK(image.tensor()[0][0][1].item<int>() == 65535);
}

TEST_CASE("layouts and dtypes a Mat cannot view are refused") {
  CHECK_THROWS_AS(medimg::mat_view(medimg::Image(medimg::test::ramp({1, 2, 3, 4}))),
                  medimg::ShapeError);
  CHECK_THROWS_WITH(medimg::mat_view(medimg::Image(medimg::test::ramp({3, 4, 5}))),
                    Catch::Contains("channels-last"));
  CHECK_THROWS_AS(medimg::mat_view(medimg::Image(at::zeros({1, 2, 2}, at::kLong))),
                  medimg::Unsupported);
  CHECK_THROWS_AS(medimg::image_from_mat(cv::Mat()), medimg::ShapeError);
}
