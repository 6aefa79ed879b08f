// medimg demo: runs the demo report (examples/demo/demo.py) of the source tree this CLI was
// built from, with this build's Python package, as `make demo` does.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "commands.hpp"
#include "medimg/core/error.hpp"

namespace medimg::cli {

namespace {

constexpr const char* kDemoUsage =
    "usage: medimg demo [--out DIR] [--quick]\n"
    "\n"
    "Writes the demo report DIR/index.html (default DIR: report): DICOM and NIfTI, a DICOM\n"
    "series with labels, preprocessing, classical segmentation, the lung-nodule pipeline on CT\n"
    "phantoms and LIDC-IDRI-0001, a brief 3D U-Net training and the pneumonia classifier with\n"
    "Grad-CAM (docs/demo.md). It runs examples/demo/demo.py of the medimg source tree this\n"
    "program was built from, with the Python interpreter and package of that build.\n"
    "\n"
    "  --out DIR    the report's folder (created; default: report)\n"
    "  --quick      fewer phantoms and epochs (about a minute on 2 cores)\n";

struct DemoArguments {
  std::string out = "report";
  bool quick = false;
};

DemoArguments parse(const std::vector<std::string>& args) {
  DemoArguments parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--out") {
      parsed.out = option_value(args, i);
    } else if (args[i] == "--quick") {
      parsed.quick = true;
    } else {
      throw ArgumentError(detail::concat("unexpected argument '", args[i], "'"));
    }
  }
  return parsed;
}

}  // namespace

int demo_command(const std::vector<std::string>& args) {
  DemoArguments parsed;
  if (const auto status = parse_command("demo", kDemoUsage, args, parse, parsed)) {
    return *status;
  }
  const std::filesystem::path script =
      std::filesystem::path(MEDIMG_SOURCE_DIR) / "examples" / "demo" / "demo.py";
  if (!std::filesystem::is_regular_file(script)) {
    throw IoError(script, "is missing: medimg demo runs the demo of the source tree it was "
                          "built from; run `make demo` in a medimg checkout");
  }
  std::string python_path = MEDIMG_PYTHON_PATH;
  if (const char* old = std::getenv("PYTHONPATH"); old != nullptr && *old != '\0') {
    python_path += std::string(":") + old;
  }
  setenv("PYTHONPATH", python_path.c_str(), 1);
  std::vector<std::string> command{MEDIMG_PYTHON, script.string(), "--out", parsed.out};
  if (parsed.quick) command.emplace_back("--quick");
  std::vector<char*> argv;
  for (std::string& part : command) argv.push_back(part.data());
  argv.push_back(nullptr);
  execv(argv[0], argv.data());  // returns only on failure
  throw IoError(MEDIMG_PYTHON, detail::concat("cannot be started: ", std::strerror(errno)));
}

}  // namespace medimg::cli
