// medimg evaluate PRED REF: overlap and surface metrics of predicted label maps against
// reference ones, per case and label, as a CSV and a summary.
#include <ATen/ops/_unique.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "commands.hpp"
#include "image_output.hpp"
#include "text_output.hpp"
#include "medimg/core/error.hpp"
#include "medimg/io/read.hpp"
#include "medimg/metrics/overlap.hpp"
#include "medimg/metrics/surface_distance.hpp"
#include "progress_bar.hpp"

namespace medimg::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kEvaluateUsage =
    "usage: medimg evaluate PRED REF [options]\n"
    "\n"
    "Compares predicted label maps with reference ones (docs/metrics.md): PRED and REF are\n"
    "two label images, or two folders whose images are matched by file name (every image in\n"
    "REF needs one in PRED). Per case and label: Dice, IoU, HD95 and ASSD in mm with REF's\n"
    "spacing (surfaces as MedPy: border voxels, face connectivity). Both images of a case\n"
    "must have one channel, the same shape and the same grid. Prints the mean and standard\n"
    "deviation (numpy's, ddof 0) per label over the cases where a value is finite.\n"
    "\n"
    "options:\n"
    "  --labels 1,2,...     the labels to score (default: every non-zero label of either\n"
    "                       image, per case); a label absent from both scores nan\n"
    "  --csv FILE           write case,label,dice,iou,hd95_mm,assd_mm,pred_voxels,ref_voxels\n"
    "  --quiet              no progress bar\n";

struct EvaluateArguments {
  std::string pred, ref, csv;
  std::vector<std::int64_t> labels;
  bool quiet = false;
};

EvaluateArguments parse(const std::vector<std::string>& args) {
  EvaluateArguments parsed;
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& { return option_value(args, i); };
    if (arg == "--labels") {
      parsed.labels = parse_int_list(arg, value());
    } else if (arg == "--csv") {
      parsed.csv = value();
    } else if (arg == "--quiet") {
      parsed.quiet = true;
    } else if (!arg.empty() && arg[0] == '-') {
      throw ArgumentError(detail::concat("unknown option '", arg, "'"));
    } else {
      positional.push_back(arg);
    }
  }
  MEDIMG_CHECK(positional.size() == 2, ArgumentError, "expected PRED and REF, got ",
               positional.size(), " paths");
  parsed.pred = positional[0];
  parsed.ref = positional[1];
  return parsed;
}

struct Case {
  std::string name;
  fs::path pred, ref;
};

// The cases: the two files, or each image of the REF folder with its namesake in PRED.
std::vector<Case> find_cases(const fs::path& pred, const fs::path& ref) {
  for (const fs::path& path : {pred, ref}) {
    MEDIMG_CHECK_FILE(fs::exists(path), IoError, path, "does not exist");
  }
  MEDIMG_CHECK(fs::is_directory(pred) == fs::is_directory(ref), ArgumentError,
               "PRED and REF must both be files or both be folders; ", pred, " is ",
               fs::is_directory(pred) ? "a folder" : "a file", ", ", ref, " is ",
               fs::is_directory(ref) ? "a folder" : "a file");
  if (!fs::is_directory(ref)) return {{ref.filename().string(), pred, ref}};
  std::vector<Case> cases;
  std::vector<std::string> missing;
  for (const auto& entry : fs::directory_iterator(ref)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || !entry.is_regular_file() ||
        detect_format(entry.path()) == ImageFormat::Unknown) {
      continue;  // hidden files, notes, CSVs
    }
    if (!fs::is_regular_file(pred / name)) {
      missing.push_back(name);
      continue;
    }
    cases.push_back({name, pred / name, entry.path()});
  }
  if (!missing.empty()) {
    std::sort(missing.begin(), missing.end());
    std::ostringstream names;
    for (std::size_t i = 0; i < missing.size() && i < 5; ++i) names << (i ? ", " : "") << missing[i];
    if (missing.size() > 5) names << ", ... (" << missing.size() << " in all)";
    throw IoError(pred, detail::concat("has no prediction for ", names.str(),
                                       " (images are matched by file name)"));
  }
  MEDIMG_CHECK_FILE(!cases.empty(), IoError, ref, "holds no image");
  std::sort(cases.begin(), cases.end(),
            [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

// The voxels of a label image (read from `path`) as int64 (Y, X) or (Z, Y, X); float files
// (some tools write masks as float) pass when every value is a whole number.
at::Tensor label_voxels(const Image& image, const fs::path& path) {
  MEDIMG_CHECK_FILE(image.channels() == 1, FormatError, path, "has ", image.channels(),
                    " channels; a label map has one");
  const at::Tensor voxels = image.tensor()[0];
  if (at::isFloatingType(voxels.scalar_type())) {
    MEDIMG_CHECK_FILE(voxels.eq(voxels.round()).all().item<bool>(), FormatError, path,
                      "holds non-integer values (probabilities?); evaluate takes label maps, "
                      "e.g. from medimg predict --labels");
  }
  return voxels.to(at::kLong);
}

struct Row {
  std::string case_name;
  std::int64_t label = 0;
  double dice = 0, iou = 0, hd95 = 0, assd = 0;
  std::int64_t pred_voxels = 0, ref_voxels = 0;
};

std::vector<std::int64_t> present_labels(const at::Tensor& pred, const at::Tensor& ref) {
  std::set<std::int64_t> labels;
  for (const at::Tensor& labels_map : {pred, ref}) {
    const at::Tensor values = std::get<0>(at::_unique(labels_map, true)).contiguous();
    const std::int64_t* data = values.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < values.numel(); ++i) {
      if (data[i] != 0) labels.insert(data[i]);
    }
  }
  return {labels.begin(), labels.end()};
}

std::vector<Row> evaluate_case(const Case& c, const std::vector<std::int64_t>& given_labels) {
  const Image ref_image = squeeze_single_slice(read_image(c.ref));
  const Image pred_image = squeeze_single_slice(read_image(c.pred));
  const at::Tensor ref = label_voxels(ref_image, c.ref);
  const at::Tensor pred = label_voxels(pred_image, c.pred);
  MEDIMG_CHECK(pred.sizes() == ref.sizes(), ShapeError, "case ", c.name, ": PRED ", c.pred,
               " has shape ", pred.sizes(), ", REF ", c.ref, " has shape ", ref.sizes());
  // NIfTI stores affines in float32: 1e-3 mm is far below any voxel and far above rounding.
  MEDIMG_CHECK(pred_image.geometry().is_close(ref_image.geometry(), 1e-3), ShapeError, "case ",
               c.name, ": PRED and REF lie on different grids (PRED ", pred_image.geometry(),
               ", REF ", ref_image.geometry(), "); resample the prediction onto the reference");
  const Eigen::VectorXd& s = ref_image.geometry().spacing();
  const std::vector<double> spacing(s.data(), s.data() + s.size());

  std::vector<Row> rows;
  for (const std::int64_t label :
       given_labels.empty() ? present_labels(pred, ref) : given_labels) {
    const at::Tensor p = pred.eq(label), r = ref.eq(label);
    const ConfusionCounts counts = confusion_counts(p, r, 2)[1];
    const SurfaceDistances d = surface_distances(p, r, spacing);
    rows.push_back({c.name, label, overlap_score(counts, OverlapMetric::Dice),
                    overlap_score(counts, OverlapMetric::IoU), hausdorff(d, 95.0), assd(d),
                    counts.tp + counts.fp, counts.tp + counts.fn});
  }
  return rows;
}

std::string number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::ostringstream out;
  out << std::setprecision(12) << value;
  return out.str();
}

void write_csv(const fs::path& path, const std::vector<Row>& rows) {
  std::ostringstream csv;
  csv << "case,label,dice,iou,hd95_mm,assd_mm,pred_voxels,ref_voxels\n";
  for (const Row& r : rows) {
    csv << r.case_name << ',' << r.label << ',' << number(r.dice) << ',' << number(r.iou) << ','
        << number(r.hd95) << ',' << number(r.assd) << ',' << r.pred_voxels << ','
        << r.ref_voxels << '\n';
  }
  write_text(path, csv.str());
}

// "0.9123 ± 0.0100" over the finite values, numpy's mean and std (ddof 0); "-" when none is.
std::string mean_std(const std::vector<double>& values, int precision) {
  double sum = 0, squares = 0;
  std::int64_t n = 0;
  for (const double v : values) {
    if (!std::isfinite(v)) continue;
    sum += v;
    ++n;
  }
  if (n == 0) return "-";
  const double mean = sum / static_cast<double>(n);
  for (const double v : values) {
    if (std::isfinite(v)) squares += (v - mean) * (v - mean);
  }
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << mean << " ± "
      << std::sqrt(squares / static_cast<double>(n));
  const std::size_t left_out = values.size() - static_cast<std::size_t>(n);
  if (left_out > 0) out << " (" << left_out << " not finite)";
  return out.str();
}

void print_summary(const std::vector<Row>& rows, std::size_t cases) {
  std::map<std::int64_t, std::vector<const Row*>> by_label;
  for (const Row& r : rows) by_label[r.label].push_back(&r);
  std::cout << cases << (cases == 1 ? " case" : " cases") << "; mean ± std per label:\n";
  for (const auto& [label, label_rows] : by_label) {
    std::vector<double> dice, iou, hd95, assd_values;
    for (const Row* r : label_rows) {
      dice.push_back(r->dice);
      iou.push_back(r->iou);
      hd95.push_back(r->hd95);
      assd_values.push_back(r->assd);
    }
    std::cout << "  label " << label << " (" << label_rows.size() << "): Dice "
              << mean_std(dice, 4) << ", IoU " << mean_std(iou, 4) << ", HD95 "
              << mean_std(hd95, 2) << " mm, ASSD " << mean_std(assd_values, 2) << " mm\n";
  }
}

}  // namespace

int evaluate_command(const std::vector<std::string>& args) {
  EvaluateArguments parsed;
  if (const auto status = parse_command("evaluate", kEvaluateUsage, args, parse, parsed)) {
    return *status;
  }
  const std::vector<Case> cases = find_cases(parsed.pred, parsed.ref);
  std::vector<Row> rows;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::vector<Row> case_rows = evaluate_case(cases[i], parsed.labels);
    rows.insert(rows.end(), case_rows.begin(), case_rows.end());
    if (!parsed.quiet && cases.size() > 1) {
      draw_progress({"evaluate", static_cast<std::int64_t>(i + 1),
                     static_cast<std::int64_t>(cases.size())});
    }
  }
  if (!parsed.csv.empty()) write_csv(parsed.csv, rows);
  print_summary(rows, cases.size());
  if (!parsed.csv.empty()) std::cout << "wrote " << parsed.csv << '\n';
  return 0;
}

}  // namespace medimg::cli
