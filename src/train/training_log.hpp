#pragma once

// The trainer's log files: log.csv and log.json (one row per epoch) and curves.png (losses
// and the validation metrics against the epoch), each rewritten atomically after an epoch.

#include <filesystem>
#include <string>
#include <vector>

#include "medimg/train/trainer.hpp"

namespace medimg::train::internal {

/// The history as JSON text: [{"epoch": 0, "train_loss": ..., "lr": [...], "val_dice": ...}].
std::string history_to_json(const std::vector<EpochRecord>& history);
/// Inverse of history_to_json. @throws ArgumentError for malformed text.
std::vector<EpochRecord> history_from_json(const std::string& text);

void write_log_csv(const std::filesystem::path& path, const std::vector<EpochRecord>& history);
void write_log_json(const std::filesystem::path& path, const std::vector<EpochRecord>& history);
/// Two panels: train/validation loss, and every validation metric that is not a loss.
void write_curves_png(const std::filesystem::path& path, const std::vector<EpochRecord>& history);

}  // namespace medimg::train::internal
