// medimg nodules CT --out DIR: the lung-nodule pipeline on one chest CT (a DICOM series
// folder, a DICOM file or a NIfTI volume), writing LUNA16-style detections and overlays.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "commands.hpp"
#include "text_output.hpp"
#include "medimg/core/error.hpp"
#include "medimg/io/nifti.hpp"
#include "medimg/io/raster.hpp"
#include "medimg/io/read.hpp"
#include "medimg/metrics/detection.hpp"
#include "medimg/pipelines/lung_nodule.hpp"
#include "medimg/pipelines/nodule_overlay.hpp"
#include "medimg/train/predictor.hpp"

namespace medimg::cli {

namespace {

namespace fs = std::filesystem;
using pipelines::LungNoduleResult;
using pipelines::NoduleDetection;

constexpr const char* kNodulesUsage =
    "usage: medimg nodules CT --out DIR [options]\n"
    "\n"
    "Finds lung nodules in a chest CT (a DICOM series folder, a DICOM file or a NIfTI volume\n"
    "in HU): lungs, candidates by density, false-positive reduction by a 3D CNN, ranking\n"
    "(docs/lung_nodules.md). Writes DIR/detections.csv (LUNA16 columns: seriesuid, coordX,\n"
    "coordY, coordZ, probability; world LPS mm) and DIR/overlays/detection_K.png.\n"
    "\n"
    "options:\n"
    "  --out DIR            output folder (created)\n"
    "  --model FILE         FP-reduction network: a medimg model file or TorchScript file;\n"
    "                       without it candidates are ranked by 1 / elongation\n"
    "  --reference CSV      LUNA16 annotations (seriesuid, coordX, coordY, coordZ,\n"
    "                       diameter_mm): prints sensitivities and the CPM, writes froc.csv\n"
    "  --seriesuid UID      the case id in the CSVs (default: the DICOM SeriesInstanceUID,\n"
    "                       else the input's file name)\n"
    "  --overlays K         PNG overlays of the K most probable detections (default 5)\n"
    "  --min-probability P  leave detections below P out of detections.csv (default 0)\n"
    "  --save-stages        also write DIR/lungs.nii.gz and DIR/candidates.csv\n";

struct NodulesArguments {
  std::string ct, out, model, reference, seriesuid;
  int overlays = 5;
  double min_probability = 0.0;
  bool save_stages = false;
};

NodulesArguments parse(const std::vector<std::string>& args) {
  NodulesArguments parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& { return option_value(args, i); };
    if (arg == "--out") {
      parsed.out = value();
    } else if (arg == "--model") {
      parsed.model = value();
    } else if (arg == "--reference") {
      parsed.reference = value();
    } else if (arg == "--seriesuid") {
      parsed.seriesuid = value();
    } else if (arg == "--overlays") {
      parsed.overlays = parse_int(arg, value());
    } else if (arg == "--min-probability") {
      parsed.min_probability = parse_double(arg, value());
    } else if (arg == "--save-stages") {
      parsed.save_stages = true;
    } else if (!arg.empty() && arg[0] == '-') {
      throw ArgumentError(detail::concat("unknown option '", arg, "'"));
    } else {
      MEDIMG_CHECK(parsed.ct.empty(), ArgumentError, "one CT expected, got '", parsed.ct,
                   "' and '", arg, "'");
      parsed.ct = arg;
    }
  }
  MEDIMG_CHECK(!parsed.ct.empty(), ArgumentError, "missing CT (a DICOM folder or a NIfTI file)");
  MEDIMG_CHECK(!parsed.out.empty(), ArgumentError, "missing --out DIR");
  MEDIMG_CHECK(parsed.overlays >= 0, ArgumentError, "--overlays must be >= 0");
  return parsed;
}

std::string series_uid(const Image& ct, const std::string& path) {
  const auto found = ct.meta().find("SeriesInstanceUID");
  if (found != ct.meta().end()) {
    if (const auto* text = std::get_if<std::string>(&found->second); text && !text->empty()) {
      return *text;
    }
  }
  std::string name = fs::path(path).filename().string();
  if (name.empty()) name = fs::path(path).parent_path().filename().string();
  for (const char* suffix : {".nii.gz", ".nii", ".dcm"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      return name.substr(0, name.size() - s.size());
    }
  }
  return name;
}

std::string detections_csv(const std::vector<NoduleDetection>& detections, const std::string& uid,
                           double min_probability) {
  std::ostringstream csv;
  csv << std::setprecision(10) << "seriesuid,coordX,coordY,coordZ,probability\n";
  for (const NoduleDetection& d : detections) {
    if (d.probability < min_probability) continue;
    csv << uid << ',' << d.centre.x() << ',' << d.centre.y() << ',' << d.centre.z() << ','
        << d.probability << '\n';
  }
  return csv.str();
}

std::string candidates_csv(const LungNoduleResult& result) {
  std::ostringstream csv;
  csv << std::setprecision(10)
      << "coordX,coordY,coordZ,index_z,index_y,index_x,diameter_mm,volume_mm3,mean_hu,"
         "elongation,voxels\n";
  for (const NoduleCandidate& c : result.candidates) {
    csv << c.centre.x() << ',' << c.centre.y() << ',' << c.centre.z() << ',' << c.index[0] << ','
        << c.index[1] << ',' << c.index[2] << ',' << c.diameter << ',' << c.volume << ','
        << c.mean_hu << ',' << c.elongation << ',' << c.voxels << '\n';
  }
  return csv.str();
}

// The findings of `uid` in a LUNA16 annotations CSV, columns found by name.
std::vector<Finding> read_annotations(const std::string& path, const std::string& uid) {
  std::ifstream file(path);
  if (!file.good()) throw IoError(path, "cannot read the reference CSV");
  auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream stream(line);
    for (std::string cell; std::getline(stream, cell, ',');) {
      cell.erase(std::remove(cell.begin(), cell.end(), '\r'), cell.end());
      cells.push_back(cell);
    }
    return cells;
  };
  std::string line;
  if (!std::getline(file, line)) throw FormatError(path, "the reference CSV is empty");
  const std::vector<std::string> header = split(line);
  std::vector<std::size_t> column;
  for (const char* name : {"seriesuid", "coordX", "coordY", "coordZ", "diameter_mm"}) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      throw FormatError(path, detail::concat("no column '", name, "' (LUNA16 annotations: "
                                             "seriesuid,coordX,coordY,coordZ,diameter_mm)"));
    }
    column.push_back(static_cast<std::size_t>(it - header.begin()));
  }
  std::vector<Finding> findings;
  for (int row = 2; std::getline(file, line); ++row) {
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> cells = split(line);
    if (cells.size() < header.size()) {
      throw FormatError(path, detail::concat("row ", row, " has ", cells.size(),
                                             " cells, the header ", header.size()));
    }
    if (cells[column[0]] != uid) continue;
    const std::string where = detail::concat(path, " row ", row);
    Finding f;
    f.case_id = uid;
    f.center_mm = {parse_double(where, cells[column[1]]), parse_double(where, cells[column[2]]),
                   parse_double(where, cells[column[3]])};
    f.diameter_mm = parse_double(where, cells[column[4]]);
    findings.push_back(f);
  }
  MEDIMG_CHECK(!findings.empty(), ArgumentError, "no row of ", path, " is for series '", uid,
               "' (use --seriesuid to name the case)");
  return findings;
}

void report_froc(const std::vector<NoduleDetection>& detections, const std::string& uid,
                 const std::string& reference, const fs::path& out) {
  const std::vector<Finding> findings = read_annotations(reference, uid);
  std::vector<Detection> marks;
  for (const NoduleDetection& d : detections) marks.push_back({uid, d.centre, d.probability});
  const FrocCurve curve = froc(marks, findings, 1);
  std::ostringstream csv;
  csv << "fp_per_scan,sensitivity\n";
  std::cout << "reference: " << findings.size() << " nodules\n";
  for (const double rate : {0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0}) {
    const double s = sensitivity_at_fp(curve, rate);
    csv << rate << ',' << s << '\n';
    std::cout << "  sensitivity at " << rate << " FP/scan: " << s << '\n';
  }
  std::cout << "  CPM: " << cpm(curve) << '\n';
  write_text(out / "froc.csv", csv.str());
}

}  // namespace

int nodules_command(const std::vector<std::string>& args) {
  NodulesArguments parsed;
  if (const auto status = parse_command("nodules", kNodulesUsage, args, parse, parsed)) {
    return *status;
  }
  std::shared_ptr<train::Predictor> network;
  if (!parsed.model.empty()) network = train::load_predictor(parsed.model);
  const pipelines::LungNoduleDetector detector({}, network);

  const Image ct = read_image(parsed.ct);
  const LungNoduleResult result = detector.detect(ct);
  const std::string uid = parsed.seriesuid.empty() ? series_uid(ct, parsed.ct) : parsed.seriesuid;

  const fs::path out(parsed.out);
  fs::create_directories(out / "overlays");
  write_text(out / "detections.csv",
             detections_csv(result.detections, uid, parsed.min_probability));
  const std::size_t overlays =
      std::min(result.detections.size(), static_cast<std::size_t>(parsed.overlays));
  for (std::size_t k = 0; k < overlays; ++k) {
    write_png(out / "overlays" / ("detection_" + std::to_string(k + 1) + ".png"),
              pipelines::nodule_overlay(ct, result.detections, k));
  }
  if (parsed.save_stages) {
    write_nifti(out / "lungs.nii.gz", result.lungs);
    write_text(out / "candidates.csv", candidates_csv(result));
  }

  std::cout << std::fixed << std::setprecision(2) << uid << ": " << result.candidates.size()
            << " candidates, " << (network ? "scored by " + parsed.model : "ranked by shape")
            << "; lungs " << result.seconds_lungs << " s, candidates "
            << result.seconds_candidates << " s, scoring " << result.seconds_scoring << " s\n";
  for (std::size_t k = 0; k < std::min<std::size_t>(result.detections.size(), 10); ++k) {
    const NoduleDetection& d = result.detections[k];
    std::cout << "  #" << k + 1 << " p=" << std::setprecision(3) << d.probability
              << std::setprecision(1) << " d=" << d.diameter << " mm at (" << d.centre.x()
              << ", " << d.centre.y() << ", " << d.centre.z() << ")\n";
  }
  if (!parsed.reference.empty()) report_froc(result.detections, uid, parsed.reference, out);
  std::cout << "wrote " << (out / "detections.csv").string() << " and " << overlays
            << " overlays\n";
  return 0;
}

}  // namespace medimg::cli
