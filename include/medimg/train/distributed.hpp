#pragma once

/// Data-parallel training across processes and machines on PyTorch's c10d with the Gloo
/// backend: a TCPStore rendezvous at master_addr:master_port (rank 0 hosts it), parameters
/// broadcast from rank 0 at the start, and gradients averaged with all-reduce in buckets
/// after every backward pass, as torch.nn.parallel.DistributedDataParallel does.
///
/// The environment variables of torchrun (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) set
/// the options, so a medimg process started by `medimg train --nproc N` or by torchrun
/// joins the same way.

#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "medimg/export.hpp"

namespace medimg::train {

struct DistributedOptions {
  std::int64_t rank = 0;
  std::int64_t world_size = 1;
  std::string master_addr = "127.0.0.1";
  std::int64_t master_port = 29500;
  /// How long a collective (or the rendezvous) waits for the other ranks before failing.
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};
  /// All-reduce bucket size: gradients are flattened into buckets of about this many bytes.
  std::int64_t bucket_bytes = 25 << 20;
};

/// The options from RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT and MEDIMG_DIST_TIMEOUT
/// (seconds); a single process (rank 0 of 1) when WORLD_SIZE is unset.
/// @throws ArgumentError for values that are not numbers or a rank outside [0, world size).
MEDIMG_API DistributedOptions distributed_options_from_env();

/// One process's membership of a training group. With world_size 1 every operation is a
/// no-op, so the trainer calls them unconditionally.
class MEDIMG_API ProcessGroup {
 public:
  /// Joins the group (blocks until every rank has joined, up to the timeout).
  /// @throws Error naming the address when the rendezvous fails.
  explicit ProcessGroup(DistributedOptions options = {});
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  std::int64_t rank() const noexcept { return options_.rank; }
  std::int64_t world_size() const noexcept { return options_.world_size; }
  bool is_main() const noexcept { return options_.rank == 0; }

  /// Copies rank 0's tensors (parameters and buffers) into every rank's, in place.
  void broadcast(const std::vector<at::Tensor>& tensors);

  /// Replaces each parameter's gradient with the mean over the ranks (undefined gradients
  /// count as zeros), all-reducing flattened buckets of about bucket_bytes.
  void average_gradients(const std::vector<at::Tensor>& parameters);

  /// The mean over the ranks of one number per rank (losses and metrics for the log).
  double mean(double value);

  /// Waits for every rank.
  void barrier();

 private:
  struct Impl;
  DistributedOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace medimg::train
