#include "common.hpp"

#include <string>

#include <pybind11/numpy.h>

#include "medimg/core/error.hpp"

namespace medimg::python {

namespace {

// torch.Tensor, torch.from_numpy and numpy.asarray, looked up once by init_conversions (at
// import, single-threaded). Leaked on purpose: destroying them after the interpreter has
// finalised would crash.
struct Conversions {
  py::object tensor_type, from_numpy, asarray;
};
const Conversions* conversions = nullptr;

}  // namespace

void init_conversions() {
  conversions = new Conversions{py::module_::import("torch").attr("Tensor"),
                                py::module_::import("torch").attr("from_numpy"),
                                py::module_::import("numpy").attr("asarray")};
}

at::Tensor tensor_from_python(const py::handle& data) {
  if (py::isinstance(data, conversions->tensor_type)) return py::cast<at::Tensor>(data);
  // numpy's C-level checks (not attribute lookups): this conversion is on every call of a
  // function given an array, which for a small image can cost more than its computation.
  py::array array = py::isinstance<py::array>(data)
                        ? py::reinterpret_borrow<py::array>(data)
                        : py::array(conversions->asarray(data));
  const char kind = array.dtype().kind();
  if (kind == 'u' && array.itemsize() == 2) {
    array = array.attr("astype")("int32");
  } else if (kind == 'u' && array.itemsize() == 4) {
    array = array.attr("astype")("int64");
  } else if (kind == 'O' || kind == 'U' || kind == 'S') {
    throw ArgumentError("expected numeric voxels, got a numpy array of dtype " +
                        std::string(py::str(array.dtype().attr("name"))));
  } else if (!array.writeable()) {
    array = array.attr("copy")();
  }
  return py::cast<at::Tensor>(conversions->from_numpy(array));
}

py::object torch_dtype(const py::handle& dtype) {
  const py::module_ torch = py::module_::import("torch");
  if (py::isinstance(dtype, torch.attr("dtype"))) return py::reinterpret_borrow<py::object>(dtype);
  const py::module_ numpy = py::module_::import("numpy");
  // The dtype torch.from_numpy gives an empty array of that numpy dtype.
  return torch.attr("from_numpy")(numpy.attr("empty")(0, dtype)).attr("dtype");
}

}  // namespace medimg::python
