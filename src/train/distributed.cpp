// c10d's Gloo process group is compiled only under USE_C10D_GLOO (Debian's LibTorch ships it
// in libtorch_cpu); this is the only file that includes it.
#define USE_C10D_GLOO 1
#include "medimg/train/distributed.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>
#include <string>

#include "medimg/core/error.hpp"

namespace medimg::train {

namespace {

std::int64_t env_integer(const char* name, std::int64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  long long value = std::strtoll(text, &end, 10);
  MEDIMG_CHECK(*end == '\0', ArgumentError, "environment variable ", name,
               " must be an integer, got '", text, "'");
  return value;
}

// Runs a collective and turns c10d's errors (a peer that died closes its sockets; one that
// hangs runs into the timeout) into a medimg error that says what probably happened.
template <typename Collective>
void run_collective(const DistributedOptions& options, const char* what, Collective&& collective) {
  try {
    collective()->wait(options.timeout);
  } catch (const c10::Error& e) {
    throw Error(detail::concat("distributed training: ", what, " failed on rank ", options.rank,
                               " of ", options.world_size,
                               " (another rank has probably died or stopped responding): ",
                               e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw Error(detail::concat("distributed training: ", what, " failed on rank ", options.rank,
                               " of ", options.world_size,
                               " (another rank has probably died or stopped responding): ",
                               e.what()));
  }
}

// The network device Gloo binds to, chosen as torch.distributed does: GLOO_SOCKET_IFNAME
// when set; loopback when the master is on this machine's loopback; otherwise the address
// this machine's hostname resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master_addr) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  if (master_addr == "localhost" || master_addr.rfind("127.", 0) == 0) {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

DistributedOptions distributed_options_from_env() {
  DistributedOptions options;
  options.world_size = env_integer("WORLD_SIZE", 1);
  options.rank = env_integer("RANK", 0);
  if (const char* addr = std::getenv("MASTER_ADDR"); addr != nullptr && *addr != '\0') {
    options.master_addr = addr;
  }
  options.master_port = env_integer("MASTER_PORT", options.master_port);
  options.timeout = std::chrono::seconds(env_integer("MEDIMG_DIST_TIMEOUT", 120));
  MEDIMG_CHECK(options.world_size >= 1 && options.rank >= 0 && options.rank < options.world_size,
               ArgumentError, "RANK ", options.rank, " is outside [0, WORLD_SIZE ",
               options.world_size, ")");
  return options;
}

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

ProcessGroup::ProcessGroup(DistributedOptions options) : options_(std::move(options)) {
  MEDIMG_CHECK(options_.world_size >= 1 && options_.rank >= 0 &&
                   options_.rank < options_.world_size,
               ArgumentError, "ProcessGroup: rank ", options_.rank, " is outside [0, world size ",
               options_.world_size, ")");
  MEDIMG_CHECK(options_.master_port > 0 && options_.master_port < 65536, ArgumentError,
               "ProcessGroup: master_port must be in 1..65535, got ", options_.master_port);
  if (options_.world_size == 1) return;
  impl_ = std::make_unique<Impl>();
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<std::uint16_t>(options_.master_port);
    store_options.isServer = options_.rank == 0;
    store_options.numWorkers = static_cast<std::size_t>(options_.world_size);
    store_options.timeout = options_.timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(options_.master_addr, store_options);
    auto gloo = c10d::ProcessGroupGloo::Options::create();
    gloo->timeout = options_.timeout;
    gloo->devices.push_back(gloo_device(options_.master_addr));
    impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(
        impl_->store, static_cast<int>(options_.rank), static_cast<int>(options_.world_size),
        gloo);
  } catch (const std::exception& e) {
    throw Error(detail::concat("distributed training: rank ", options_.rank, " of ",
                               options_.world_size, " could not join the group at ",
                               options_.master_addr, ":", options_.master_port, ": ", e.what()));
  }
}

ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::broadcast(const std::vector<at::Tensor>& tensors) {
  if (!impl_) return;
  for (const at::Tensor& tensor : tensors) {
    std::vector<at::Tensor> one{tensor.detach()};
    run_collective(options_, "broadcast", [&] { return impl_->group->broadcast(one); });
  }
}

void ProcessGroup::average_gradients(const std::vector<at::Tensor>& parameters) {
  if (!impl_) return;
  std::vector<at::Tensor> grads;
  for (const at::Tensor& p : parameters) {
    if (!p.requires_grad()) continue;
    if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
    grads.push_back(p.grad());
  }
  const double scale = 1.0 / static_cast<double>(options_.world_size);
  std::size_t begin = 0;
  while (begin < grads.size()) {
    // A bucket: consecutive gradients of one dtype up to bucket_bytes (at least one).
    std::size_t end = begin;
    std::int64_t bytes = 0;
    while (end < grads.size() && grads[end].scalar_type() == grads[begin].scalar_type() &&
           (end == begin || bytes + grads[end].nbytes() <= static_cast<std::size_t>(options_.bucket_bytes))) {
      bytes += static_cast<std::int64_t>(grads[end].nbytes());
      ++end;
    }
    std::vector<at::Tensor> flat_parts;
    for (std::size_t i = begin; i < end; ++i) flat_parts.push_back(grads[i].reshape({-1}));
    std::vector<at::Tensor> bucket{at::cat(flat_parts)};
    run_collective(options_, "gradient all-reduce", [&] { return impl_->group->allreduce(bucket); });
    bucket[0].mul_(scale);
    std::int64_t offset = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const std::int64_t n = grads[i].numel();
      grads[i].copy_(bucket[0].narrow(0, offset, n).view_as(grads[i]));
      offset += n;
    }
    begin = end;
  }
}

double ProcessGroup::mean(double value) {
  if (!impl_) return value;
  std::vector<at::Tensor> one{at::full({1}, value, at::kDouble)};
  run_collective(options_, "all-reduce", [&] { return impl_->group->allreduce(one); });
  return one[0].item<double>() / static_cast<double>(options_.world_size);
}

void ProcessGroup::barrier() {
  if (!impl_) return;
  run_collective(options_, "barrier", [&] { return impl_->group->barrier(); });
}

}  // namespace medimg::train
