// Datasets, preprocessing/augmentation pipelines from configuration, and the threaded loader
// (train/dataset, train/pipeline, train/loader). python/medimg/train/_data.py adds the
// calling layer (dict configurations, numpy/torch input, batches as dicts).
#include <ATen/ops/tensor.h>

#include <optional>
#include <utility>

#include "common.hpp"

#include "medimg/train/dataset.hpp"
#include "medimg/train/loader.hpp"
#include "medimg/train/pipeline.hpp"
#include "medimg/train/sample.hpp"

namespace medimg::python {
namespace {

/// A pipeline object for Python: the steps of a configuration list.
struct PreprocessingSteps {
  train::Preprocessing steps;
};

py::tuple sample_tuple(const Sample& sample) {
  return py::make_tuple(sample.image,
                        sample.label.defined() ? py::cast(sample.label) : py::none());
}

py::dict batch_dict(const train::Batch& batch) {
  std::vector<std::int64_t> indices(batch.indices.begin(), batch.indices.end());
  py::dict out;
  out["image"] = batch.image;
  out["label"] = batch.label.defined() ? py::cast(batch.label) : py::none();
  out["index"] = at::tensor(indices, at::TensorOptions(at::kLong));
  return out;
}

train::CacheOptions cache_options(bool memory, const std::string& disk_dir) {
  train::CacheOptions cache;
  cache.memory = memory;
  cache.disk_dir = disk_dir;
  return cache;
}

}  // namespace

void bind_train_data(py::module_& m) {
  py::class_<PreprocessingSteps>(m, "_Preprocessing")
      .def(py::init([](const std::string& text, const std::string& path) {
             return PreprocessingSteps{train::preprocessing_from_config(text, path)};
           }),
           py::arg("text"), py::arg("path"))
      .def_property_readonly("keys",
                             [](const PreprocessingSteps& p) {
                               std::vector<std::string> keys;
                               for (const auto& step : p.steps) keys.push_back(step->key());
                               return keys;
                             })
      .def_property_readonly("key",
                             [](const PreprocessingSteps& p) { return train::pipeline_key(p.steps); })
      .def("__len__", [](const PreprocessingSteps& p) { return p.steps.size(); })
      .def(
          "_run",
          [](const PreprocessingSteps& p, const Image& image, const std::optional<Image>& label) {
            Sample sample{image, label ? *label : Image()};
            {
              py::gil_scoped_release release;
              train::preprocess(p.steps, sample);
            }
            return sample_tuple(sample);
          },
          py::arg("image"), py::arg("label"));

  m.def("_augmentation_from_config", &train::augmentation_from_config, py::arg("text"),
        py::arg("path"));
  m.def("_preprocessing_step_names", &train::preprocessing_step_names);
  m.def("_augmentation_step_names", &train::augmentation_step_names);
  m.def("_class_label", &train::class_label, py::arg("values"));

  py::class_<train::Dataset, std::shared_ptr<train::Dataset>>(m, "_Dataset")
      .def("__len__", &train::Dataset::size)
      .def(
          "_get",
          [](const train::Dataset& d, std::size_t index) {
            Sample sample;
            {
              py::gil_scoped_release release;
              sample = d.get(index);
            }
            return sample_tuple(sample);
          },
          py::arg("index"))
      .def("describe", &train::Dataset::describe, py::arg("index"));

  py::class_<train::FileDataset, train::Dataset, std::shared_ptr<train::FileDataset>>(
      m, "_FileDataset")
      .def(py::init([](const std::vector<std::pair<std::string, std::string>>& pairs,
                       const PreprocessingSteps& preprocessing, bool cache,
                       const std::string& cache_dir, double geometry_tolerance) {
             std::vector<train::SamplePaths> samples;
             for (const auto& [image, label] : pairs) samples.push_back({image, label});
             return std::make_shared<train::FileDataset>(std::move(samples), preprocessing.steps,
                                                         cache_options(cache, cache_dir),
                                                         geometry_tolerance);
           }),
           py::arg("samples"), py::arg("preprocessing"), py::arg("cache"), py::arg("cache_dir"),
           py::arg("geometry_tolerance"))
      .def("cache_file",
           [](const train::FileDataset& d, std::size_t index) {
             return d.cache_file(index).string();
           },
           py::arg("index"))
      .def_property_readonly("samples", [](const train::FileDataset& d) {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& s : d.samples()) out.emplace_back(s.image.string(), s.label.string());
        return out;
      });

  m.def(
      "_decathlon_samples",
      [](const std::string& folder) {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& s : train::decathlon_samples(folder)) {
          out.emplace_back(s.image.string(), s.label.string());
        }
        return out;
      },
      py::arg("folder"));

  py::class_<train::NpzDataset, train::Dataset, std::shared_ptr<train::NpzDataset>>(
      m, "_NpzDataset")
      .def(py::init([](const std::string& path, const std::string& split,
                       const PreprocessingSteps& preprocessing, bool cache) {
             return std::make_shared<train::NpzDataset>(path, split, preprocessing.steps, cache);
           }),
           py::arg("path"), py::arg("split"), py::arg("preprocessing"), py::arg("cache"))
      .def_property_readonly("labels", &train::NpzDataset::labels);

  py::class_<train::InMemoryDataset, train::Dataset, std::shared_ptr<train::InMemoryDataset>>(
      m, "_InMemoryDataset")
      .def(py::init([](const std::vector<Image>& images,
                       const std::vector<std::optional<Image>>& labels,
                       const PreprocessingSteps& preprocessing, bool cache) {
             std::vector<Sample> samples;
             for (std::size_t i = 0; i < images.size(); ++i) {
               const bool labelled = i < labels.size() && labels[i].has_value();
               samples.push_back({images[i], labelled ? *labels[i] : Image()});
             }
             return std::make_shared<train::InMemoryDataset>(std::move(samples),
                                                             preprocessing.steps, cache);
           }),
           py::arg("images"), py::arg("labels"), py::arg("preprocessing"), py::arg("cache"));

  m.def("_sample_order", &train::sample_order, py::arg("dataset_size"), py::arg("shuffle"),
        py::arg("seed"), py::arg("epoch"), py::arg("rank"), py::arg("world_size"));
  m.def("_sample_seed", &train::sample_seed, py::arg("seed"), py::arg("epoch"),
        py::arg("index"));

  py::class_<train::Loader>(m, "_Loader")
      .def(py::init([](std::shared_ptr<train::Dataset> dataset, std::int64_t batch_size,
                       bool shuffle, std::uint64_t seed, int num_workers, int prefetch,
                       bool drop_last, std::shared_ptr<Transform> augment, int rank,
                       int world_size, int worker_threads) {
             train::LoaderOptions o;
             o.batch_size = batch_size;
             o.shuffle = shuffle;
             o.seed = seed;
             o.num_workers = num_workers;
             o.prefetch = prefetch;
             o.drop_last = drop_last;
             o.augment = std::move(augment);
             o.rank = rank;
             o.world_size = world_size;
             o.worker_threads = worker_threads;
             return std::make_unique<train::Loader>(std::move(dataset), std::move(o));
           }),
           py::arg("dataset"), py::arg("batch_size"), py::arg("shuffle"), py::arg("seed"),
           py::arg("num_workers"), py::arg("prefetch"), py::arg("drop_last"),
           py::arg("augment"), py::arg("rank"), py::arg("world_size"),
           py::arg("worker_threads"))
      .def("set_epoch", &train::Loader::set_epoch, py::arg("epoch"))
      .def_property_readonly("epoch", &train::Loader::current_epoch)
      .def_property_readonly("num_samples", &train::Loader::num_samples)
      .def_property_readonly("num_batches", &train::Loader::num_batches)
      .def(
          "begin_epoch",
          [](train::Loader& l, std::optional<std::int64_t> epoch) {
            py::gil_scoped_release release;
            if (epoch) {
              l.begin_epoch(*epoch);
            } else {
              l.begin_epoch();
            }
          },
          py::arg("epoch") = py::none())
      .def("_next",
           [](train::Loader& l) -> py::object {
             std::optional<train::Batch> batch;
             {
               py::gil_scoped_release release;
               batch = l.next();
             }
             return batch ? py::object(batch_dict(*batch)) : py::object(py::none());
           })
      .def("stop", &train::Loader::stop, py::call_guard<py::gil_scoped_release>());
}

}  // namespace medimg::python
