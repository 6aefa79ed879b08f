// OpenCV cascade XML: the FileStorage layout of opencv_traincascade's CvCascadeClassifier
// (stageType, featureType, height, width, stageParams, featureParams, stageNum, stages,
// features) read with medimg's small XML reader and written as traincascade writes it.
#include "medimg/classic/cascade_xml.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

#include "../io/detail/xml.hpp"
#include "medimg/core/atomic_file.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

using detail::XmlElement;

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& message) const {
    throw FormatError(source_, "not a valid OpenCV cascade: " + message);
  }

  const XmlElement& child(const XmlElement& node, const char* name) const {
    const XmlElement* c = node.find(name);
    if (!c) fail(detail::concat("<", node.name, "> has no <", name, ">"));
    return *c;
  }

  // Every number of an element's text ("0 -1 3 -2.5e-01").
  std::vector<double> numbers(const XmlElement& node) const {
    std::vector<double> out;
    const std::string& t = node.text;
    std::size_t i = 0;
    while (i < t.size()) {
      while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
      if (i == t.size()) break;
      std::size_t end = i;
      while (end < t.size() && !std::isspace(static_cast<unsigned char>(t[end]))) ++end;
      const char* first = t.data() + i;
      if (*first == '+') ++first;
      double value = 0;
      const auto [ptr, ec] = std::from_chars(first, t.data() + end, value);
      if (ec != std::errc() || ptr != t.data() + end) {
        fail(detail::concat("<", node.name, "> holds '", t.substr(i, end - i),
                            "', not a number"));
      }
      out.push_back(value);
      i = end;
    }
    return out;
  }

  double number(const XmlElement& node) const {
    const std::vector<double> v = numbers(node);
    if (v.size() != 1) fail(detail::concat("<", node.name, "> must hold one number"));
    return v[0];
  }

  int integer(const XmlElement& node) const {
    const double v = number(node);
    if (v != std::floor(v) || std::abs(v) > 1e9) {
      fail(detail::concat("<", node.name, "> must hold an integer, got ", v));
    }
    return static_cast<int>(v);
  }

  static int to_int(double v) { return static_cast<int>(std::lrint(v)); }

 private:
  std::string source_;
};

HaarFeature read_feature(const Reader& in, const XmlElement& node) {
  HaarFeature f;
  for (const XmlElement* r : in.child(node, "rects").all("_")) {
    const std::vector<double> v = in.numbers(*r);
    if (v.size() != 5) in.fail("a feature rectangle needs 'x y width height weight'");
    for (int k = 0; k < 4; ++k) {
      if (v[static_cast<std::size_t>(k)] != std::floor(v[static_cast<std::size_t>(k)]) ||
          std::abs(v[static_cast<std::size_t>(k)]) > 1e6)
        in.fail("feature rectangle coordinates must be integers");
    }
    f.rects.push_back({Reader::to_int(v[0]), Reader::to_int(v[1]), Reader::to_int(v[2]),
                       Reader::to_int(v[3]), static_cast<float>(v[4])});
  }
  const XmlElement* tilted = node.find("tilted");
  f.tilted = tilted && in.integer(*tilted) != 0;
  return f;
}

WeakClassifier read_weak(const Reader& in, const XmlElement& node) {
  const std::vector<double> nodes = in.numbers(in.child(node, "internalNodes"));
  const std::vector<double> leaves = in.numbers(in.child(node, "leafValues"));
  if (nodes.empty() || nodes.size() % 4 != 0) {
    in.fail("internalNodes must hold 'left right feature threshold' per node");
  }
  WeakClassifier weak;
  for (std::size_t k = 0; k < nodes.size(); k += 4) {
    for (std::size_t j = k; j < k + 3; ++j) {
      if (nodes[j] != std::floor(nodes[j]) || std::abs(nodes[j]) > 1e9)
        in.fail("internalNodes indices must be integers");
    }
    weak.nodes.push_back({Reader::to_int(nodes[k + 2]), static_cast<float>(nodes[k + 3]),
                          Reader::to_int(nodes[k]), Reader::to_int(nodes[k + 1])});
  }
  for (double v : leaves) weak.leaves.push_back(static_cast<float>(v));
  return weak;
}

std::optional<CascadeBoostParams> read_boost_params(const Reader& in, const XmlElement& node) {
  if (!node.find("boostType")) return std::nullopt;
  CascadeBoostParams p;
  p.boost_type = node.text_of("boostType");
  if (const XmlElement* e = node.find("minHitRate")) p.min_hit_rate = static_cast<float>(in.number(*e));
  if (const XmlElement* e = node.find("maxFalseAlarm"))
    p.max_false_alarm_rate = static_cast<float>(in.number(*e));
  if (const XmlElement* e = node.find("weightTrimRate")) p.weight_trim_rate = in.number(*e);
  if (const XmlElement* e = node.find("maxDepth")) p.max_depth = in.integer(*e);
  if (const XmlElement* e = node.find("maxWeakCount")) p.max_weak_count = in.integer(*e);
  return p;
}

// OpenCV's float formatting: "%d." for integral values, else 9 significant digits (enough
// to read back the same float).
std::string format_float(float v) {
  char buffer[64];
  if (v == std::nearbyint(v) && std::abs(v) < 1e9f) {
    std::snprintf(buffer, sizeof buffer, "%d.", static_cast<int>(v));
  } else {
    std::snprintf(buffer, sizeof buffer, "%.8e", static_cast<double>(v));
  }
  return buffer;
}

std::string format_double(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.16e", v);
  return buffer;
}

}  // namespace

Cascade cascade_from_xml(const std::string& xml, const std::string& source) {
  const Reader in(source);
  const auto root = detail::parse_xml(xml, source);
  if (root->children.empty()) in.fail("the XML has no top-level node");
  const XmlElement& top = *root->children.front();
  if (!top.find("stageType") && top.find("size") && top.find("stages")) {
    throw Unsupported(detail::concat(
        source, ": an old-format (opencv-haar-classifier) cascade; OpenCV runs those through "
                "its legacy detector, which medimg does not reproduce"));
  }
  if (in.child(top, "stageType").text != "BOOST") {
    in.fail("stageType must be BOOST, got '" + top.text_of("stageType") + "'");
  }
  const std::string feature_type = in.child(top, "featureType").text;
  if (feature_type == "LBP" || feature_type == "HOG") {
    throw Unsupported(detail::concat(source, ": ", feature_type,
                                     " cascades are not supported, only HAAR"));
  }
  if (feature_type != "HAAR") in.fail("featureType must be HAAR, got '" + feature_type + "'");

  Cascade cascade;
  cascade.height = in.integer(in.child(top, "height"));
  cascade.width = in.integer(in.child(top, "width"));
  if (const XmlElement* params = top.find("stageParams")) {
    cascade.boost_params = read_boost_params(in, *params);
  }
  const XmlElement& feature_params = in.child(top, "featureParams");
  if (const XmlElement* cats = feature_params.find("maxCatCount")) {
    if (in.integer(*cats) != 0) in.fail("a HAAR cascade must have maxCatCount 0");
  }
  if (const XmlElement* mode = feature_params.find("mode")) {
    try {
      cascade.mode = haar_mode_from_string(mode->text);
    } catch (const ArgumentError& e) {
      in.fail(e.what());
    }
  }
  for (const XmlElement* stage_node : in.child(top, "stages").all("_")) {
    CascadeStage stage;
    stage.threshold = static_cast<float>(in.number(in.child(*stage_node, "stageThreshold")));
    for (const XmlElement* weak : in.child(*stage_node, "weakClassifiers").all("_")) {
      stage.classifiers.push_back(read_weak(in, *weak));
    }
    cascade.stages.push_back(std::move(stage));
  }
  if (const XmlElement* count = top.find("stageNum")) {
    const int n = in.integer(*count);
    if (n != static_cast<int>(cascade.stages.size())) {
      in.fail(detail::concat("stageNum says ", n, " stages, the file holds ",
                             cascade.stages.size()));
    }
  }
  for (const XmlElement* feature : in.child(top, "features").all("_")) {
    cascade.features.push_back(read_feature(in, *feature));
  }
  try {
    check_cascade(cascade);
  } catch (const ArgumentError& e) {
    in.fail(e.what());
  }
  return cascade;
}

Cascade load_cascade(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  MEDIMG_CHECK_FILE(file.good() && !std::filesystem::is_directory(path), IoError, path,
                    "cannot open the cascade file");
  std::ostringstream content;
  content << file.rdbuf();
  return cascade_from_xml(content.str(), path.string());
}

std::string cascade_to_xml(const Cascade& cascade) {
  check_cascade(cascade);
  std::ostringstream out;
  int max_weak = 0;
  for (const CascadeStage& s : cascade.stages) {
    max_weak = std::max(max_weak, static_cast<int>(s.classifiers.size()));
  }
  out << "<?xml version=\"1.0\"?>\n<opencv_storage>\n"
      << "<cascade type_id=\"opencv-cascade-classifier\">\n"
      << "  <stageType>BOOST</stageType>\n  <featureType>HAAR</featureType>\n"
      << "  <height>" << cascade.height << "</height>\n  <width>" << cascade.width << "</width>\n"
      << "  <stageParams>\n";
  if (cascade.boost_params) {
    const CascadeBoostParams& p = *cascade.boost_params;
    out << "    <boostType>" << p.boost_type << "</boostType>\n"
        << "    <minHitRate>" << format_double(p.min_hit_rate) << "</minHitRate>\n"
        << "    <maxFalseAlarm>" << format_double(p.max_false_alarm_rate) << "</maxFalseAlarm>\n"
        << "    <weightTrimRate>" << format_double(p.weight_trim_rate) << "</weightTrimRate>\n"
        << "    <maxDepth>" << p.max_depth << "</maxDepth>\n"
        << "    <maxWeakCount>" << p.max_weak_count << "</maxWeakCount></stageParams>\n";
  } else {
    out << "    <maxWeakCount>" << max_weak << "</maxWeakCount></stageParams>\n";
  }
  out << "  <featureParams>\n    <maxCatCount>0</maxCatCount>";
  if (cascade.mode) {
    out << "\n    <featSize>1</featSize>\n    <mode>" << to_string(*cascade.mode) << "</mode>";
  }
  out << "</featureParams>\n  <stageNum>" << cascade.stages.size() << "</stageNum>\n"
      << "  <stages>\n";
  for (std::size_t s = 0; s < cascade.stages.size(); ++s) {
    const CascadeStage& stage = cascade.stages[s];
    out << "    <!-- stage " << s << " -->\n    <_>\n      <maxWeakCount>"
        << stage.classifiers.size() << "</maxWeakCount>\n      <stageThreshold>"
        << format_float(stage.threshold) << "</stageThreshold>\n      <weakClassifiers>";
    for (const WeakClassifier& weak : stage.classifiers) {
      out << "\n        <_>\n          <internalNodes>\n           ";
      for (const CascadeNode& n : weak.nodes) {
        out << ' ' << n.left << ' ' << n.right << ' ' << n.feature << ' '
            << format_float(n.threshold);
      }
      out << "</internalNodes>\n          <leafValues>\n           ";
      for (float leaf : weak.leaves) out << ' ' << format_float(leaf);
      out << "</leafValues></_>";
    }
    out << "</weakClassifiers></_>\n";
  }
  out << "  </stages>\n  <features>\n";
  for (const HaarFeature& f : cascade.features) {
    out << "    <_>\n      <rects>";
    for (const HaarRect& r : f.rects) {
      out << "\n        <_>\n          " << r.x << ' ' << r.y << ' ' << r.width << ' '
          << r.height << ' ' << format_float(r.weight) << "</_>";
    }
    out << "</rects>\n      <tilted>" << (f.tilted ? 1 : 0) << "</tilted></_>\n";
  }
  out << "  </features>\n</cascade>\n</opencv_storage>\n";
  return out.str();
}

void save_cascade(const Cascade& cascade, const std::filesystem::path& path) {
  const std::string xml = cascade_to_xml(cascade);
  write_atomically(path, [&](const std::filesystem::path& temporary) {
    std::ofstream file(temporary, std::ios::binary);
    file << xml;
    file.flush();
    MEDIMG_CHECK_FILE(file.good(), IoError, path, "cannot write the cascade file");
  });
}

}  // namespace medimg
