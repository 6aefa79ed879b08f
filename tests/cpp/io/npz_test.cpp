#include "medimg/io/npz.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <complex>
#include <fstream>
#include <iterator>
#include <random>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace {

// tests/data/npz: fixtures written once by numpy (tests/data/npz/make_fixtures.py).
fs::path fixture(const std::string& name) {
  return fs::path(MEDIMG_DATA_DIR).parent_path() / "tests" / "data" / "npz" / name;
}

// The real MedMNIST file lies in ../shared beside the repository; the test fails without it.
fs::path pneumoniamnist() {
  const fs::path path = fs::path(MEDIMG_DATA_DIR).parent_path().parent_path() / "shared" /
                        "data" / "medmnist" / "pneumoniamnist.npz";
  INFO("the shared data folder must lie beside the repository: " << path);
  REQUIRE(fs::is_regular_file(path));
  return path;
}

std::string bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// The arrays of make_fixtures.py's dtype_arrays(), rebuilt with ATen.
void check_dtype_arrays(const fs::path& path) {
  const medimg::NpzFile npz(path);
  CHECK(npz.names() == std::vector<std::string>{"bool", "int8", "uint8", "int16", "uint16",
                                                 "int32_be", "uint32", "int64", "float16",
                                                 "float32_fortran", "float64_be", "complex64",
                                                 "scalar", "empty"});
  CHECK(npz.read("bool").equal(at::arange(6).reshape({2, 3}).remainder(2).eq(0)));
  CHECK(npz.read("int8").equal(at::arange(-12, 12, at::kChar).reshape({2, 3, 4})));
  CHECK(npz.read("uint8").equal(at::arange(200, 224, at::kByte).reshape({4, 6})));
  CHECK(npz.read("int16").equal(at::arange(10, at::kShort).mul(-1000)));
  CHECK(npz.read("uint16").equal(at::tensor({0, 1, 40000, 65535}, at::kInt)));
  CHECK(npz.read("int32_be").equal(at::arange(6, at::kInt).reshape({2, 3}).mul(100000)));
  const std::vector<std::int64_t> uint32_values{0, 4000000000, 1};
  CHECK(npz.read("uint32").equal(at::tensor(uint32_values, at::kLong)));
  const std::int64_t tera = 1000000000000;
  CHECK(npz.read("int64").equal(at::arange(5, at::kLong).mul(tera).sub(2 * tera)));
  CHECK(npz.read("float16").equal(at::arange(4, at::kHalf).div(2)));
  const at::Tensor fortran = npz.read("float32_fortran");
  CHECK(fortran.is_contiguous());
  CHECK(fortran.equal(at::arange(12, at::kFloat).reshape({3, 4}).div(4)));
  CHECK(npz.read("float64_be").equal(at::arange(5, at::kDouble).div(8)));
  const at::Tensor complex = npz.read("complex64");
  CHECK(complex.scalar_type() == at::kComplexFloat);
  CHECK(complex[0].item<c10::complex<float>>() == c10::complex<float>(1, 2));
  CHECK(complex[1].item<c10::complex<float>>() == c10::complex<float>(0, -3.5));
  const at::Tensor scalar = npz.read("scalar.npy");
  CHECK(scalar.dim() == 0);
  CHECK(scalar.item<double>() == 7.5);
  CHECK(npz.read("empty").sizes() == at::IntArrayRef{0, 3});
  CHECK(npz.read("empty").scalar_type() == at::kFloat);
}

}  // namespace

TEST_CASE("numpy.savez archives read with every supported dtype, byte order and layout", "[npz]") {
  check_dtype_arrays(fixture("dtypes.npz"));
}

TEST_CASE("numpy.savez_compressed archives read the same arrays", "[npz]") {
  check_dtype_arrays(fixture("dtypes_compressed.npz"));
}

TEST_CASE("list_npz and read_npz give the names and arrays in archive order", "[npz]") {
  const auto names = medimg::list_npz(fixture("medmnist_rgb.npz"));
  CHECK(names == std::vector<std::string>{"train_images", "train_labels", "val_images",
                                           "val_labels", "test_images", "test_labels"});
  const auto arrays = medimg::read_npz(fixture("medmnist_rgb.npz"));
  REQUIRE(arrays.size() == 6);
  CHECK(arrays[1].first == "train_labels");
  CHECK(arrays[1].second.equal(at::arange(3, at::kByte).reshape({3, 1})));
}

TEST_CASE("read_medmnist makes RGB images channel first and labels int64", "[npz]") {
  const medimg::MedMnistSplit val = medimg::read_medmnist(fixture("medmnist_rgb.npz"), "val");
  const at::Tensor stored = at::arange(2 * 4 * 5 * 3, at::kLong).remainder(256).to(at::kByte)
                                .reshape({2, 4, 5, 3});
  CHECK(val.images.sizes() == at::IntArrayRef{2, 3, 4, 5});
  CHECK(val.images.is_contiguous());
  CHECK(val.images.equal(stored.permute({0, 3, 1, 2})));
  CHECK(val.labels.scalar_type() == at::kLong);
  CHECK(val.labels.equal(at::arange(2, at::kLong).reshape({2, 1})));
}

TEST_CASE("the real PneumoniaMNIST file reads with its published split sizes and sums", "[npz]") {
  const fs::path path = pneumoniamnist();
  struct Expected {
    const char* split;
    std::int64_t n, pixel_sum, pneumonia;
  };
  // Sums and counts from numpy.load of the same file (MANIFEST.md gives the class counts).
  for (const Expected& e : {Expected{"train", 3882, 447494718, 3494},
                            Expected{"val", 524, 59624090, 389},
                            Expected{"test", 624, 70355184, 390}}) {
    INFO(e.split);
    const medimg::MedMnistSplit split = medimg::read_medmnist(path, e.split);
    CHECK(split.images.sizes() == at::IntArrayRef{e.n, 1, 28, 28});
    CHECK(split.images.scalar_type() == at::kByte);
    CHECK(split.images.sum(at::kLong).item<std::int64_t>() == e.pixel_sum);
    CHECK(split.labels.sizes() == at::IntArrayRef{e.n, 1});
    CHECK(split.labels.sum().item<std::int64_t>() == e.pneumonia);
  }
}

TEST_CASE("read_medmnist names the keys it found when a split is missing", "[npz]") {
  CHECK_THROWS_AS(medimg::read_medmnist(fixture("dtypes.npz"), "train"), medimg::FormatError);
  CHECK_THROWS_WITH(medimg::read_medmnist(fixture("dtypes.npz"), "train"),
                    Catch::Contains("expected keys train_images and train_labels") &&
                        Catch::Contains("found bool, int8"));
  CHECK_THROWS_AS(medimg::read_medmnist(fixture("medmnist_rgb.npz"), "validation"),
                  medimg::ArgumentError);
}

TEST_CASE("a missing npz file is an IoError naming the path", "[npz]") {
  medimg::test::ScratchDir dir("npz-missing");
  CHECK_THROWS_AS(medimg::NpzFile(dir / "missing.npz"), medimg::IoError);
  CHECK_THROWS_WITH(medimg::NpzFile(dir / "missing.npz"),
                    Catch::Contains("missing.npz") && Catch::Contains("no such file"));
  CHECK_THROWS_AS(medimg::list_npz(dir.path()), medimg::IoError);
}

TEST_CASE("a file that is not a zip archive is a FormatError", "[npz]") {
  medimg::test::ScratchDir dir("npz-notzip");
  write_bytes(dir / "text.npz", "this is not a zip archive at all");
  CHECK_THROWS_AS(medimg::NpzFile(dir / "text.npz"), medimg::FormatError);
  CHECK_THROWS_WITH(medimg::NpzFile(dir / "text.npz"), Catch::Contains("not a zip archive"));
  write_bytes(dir / "tiny.npz", "PK");
  CHECK_THROWS_AS(medimg::NpzFile(dir / "tiny.npz"), medimg::FormatError);
}

TEST_CASE("a truncated archive is a FormatError", "[npz]") {
  medimg::test::ScratchDir dir("npz-truncated");
  const std::string bytes = bytes_of(fixture("dtypes_compressed.npz"));
  write_bytes(dir / "half.npz", bytes.substr(0, bytes.size() / 2));
  CHECK_THROWS_AS(medimg::NpzFile(dir / "half.npz"), medimg::FormatError);
}

TEST_CASE("a truncated member is a FormatError, even with an intact directory", "[npz]") {
  medimg::test::ScratchDir dir("npz-member");
  // Halve the compressed size the central directory gives the first member: its deflate
  // stream then runs out of input before the declared size is out.
  std::string bytes = bytes_of(fixture("medmnist_rgb.npz"));
  const std::size_t entry = bytes.find(std::string("PK\x01\x02", 4));
  REQUIRE(entry != std::string::npos);
  auto* size = reinterpret_cast<unsigned char*>(&bytes[entry + 20]);
  const unsigned compressed = size[0] | size[1] << 8;
  size[0] = static_cast<unsigned char>(compressed / 2);
  size[1] = static_cast<unsigned char>((compressed / 2) >> 8);
  write_bytes(dir / "cut.npz", bytes);
  const medimg::NpzFile npz(dir / "cut.npz");
  CHECK_THROWS_AS(npz.read("train_images"), medimg::FormatError);
  CHECK_THROWS_WITH(npz.read("train_images"), Catch::Contains("member 'train_images.npy'") &&
                                                  Catch::Contains("truncated deflate stream"));
  CHECK(npz.read("val_labels").equal(at::arange(2, at::kByte).reshape({2, 1})));
}

TEST_CASE("a CRC mismatch in a stored member is a FormatError", "[npz]") {
  medimg::test::ScratchDir dir("npz-crc");
  std::string bytes = bytes_of(fixture("dtypes.npz"));
  // The last data byte of the first member ("bool.npy", 128-byte header + 6 bytes).
  const std::size_t data = 30 + std::string("bool.npy").size() + 20 + 128;
  REQUIRE(bytes[data + 5] == 0);  // bool[1][2] is False
  bytes[data + 5] = 1;
  write_bytes(dir / "crc.npz", bytes);
  CHECK_THROWS_WITH(medimg::NpzFile(dir / "crc.npz").read("bool"),
                    Catch::Contains("CRC-32 mismatch"));
}

TEST_CASE("an .npy header claiming more bytes than its member holds fails before allocating",
          "[npz]") {
  medimg::test::ScratchDir dir("npz-huge");
  std::string bytes = bytes_of(fixture("dtypes.npz"));
  // bool.npy's shape (2, 3) becomes (2000000, 3000000) in place of spaces of the padding:
  // 6e12 elements, far more than the member holds.
  const std::string shape = "'shape': (2, 3), }";
  const std::size_t at = bytes.find(shape);
  REQUIRE(at != std::string::npos);
  bytes.replace(at, shape.size() + 12, "'shape': (2000000, 3000000), }");
  write_bytes(dir / "huge.npz", bytes);
  CHECK_THROWS_AS(medimg::NpzFile(dir / "huge.npz").read("bool"), medimg::FormatError);
  CHECK_THROWS_WITH(medimg::NpzFile(dir / "huge.npz").read("bool"),
                    Catch::Contains("claims shape (2000000, 3000000)") &&
                        Catch::Contains("6000000000000 bytes"));
}

TEST_CASE("an unknown dtype is Unsupported, an unknown member an ArgumentError", "[npz]") {
  medimg::test::ScratchDir dir("npz-dtype");
  std::string bytes = bytes_of(fixture("dtypes.npz"));
  const std::size_t at = bytes.find("'descr': '<i2'");
  REQUIRE(at != std::string::npos);
  bytes.replace(at, 14, "'descr': '<U2'");  // a string dtype, same length
  write_bytes(dir / "strings.npz", bytes);
  CHECK_THROWS_AS(medimg::NpzFile(dir / "strings.npz").read("int16"), medimg::Unsupported);
  CHECK_THROWS_WITH(medimg::NpzFile(dir / "strings.npz").read("int16"), Catch::Contains("'<U2'"));
  CHECK_THROWS_AS(medimg::NpzFile(fixture("dtypes.npz")).read("nope"), medimg::ArgumentError);
  CHECK_THROWS_WITH(medimg::NpzFile(fixture("dtypes.npz")).read("nope"),
                    Catch::Contains("no array 'nope'") && Catch::Contains("holds bool, int8"));
}

TEST_CASE("truncated and bit-flipped archives never crash: medimg errors or the right arrays",
          "[npz]") {
  medimg::test::ScratchDir dir("npz-fuzz");
  for (const char* name : {"dtypes.npz", "dtypes_compressed.npz", "medmnist_rgb.npz"}) {
    const std::string good = bytes_of(fixture(name));
    const auto reference = medimg::read_npz(fixture(name));
    std::mt19937 random(42);
    std::uniform_int_distribution<std::size_t> position(0, good.size() - 1);
    std::uniform_int_distribution<int> bit(0, 7);
    for (int trial = 0; trial < 400; ++trial) {
      std::string bytes = good;
      if (trial < 100) {
        bytes.resize(good.size() * static_cast<std::size_t>(trial) / 100);
      } else {
        for (int flips = 1 + trial % 3; flips > 0; --flips) {
          bytes[position(random)] ^= static_cast<char>(1 << bit(random));
        }
      }
      write_bytes(dir / "fuzz.npz", bytes);
      INFO(name << ", trial " << trial);
      try {
        const auto arrays = medimg::read_npz(dir / "fuzz.npz");
        // Read without error: the CRC guarantees the very same values (names may differ).
        REQUIRE(arrays.size() == reference.size());
        for (std::size_t k = 0; k < arrays.size(); ++k) {
          CHECK(arrays[k].second.equal(reference[k].second));
        }
      } catch (const medimg::Error&) {
        // Expected for most corruptions.
      }
    }
  }
}
