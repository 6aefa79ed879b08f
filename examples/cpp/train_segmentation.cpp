// Trains what a configuration file describes, from C++: the run `medimg train CONFIG` makes,
// with the same numbers for the same seed.
//   train_segmentation examples/train/totalsegmentator_unet.yaml [OUT_DIR]
#include <iostream>
#include <string>

#include "medimg/train/loader.hpp"
#include "medimg/train/trainer.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: train_segmentation CONFIG [OUT_DIR]\n";
    return 2;
  }
  namespace train = medimg::train;
  std::string config = train::read_training_config(argv[1]);
  if (argc > 2) {
    config = train::apply_config_overrides(config, {"trainer.out_dir=\"" + std::string(argv[2]) + "\""});
  }
  train::TrainingRun run = train::build_training_run(config);

  train::TrainerCallbacks callbacks;
  callbacks.on_epoch_end = [](const train::EpochRecord& record) {
    std::cout << "epoch " << record.epoch + 1 << ": train_loss " << record.train_loss;
    if (record.metrics.count("val_dice")) std::cout << "  val_dice " << record.metrics.at("val_dice");
    std::cout << std::endl;
  };
  train::Trainer trainer(run.network, run.options, callbacks);
  trainer.fit(*run.train_loader, run.validation_dataset.get());
  return 0;
}
