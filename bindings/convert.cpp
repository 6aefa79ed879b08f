#include "common.hpp"

#include "medimg/core/error.hpp"

namespace medimg::python {

at::Tensor tensor_from_python(const py::handle& data) {
  const py::module_ torch = py::module_::import("torch");
  if (py::isinstance(data, torch.attr("Tensor"))) return py::cast<at::Tensor>(data);
  const py::module_ numpy = py::module_::import("numpy");
  py::object array = numpy.attr("asarray")(data);
  const std::string kind = py::str(array.attr("dtype").attr("name"));
  if (kind == "uint16") {
    array = array.attr("astype")("int32");
  } else if (kind == "uint32") {
    array = array.attr("astype")("int64");
  } else if (kind == "object" || kind.rfind("str", 0) == 0 || kind.rfind("bytes", 0) == 0) {
    throw ArgumentError("expected numeric voxels, got a numpy array of dtype " + kind);
  } else if (!array.attr("flags").attr("writeable").cast<bool>()) {
    array = array.attr("copy")();
  }
  return py::cast<at::Tensor>(torch.attr("from_numpy")(array));
}

py::object torch_dtype(const py::handle& dtype) {
  const py::module_ torch = py::module_::import("torch");
  if (py::isinstance(dtype, torch.attr("dtype"))) return py::reinterpret_borrow<py::object>(dtype);
  const py::module_ numpy = py::module_::import("numpy");
  // The dtype torch.from_numpy gives an empty array of that numpy dtype.
  return torch.attr("from_numpy")(numpy.attr("empty")(0, dtype)).attr("dtype");
}

}  // namespace medimg::python
