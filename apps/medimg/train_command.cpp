// medimg train CONFIG: trains what a JSON/YAML config describes, on this process or, with
// --nproc, on several local processes that all-reduce their gradients (c10d Gloo).
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "arguments.hpp"
#include "commands.hpp"
#include "progress_bar.hpp"
#include "medimg/core/error.hpp"
#include "medimg/train/trainer.hpp"

namespace medimg::cli {

namespace {

constexpr const char* kTrainUsage =
    "usage: medimg train CONFIG [options]\n"
    "\n"
    "Trains the network that CONFIG (.json, .yaml) describes; keys in docs/train.md.\n"
    "\n"
    "options:\n"
    "  --out DIR            checkpoints and logs (trainer.out_dir)\n"
    "  --epochs N           trainer.epochs\n"
    "  --seed N             trainer.seed\n"
    "  --resume             continue from DIR/last.pt when it exists\n"
    "  --set KEY=VALUE      any config key, e.g. --set optimizer.lr=0.001 (repeatable)\n"
    "  --quiet              no progress bar\n"
    "  --nproc N            data-parallel training on N local processes (default 1)\n"
    "  --nnodes N           machines taking part (default 1)\n"
    "  --node-rank R        this machine's index in [0, nnodes) (default 0)\n"
    "  --master-addr ADDR   rank 0's machine (default 127.0.0.1)\n"
    "  --master-port PORT   rendezvous port on it (default 29500)\n";

struct TrainArguments {
  std::string config;
  std::vector<std::string> overrides;
  bool quiet = false;
  int nproc = 1, nnodes = 1, node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
};

TrainArguments parse(const std::vector<std::string>& args) {
  TrainArguments parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& { return option_value(args, i); };
    if (arg == "--out") {
      parsed.overrides.push_back("trainer.out_dir=\"" + value() + "\"");
    } else if (arg == "--epochs") {
      parsed.overrides.push_back("trainer.epochs=" + std::to_string(parse_int(arg, value())));
    } else if (arg == "--seed") {
      parsed.overrides.push_back("trainer.seed=" + std::to_string(parse_int(arg, value())));
    } else if (arg == "--resume") {
      parsed.overrides.push_back("trainer.resume=true");
    } else if (arg == "--set") {
      parsed.overrides.push_back(value());
    } else if (arg == "--quiet") {
      parsed.quiet = true;
    } else if (arg == "--nproc") {
      parsed.nproc = parse_int(arg, value());
    } else if (arg == "--nnodes") {
      parsed.nnodes = parse_int(arg, value());
    } else if (arg == "--node-rank") {
      parsed.node_rank = parse_int(arg, value());
    } else if (arg == "--master-addr") {
      parsed.master_addr = value();
    } else if (arg == "--master-port") {
      parsed.master_port = parse_int(arg, value());
    } else if (!arg.empty() && arg[0] == '-') {
      throw ArgumentError(detail::concat("unknown option '", arg, "'"));
    } else {
      MEDIMG_CHECK(parsed.config.empty(), ArgumentError, "one CONFIG expected, got '",
                   parsed.config, "' and '", arg, "'");
      parsed.config = arg;
    }
  }
  MEDIMG_CHECK(!parsed.config.empty(), ArgumentError, "missing CONFIG");
  MEDIMG_CHECK(parsed.nproc >= 1 && parsed.nnodes >= 1, ArgumentError,
               "--nproc and --nnodes must be >= 1");
  MEDIMG_CHECK(parsed.node_rank >= 0 && parsed.node_rank < parsed.nnodes, ArgumentError,
               "--node-rank must be in [0, --nnodes)");
  return parsed;
}

void print_epoch(const train::EpochRecord& record) {
  std::cout << "epoch " << record.epoch + 1 << ": train_loss " << std::setprecision(5)
            << record.train_loss;
  for (const auto& [name, value] : record.metrics) {
    if (name.rfind("val_dice_", 0) == 0) continue;
    std::cout << "  " << name << ' ' << value;
  }
  std::cout << "  lr " << (record.learning_rates.empty() ? 0.0 : record.learning_rates[0]) << "  "
            << std::setprecision(3) << record.seconds << " s" << (record.best ? "  (best)" : "")
            << std::endl;
}

int train_here(const TrainArguments& parsed) {
  std::string config = train::read_training_config(parsed.config);
  config = train::apply_config_overrides(config, parsed.overrides);
  train::TrainerCallbacks callbacks;
  callbacks.on_epoch_end = print_epoch;
  if (!parsed.quiet) callbacks.progress = draw_progress;
  train::train_from_config(config, callbacks);
  return 0;
}

// Starts nproc copies of this program with RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT set
// (torchrun's variables) and waits for them. When one fails, the others get 30 s to fail on
// their own (their collectives see the lost peer) and are then terminated.
int launch(const TrainArguments& parsed, const std::vector<std::string>& args) {
  const int world = parsed.nproc * parsed.nnodes;
  std::vector<pid_t> children;
  for (int local = 0; local < parsed.nproc; ++local) {
    const int rank = parsed.node_rank * parsed.nproc + local;
    const pid_t pid = fork();
    MEDIMG_CHECK(pid >= 0, Error, "cannot start training process ", rank);
    if (pid == 0) {
      setenv("RANK", std::to_string(rank).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(local).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
      setenv("MASTER_ADDR", parsed.master_addr.c_str(), 1);
      setenv("MASTER_PORT", std::to_string(parsed.master_port).c_str(), 1);
      std::vector<std::string> child_args{"medimg", "train"};
      child_args.insert(child_args.end(), args.begin(), args.end());
      if (rank != 0) child_args.push_back("--quiet");
      std::vector<char*> argv;
      for (auto& a : child_args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv("/proc/self/exe", argv.data());
      std::perror("medimg train: exec");
      _exit(127);
    }
    children.push_back(pid);
  }
  int status_out = 0;
  std::size_t running = children.size();
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, deadline == std::chrono::steady_clock::time_point::max() ? 0 : WNOHANG);
    if (pid > 0) {
      --running;
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok && status_out == 0) {
        const auto rank = std::find(children.begin(), children.end(), pid) - children.begin() +
                          parsed.node_rank * parsed.nproc;
        std::cerr << "medimg train: rank " << rank << " failed ("
                  << (WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                          : "exit status " + std::to_string(WEXITSTATUS(status)))
                  << "); stopping the other ranks\n";
        status_out = 1;
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      }
      for (auto& child : children) {
        if (child == pid) child = -1;
      }
    } else if (std::chrono::steady_clock::now() > deadline) {
      for (pid_t child : children) {
        if (child > 0) kill(child, SIGTERM);
      }
      deadline = std::chrono::steady_clock::time_point::max();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return status_out;
}

}  // namespace

int train_command(const std::vector<std::string>& args) {
  TrainArguments parsed;
  if (const auto status = parse_command("train", kTrainUsage, args, parse, parsed)) return *status;
  const bool launched = std::getenv("WORLD_SIZE") != nullptr;
  if (!launched && parsed.nproc * parsed.nnodes > 1) {
    // Pass every argument but the launcher's own to the ranks.
    std::vector<std::string> rank_args;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--nproc" || a == "--nnodes" || a == "--node-rank" || a == "--master-addr" ||
          a == "--master-port") {
        ++i;
        continue;
      }
      rank_args.push_back(a);
    }
    return launch(parsed, rank_args);
  }
  return train_here(parsed);
}

}  // namespace medimg::cli
