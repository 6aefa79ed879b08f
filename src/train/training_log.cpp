#include "training_log.hpp"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <set>
#include <sstream>

#include "medimg/core/atomic_file.hpp"
#include "medimg/core/error.hpp"

namespace medimg::train::internal {

namespace {

void write_text(const std::filesystem::path& path, const std::string& text) {
  write_atomically(path, [&](const std::filesystem::path& temporary) {
    std::ofstream out(temporary, std::ios::binary);
    out << text;
    MEDIMG_CHECK_FILE(out.good(), IoError, temporary, "cannot write the training log");
  });
}

std::set<std::string> metric_names(const std::vector<EpochRecord>& history) {
  std::set<std::string> names;
  for (const auto& record : history) {
    for (const auto& [name, value] : record.metrics) names.insert(name);
  }
  return names;
}

// JSON has no NaN: undefined metrics (an empty class) are written as null.
nlohmann::json number(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

std::string history_to_json(const std::vector<EpochRecord>& history) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& record : history) {
    nlohmann::json row;
    row["epoch"] = record.epoch;
    row["train_loss"] = number(record.train_loss);
    row["lr"] = record.learning_rates;
    row["seconds"] = record.seconds;
    row["best"] = record.best;
    for (const auto& [name, value] : record.metrics) row[name] = number(value);
    rows.push_back(row);
  }
  return rows.dump(1);
}

std::vector<EpochRecord> history_from_json(const std::string& text) {
  std::vector<EpochRecord> history;
  try {
    for (const auto& row : nlohmann::json::parse(text)) {
      EpochRecord record;
      for (auto it = row.begin(); it != row.end(); ++it) {
        const double value =
            it->is_null() ? std::numeric_limits<double>::quiet_NaN() : 0.0;
        if (it.key() == "epoch") {
          record.epoch = it->get<std::int64_t>();
        } else if (it.key() == "train_loss") {
          record.train_loss = it->is_null() ? value : it->get<double>();
        } else if (it.key() == "lr") {
          record.learning_rates = it->get<std::vector<double>>();
        } else if (it.key() == "seconds") {
          record.seconds = it->get<double>();
        } else if (it.key() == "best") {
          record.best = it->get<bool>();
        } else {
          record.metrics[it.key()] = it->is_null() ? value : it->get<double>();
        }
      }
      history.push_back(std::move(record));
    }
  } catch (const nlohmann::json::exception& e) {
    throw ArgumentError(::medimg::detail::concat("training history is malformed: ", e.what()));
  }
  return history;
}

void write_log_csv(const std::filesystem::path& path, const std::vector<EpochRecord>& history) {
  const std::set<std::string> names = metric_names(history);
  std::ostringstream out;
  out << std::setprecision(9) << "epoch,train_loss,lr,seconds";
  for (const auto& name : names) out << ',' << name;
  out << '\n';
  for (const auto& record : history) {
    out << record.epoch << ',' << record.train_loss << ','
        << (record.learning_rates.empty() ? 0.0 : record.learning_rates.front()) << ','
        << record.seconds;
    for (const auto& name : names) {
      out << ',';
      auto it = record.metrics.find(name);
      if (it != record.metrics.end() && std::isfinite(it->second)) out << it->second;
    }
    out << '\n';
  }
  write_text(path, out.str());
}

void write_log_json(const std::filesystem::path& path, const std::vector<EpochRecord>& history) {
  write_text(path, history_to_json(history) + "\n");
}

namespace {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (epoch, value), finite values only
};

const cv::Scalar kColours[] = {{180, 119, 31}, {14, 127, 255}, {44, 160, 44},
                               {40, 39, 214},  {189, 103, 148}, {75, 86, 140}};

void draw_panel(cv::Mat& canvas, const cv::Rect& box, const std::string& title,
                const std::vector<Series>& series, double max_epoch) {
  cv::rectangle(canvas, box, cv::Scalar(0, 0, 0), 1);
  cv::putText(canvas, title, {box.x + 5, box.y - 8}, cv::FONT_HERSHEY_SIMPLEX, 0.5, {0, 0, 0}, 1,
              cv::LINE_AA);
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) low = std::min(low, y), high = std::max(high, y);
  }
  if (!std::isfinite(low)) return;
  if (high - low < 1e-12) high = low + 1.0;
  auto to_pixel = [&](double x, double y) {
    const double fx = max_epoch > 0 ? x / max_epoch : 0.5;
    return cv::Point(box.x + static_cast<int>(fx * (box.width - 1)),
                     box.y + box.height - 1 -
                         static_cast<int>((y - low) / (high - low) * (box.height - 1)));
  };
  std::ostringstream range;
  range << std::setprecision(4) << low << " .. " << high;
  cv::putText(canvas, range.str(), {box.x + box.width - 150, box.y - 8}, cv::FONT_HERSHEY_SIMPLEX,
              0.4, {80, 80, 80}, 1, cv::LINE_AA);
  for (std::size_t k = 0; k < series.size(); ++k) {
    const cv::Scalar colour = kColours[k % std::size(kColours)];
    const auto& points = series[k].points;
    for (std::size_t i = 0; i < points.size(); ++i) {
      const cv::Point p = to_pixel(points[i].first, points[i].second);
      cv::circle(canvas, p, 2, colour, cv::FILLED, cv::LINE_AA);
      if (i > 0) cv::line(canvas, to_pixel(points[i - 1].first, points[i - 1].second), p, colour, 1, cv::LINE_AA);
    }
    cv::putText(canvas, series[k].name, {box.x + 8, box.y + 18 + 16 * static_cast<int>(k)},
                cv::FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv::LINE_AA);
  }
}

}  // namespace

void write_curves_png(const std::filesystem::path& path, const std::vector<EpochRecord>& history) {
  std::vector<Series> losses{{"train_loss", {}}}, metrics;
  double max_epoch = 0.0;
  for (const auto& record : history) {
    const double x = static_cast<double>(record.epoch);
    max_epoch = std::max(max_epoch, x);
    if (std::isfinite(record.train_loss)) losses[0].points.push_back({x, record.train_loss});
  }
  for (const auto& name : metric_names(history)) {
    Series s{name, {}};
    for (const auto& record : history) {
      auto it = record.metrics.find(name);
      if (it != record.metrics.end() && std::isfinite(it->second)) {
        s.points.push_back({static_cast<double>(record.epoch), it->second});
      }
    }
    (name.find("loss") != std::string::npos ? losses : metrics).push_back(std::move(s));
  }
  cv::Mat canvas(360, 900, CV_8UC3, cv::Scalar(255, 255, 255));
  draw_panel(canvas, {40, 40, 390, 290}, "loss", losses, max_epoch);
  draw_panel(canvas, {480, 40, 390, 290}, "validation metrics", metrics, max_epoch);
  cv::putText(canvas, "epoch", {420, 352}, cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0}, 1, cv::LINE_AA);
  write_atomically(path, [&](const std::filesystem::path& temporary) {
    MEDIMG_CHECK_FILE(cv::imwrite(temporary.string(), canvas), IoError, temporary,
                      "cannot write the training curves");
  });
}

}  // namespace medimg::train::internal
