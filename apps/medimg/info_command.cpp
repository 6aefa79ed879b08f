#include <iostream>
#include <variant>

#include "commands.hpp"
#include "medimg/core/image.hpp"
#include "medimg/core/statistics.hpp"
#include "medimg/io/read.hpp"

namespace medimg::cli {
namespace {

void print_value(const MetaValue& value) {
  std::visit(
      [](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::vector<double>> ||
                      std::is_same_v<V, std::vector<std::string>>) {
          for (std::size_t i = 0; i < v.size(); ++i) std::cout << (i ? "\\" : "") << v[i];
        } else {
          std::cout << v;
        }
      },
      value);
}

}  // namespace

int info_command(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "usage: medimg info PATH\n";
    return 2;
  }
  const ImageFormat format = detect_format(args[0]);
  const Image image = read_image(args[0]);
  const Geometry& g = image.geometry();
  std::cout << "path:      " << args[0] << " (" << format_name(format) << ")\n"
            << "shape:     " << image.tensor().sizes() << " (C, [Z,] Y, X)\n"
            << "dtype:     " << image.dtype() << '\n'
            << "spacing:   " << g.spacing().transpose() << " mm (array order)\n"
            << "origin:    " << g.origin().transpose() << " mm (LPS)\n"
            << "direction: " << g.direction().row(0) << " | " << g.direction().row(1) << " | "
            << g.direction().row(2) << '\n';
  const auto stats = channel_stats(image);
  for (std::size_t c = 0; c < stats.size(); ++c) {
    std::cout << "channel " << c << ": min " << stats[c].min << ", max " << stats[c].max
              << ", mean " << stats[c].mean << ", std " << stats[c].std << '\n';
  }
  for (const auto& [key, value] : image.meta()) {
    std::cout << key << ": ";
    print_value(value);
    std::cout << '\n';
  }
  return 0;
}

}  // namespace medimg::cli
