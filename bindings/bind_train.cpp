// Learning-rate schedules (train/scheduler). python/medimg/train/_scheduler.py applies them
// to torch.optim optimisers.
#include "common.hpp"

#include "medimg/train/scheduler.hpp"

namespace medimg::python {

void bind_train(py::module_& m) {
  using train::Scheduler;
  py::class_<Scheduler>(m, "_Scheduler")
      .def("step", &Scheduler::step, py::arg("metric") = py::none())
      .def_property_readonly("learning_rates", &Scheduler::learning_rates)
      .def_property_readonly("base_learning_rates", &Scheduler::base_learning_rates)
      .def_property_readonly("epoch", &Scheduler::epoch)
      .def("state", &Scheduler::state)
      .def("load_state", &Scheduler::load_state, py::arg("state"));
  py::class_<train::StepLR, Scheduler>(m, "_StepLR")
      .def(py::init<std::vector<double>, std::int64_t, double>(), py::arg("base_lrs"),
           py::arg("step_size"), py::arg("gamma"));
  py::class_<train::PolyLR, Scheduler>(m, "_PolyLR")
      .def(py::init<std::vector<double>, std::int64_t, double>(), py::arg("base_lrs"),
           py::arg("total_epochs"), py::arg("power"));
  py::class_<train::CosineWarmupLR, Scheduler>(m, "_CosineWarmupLR")
      .def(py::init<std::vector<double>, std::int64_t, std::int64_t, double, double>(),
           py::arg("base_lrs"), py::arg("total_epochs"), py::arg("warmup_epochs"),
           py::arg("start_factor"), py::arg("min_lr"));
  py::class_<train::ReduceLROnPlateau, Scheduler>(m, "_ReduceLROnPlateau")
      .def(py::init([](std::vector<double> base_lrs, std::string mode, double factor,
                       std::int64_t patience, double threshold, std::string threshold_mode,
                       std::int64_t cooldown, std::vector<double> min_lr, double eps) {
             train::ReduceLROnPlateauOptions o;
             o.mode = std::move(mode);
             o.factor = factor;
             o.patience = patience;
             o.threshold = threshold;
             o.threshold_mode = std::move(threshold_mode);
             o.cooldown = cooldown;
             o.min_lr = std::move(min_lr);
             o.eps = eps;
             return train::ReduceLROnPlateau(std::move(base_lrs), o);
           }),
           py::arg("base_lrs"), py::arg("mode"), py::arg("factor"), py::arg("patience"),
           py::arg("threshold"), py::arg("threshold_mode"), py::arg("cooldown"),
           py::arg("min_lr"), py::arg("eps"))
      .def_property_readonly("best", &train::ReduceLROnPlateau::best)
      .def_property_readonly("bad_epochs", &train::ReduceLROnPlateau::bad_epochs);
}

}  // namespace medimg::python
