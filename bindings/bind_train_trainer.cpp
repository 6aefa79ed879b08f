// The trainer (train/trainer.hpp). python/medimg/train/_trainer.py is the public layer.
#include "common.hpp"

#include <pybind11/functional.h>
#include <pybind11/stl/filesystem.h>

#include <memory>

#include "medimg/core/error.hpp"
#include "medimg/nn/network.hpp"
#include "medimg/train/dataset.hpp"
#include "medimg/train/loader.hpp"
#include "medimg/train/trainer.hpp"

namespace medimg::python {

py::object network_module_object(const std::shared_ptr<torch::nn::Module>& module);
nn::Network network_of(const py::handle& module);

namespace {

using Release = py::call_guard<py::gil_scoped_release>;

py::dict record_dict(const train::EpochRecord& record) {
  py::dict d;
  d["epoch"] = record.epoch;
  d["train_loss"] = record.train_loss;
  d["lr"] = record.learning_rates;
  d["seconds"] = record.seconds;
  d["best"] = record.best;
  for (const auto& [name, value] : record.metrics) d[py::str(name)] = value;
  return d;
}

py::list history_list(const std::vector<train::EpochRecord>& history) {
  py::list out;
  for (const auto& record : history) out.append(record_dict(record));
  return out;
}

// Python callables called from the training loop: each call takes the GIL, which fit()
// releases while it runs.
train::TrainerCallbacks callbacks_of(py::object on_epoch_end, py::object on_step,
                                     py::object progress) {
  train::TrainerCallbacks callbacks;
  if (!on_epoch_end.is_none()) {
    callbacks.on_epoch_end = [on_epoch_end](const train::EpochRecord& record) {
      py::gil_scoped_acquire gil;
      on_epoch_end(record_dict(record));
    };
  }
  if (!on_step.is_none()) {
    callbacks.on_step = [on_step](std::int64_t epoch, std::int64_t step, double loss) {
      py::gil_scoped_acquire gil;
      on_step(epoch, step, loss);
    };
  }
  if (!progress.is_none()) {
    callbacks.progress = [progress](const Progress& p) {
      py::gil_scoped_acquire gil;
      progress(p.stage, p.done, p.total);
    };
  }
  return callbacks;
}

// A configured run and its trainer, kept together so the datasets outlive the trainer.
struct TrainingSession {
  train::TrainingRun run;
  std::unique_ptr<train::Trainer> trainer;
};

}  // namespace

void bind_train_trainer(py::module_& m) {
  m.def("_read_training_config", &train::read_training_config, py::arg("path"));
  m.def("_apply_config_overrides", &train::apply_config_overrides, py::arg("config_json"),
        py::arg("assignments"));

  py::class_<TrainingSession>(m, "_TrainingSession")
      .def(py::init([](const std::string& config_json, py::object network, py::object on_epoch_end,
                       py::object on_step, py::object progress) {
             auto session = std::make_unique<TrainingSession>();
             {
               py::gil_scoped_release release;
               session->run = train::build_training_run(config_json);
             }
             if (!network.is_none()) session->run.network = network_of(network);
             MEDIMG_CHECK(session->run.network.defined(), ArgumentError,
                          "Trainer: give a network, or a 'model' section in the config");
             session->trainer = std::make_unique<train::Trainer>(
                 session->run.network, session->run.options,
                 callbacks_of(std::move(on_epoch_end), std::move(on_step), std::move(progress)));
             return session;
           }),
           py::arg("config_json"), py::arg("network"), py::arg("on_epoch_end"), py::arg("on_step"),
           py::arg("progress"))
      .def("fit",
           [](TrainingSession& s) {
             std::vector<train::EpochRecord> history;
             {
               py::gil_scoped_release release;
               history = s.trainer->fit(*s.run.train_loader, s.run.validation_dataset.get());
             }
             return history_list(history);
           })
      .def("evaluate",
           [](TrainingSession& s) {
             MEDIMG_CHECK(s.run.validation_dataset != nullptr, ArgumentError,
                          "Trainer.evaluate: the config has no 'data.validation' dataset");
             std::map<std::string, double> metrics;
             {
               py::gil_scoped_release release;
               metrics = s.trainer->evaluate(*s.run.validation_dataset);
             }
             return metrics;
           })
      .def("stop", [](TrainingSession& s) { s.trainer->stop(); })
      .def_property_readonly("network",
                             [](TrainingSession& s) {
                               return network_module_object(s.trainer->network().module());
                             })
      .def_property_readonly("history",
                             [](TrainingSession& s) { return history_list(s.trainer->history()); })
      .def_property_readonly("start_epoch",
                             [](TrainingSession& s) { return s.trainer->start_epoch(); })
      .def("save_checkpoint",
           [](TrainingSession& s, const std::filesystem::path& path) {
             s.trainer->save_checkpoint(path);
           },
           py::arg("path"), Release())
      .def("load_checkpoint",
           [](TrainingSession& s, const std::filesystem::path& path) {
             s.trainer->load_checkpoint(path);
           },
           py::arg("path"), Release());
}

}  // namespace medimg::python
