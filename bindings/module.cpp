// The one PYBIND11_MODULE of medimg; each area binds itself in bindings/bind_<area>.cpp.
#include "common.hpp"
#include "medimg/version.hpp"

PYBIND11_MODULE(_medimg, m) {
  m.doc() = "medimg's compiled core; import medimg instead.";
  m.attr("__version__") = medimg::kVersion;
  medimg::python::init_conversions();
  medimg::python::bind_errors(m);
  medimg::python::bind_core(m);
  medimg::python::bind_core_malloc(m);
  medimg::python::bind_io(m);
  medimg::python::bind_io_dicom_series(m);
  medimg::python::bind_io_npz(m);
  medimg::python::bind_io_nifti(m);
  medimg::python::bind_metrics(m);
  medimg::python::bind_metrics_surfel(m);
  medimg::python::bind_metrics_detection(m);
  medimg::python::bind_metrics_classification(m);
  medimg::python::bind_preprocess_spatial(m);
  medimg::python::bind_preprocess_intensity(m);
  medimg::python::bind_preprocess_filter(m);
  medimg::python::bind_preprocess_fundus(m);
  medimg::python::bind_augment(m);
  medimg::python::bind_phantoms(m);
  medimg::python::bind_phantoms_fundus(m);
  medimg::python::bind_io_lidc(m);
  medimg::python::bind_io_graded_folder(m);
  medimg::python::bind_nn(m);
  medimg::python::bind_nn_losses(m);
  medimg::python::bind_nn_gradcam(m);
  medimg::python::bind_nn_ordinal(m);
  medimg::python::bind_classic_cascade(m);
  medimg::python::bind_classic(m);
  medimg::python::bind_classic_lung(m);
  medimg::python::bind_train(m);
  medimg::python::bind_train_data(m);
  medimg::python::bind_train_inference(m);
  medimg::python::bind_train_export(m);
  medimg::python::bind_train_trainer(m);
  medimg::python::bind_pipelines(m);
}
