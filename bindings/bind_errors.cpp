// medimg's C++ exceptions as Python classes that also derive from the matching built-in:
// IoError is an OSError, ArgumentError and ShapeError are ValueErrors.
#include "common.hpp"

#include "medimg/core/error.hpp"

namespace medimg::python {
namespace {

PyObject* new_exception(py::module_& m, const char* name, const char* doc, PyObject* bases) {
  const std::string qualified = std::string("medimg.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, nullptr);
  Py_DECREF(bases);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(type));
  return type;
}

PyObject* bases(PyObject* a, PyObject* b = nullptr) {
  return b == nullptr ? PyTuple_Pack(1, a) : PyTuple_Pack(2, a, b);
}

}  // namespace

void bind_errors(py::module_& m) {
  // Leaked on purpose: the translator below needs them for the life of the interpreter.
  static PyObject* error = new_exception(m, "Error", "Root of every medimg error.",
                                         bases(PyExc_Exception));
  static PyObject* argument_error = new_exception(
      m, "ArgumentError", "A bad argument value.", bases(error, PyExc_ValueError));
  static PyObject* shape_error = new_exception(
      m, "ShapeError", "A wrong rank, size or shape.", bases(error, PyExc_ValueError));
  static PyObject* unsupported = new_exception(
      m, "Unsupported", "Valid input that medimg does not handle.", bases(error));
  static PyObject* io_error = new_exception(
      m, "IoError", "A file could not be opened, read or written.", bases(error, PyExc_OSError));
  static PyObject* format_error = new_exception(
      m, "FormatError", "A file whose content is malformed.", bases(io_error));

  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const IoError& e) {
      // OSError(message) with .path set. Not .filename: OSError would then print itself
      // as "[Errno None] None: 'path'" instead of the message.
      PyObject* type = dynamic_cast<const FormatError*>(&e) ? format_error : io_error;
      py::object instance = py::reinterpret_borrow<py::object>(type)(e.what());
      instance.attr("path") = py::str(e.path().string());
      PyErr_SetObject(type, instance.ptr());
    } catch (const ArgumentError& e) {
      PyErr_SetString(argument_error, e.what());
    } catch (const ShapeError& e) {
      PyErr_SetString(shape_error, e.what());
    } catch (const Unsupported& e) {
      PyErr_SetString(unsupported, e.what());
    } catch (const Error& e) {
      PyErr_SetString(error, e.what());
    }
  });
}

}  // namespace medimg::python
