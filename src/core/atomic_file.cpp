#include "medimg/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "medimg/core/error.hpp"

namespace medimg {
namespace {

namespace fs = std::filesystem;

fs::path temporary_beside(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  const std::string prefix = ".medimg-tmp-" + std::to_string(::getpid()) + "-" +
                             std::to_string(counter.fetch_add(1)) + "-";
  return target.parent_path() / (prefix + target.filename().string());
}

// fsync a file or a folder so the rename below is durable, not just ordered.
void sync_path(const fs::path& path, const fs::path& reported, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0 || ::fsync(fd) != 0) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw IoError(reported, "cannot flush to disk: " + reason);
  }
  ::close(fd);
}

}  // namespace

void write_atomically(const fs::path& target, const std::function<void(const fs::path&)>& write) {
  MEDIMG_CHECK(!target.empty() && target.has_filename(), ArgumentError,
               "an output path needs a file name, got '", target.string(), "'");
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw IoError(target, "the output folder does not exist");
  }
  if (::access(folder.c_str(), W_OK) != 0) {
    throw IoError(target, "the output folder is not writable");
  }
  const fs::path temporary = temporary_beside(target);
  try {
    write(temporary);
    if (!fs::exists(temporary, ec)) {
      throw IoError(target, "the writer produced no file");
    }
    sync_path(temporary, target, O_RDONLY);
    fs::rename(temporary, target, ec);
    if (ec) throw IoError(target, "cannot replace the file: " + ec.message());
  } catch (...) {
    fs::remove(temporary, ec);
    throw;
  }
  sync_path(folder, target, O_RDONLY | O_DIRECTORY);
}

}  // namespace medimg
