#pragma once

// Shared by every bindings/*.cpp: the torch casters (at::Tensor <-> torch.Tensor, zero-copy)
// and the opaque Metadata map, which must be declared before any use of its type.

#include <torch/csrc/utils/pybind.h>

#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/stl.h>
#include <pybind11/stl_bind.h>

#include "medimg/core/metadata.hpp"

PYBIND11_MAKE_OPAQUE(medimg::Metadata)

namespace medimg::python {

namespace py = pybind11;

void bind_errors(py::module_& m);
void bind_core(py::module_& m);
void bind_core_malloc(py::module_& m);
void bind_io(py::module_& m);
void bind_io_dicom_series(py::module_& m);
void bind_io_npz(py::module_& m);
void bind_io_nifti(py::module_& m);
void bind_metrics(py::module_& m);
void bind_augment(py::module_& m);
void bind_phantoms(py::module_& m);
void bind_phantoms_fundus(py::module_& m);
void bind_io_lidc(py::module_& m);
void bind_preprocess_filter(py::module_& m);
void bind_preprocess_fundus(py::module_& m);
void bind_io_graded_folder(py::module_& m);
void bind_metrics_surfel(py::module_& m);
void bind_metrics_detection(py::module_& m);
void bind_metrics_classification(py::module_& m);
void bind_preprocess_spatial(py::module_& m);
void bind_preprocess_intensity(py::module_& m);
void bind_nn(py::module_& m);
void bind_nn_losses(py::module_& m);
void bind_nn_gradcam(py::module_& m);
void bind_nn_ordinal(py::module_& m);
void bind_classic_cascade(py::module_& m);
void bind_classic(py::module_& m);
void bind_classic_lung(py::module_& m);
void bind_train(py::module_& m);
void bind_train_data(py::module_& m);
void bind_train_inference(py::module_& m);
void bind_train_export(py::module_& m);
void bind_train_trainer(py::module_& m);
void bind_pipelines(py::module_& m);

/// Looks up what tensor_from_python needs; once, when the module is imported.
void init_conversions();

/// A tensor sharing memory with `data`: a torch.Tensor as is, anything numpy accepts through
/// torch.from_numpy. uint16/uint32 arrays (no LibTorch dtype) are widened to int32/int64
/// copies, and read-only arrays are copied, since a tensor is always writable.
at::Tensor tensor_from_python(const py::handle& data);

/// A torch.dtype from a torch.dtype, a numpy dtype or a dtype name ("float32").
py::object torch_dtype(const py::handle& dtype);

}  // namespace medimg::python
