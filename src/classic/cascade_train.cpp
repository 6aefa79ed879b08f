// opencv_traincascade's training loop (CvCascadeClassifier::train, CvCascadeBoost): stage
// after stage, collect the positives and negative windows the cascade so far accepts, then
// boost stumps until the stage reaches its false alarm rate at min_hit_rate.
#include "medimg/classic/cascade_train.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>

#include <opencv2/core/mat.hpp>

#include "detail/haar_eval.hpp"
#include "detail/integral_kernel.hpp"
#include "detail/negative_levels.hpp"
#include "detail/stump_search.hpp"
#include "detail/window_samples.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {
namespace {

void check_options(const CascadeTrainOptions& o) {
  MEDIMG_CHECK(o.num_stages() >= 1, ArgumentError, "num_stages must be >= 1, got ", o.num_stages());
  MEDIMG_CHECK(o.num_positives() >= 0, ArgumentError, "num_positives must be >= 0, got ",
               o.num_positives());
  MEDIMG_CHECK(o.num_negatives() >= 1, ArgumentError, "num_negatives must be >= 1, got ",
               o.num_negatives());
  MEDIMG_CHECK(o.min_hit_rate() > 0 && o.min_hit_rate() < 1, ArgumentError,
               "min_hit_rate must be in (0, 1), got ", o.min_hit_rate());
  MEDIMG_CHECK(o.max_false_alarm_rate() > 0 && o.max_false_alarm_rate() < 1, ArgumentError,
               "max_false_alarm_rate must be in (0, 1), got ", o.max_false_alarm_rate());
  MEDIMG_CHECK(o.weight_trim_rate() > 0 && o.weight_trim_rate() <= 1, ArgumentError,
               "weight_trim_rate must be in (0, 1], got ", o.weight_trim_rate());
  MEDIMG_CHECK(o.max_weak_count() >= 1, ArgumentError, "max_weak_count must be >= 1, got ",
               o.max_weak_count());
  MEDIMG_CHECK(std::isfinite(o.acceptance_ratio_break_value()), ArgumentError,
               "acceptance_ratio_break_value must be finite, got ",
               o.acceptance_ratio_break_value());
  MEDIMG_CHECK(std::isfinite(o.precalc_buffer_mb()) && o.precalc_buffer_mb() >= 0,
               ArgumentError, "precalc_buffer_mb must be >= 0, got ", o.precalc_buffer_mb());
}

// The background images as uint8 Mats (shallow over contiguous tensors, which `keep` holds);
// images smaller than the window are skipped.
std::vector<cv::Mat> background_images(const std::vector<at::Tensor>& negatives,
                                       std::int64_t height, std::int64_t width,
                                       std::vector<at::Tensor>& keep) {
  std::vector<cv::Mat> images;
  for (std::size_t k = 0; k < negatives.size(); ++k) {
    const at::Tensor& t = negatives[k];
    MEDIMG_CHECK(t.defined() && t.dim() == 2, ShapeError, "negative image ", k,
                 " must be (Y, X), got ", t.defined() ? t.sizes() : at::IntArrayRef{});
    MEDIMG_CHECK(t.scalar_type() == at::kByte, ArgumentError, "negative image ", k,
                 " must be uint8, got ", t.scalar_type());
    MEDIMG_CHECK(t.size(0) < (1 << 24) && t.size(1) < (1 << 24), ShapeError, "negative image ",
                 k, " is too large: ", t.sizes());
    if (t.size(0) < height || t.size(1) < width) continue;
    keep.push_back(t.contiguous());
    const auto v = view<const std::uint8_t, 2>(keep.back());
    images.emplace_back(static_cast<int>(v.size(0)), static_cast<int>(v.size(1)), CV_8UC1,
                        const_cast<std::uint8_t*>(v.data()));
  }
  return images;
}

// Whether each sample passes every stage trained so far (detection's exact evaluation).
std::vector<char> accepted(const detail::WindowSamples& samples, const Cascade& cascade) {
  const detail::CompiledCascade compiled(cascade, samples.stride());
  std::vector<char> keep(static_cast<std::size_t>(samples.size()));
  parallel_for(0, samples.size(), 64, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t i = first; i < last; ++i) {
      keep[static_cast<std::size_t>(i)] = compiled.stages_passed(samples.tables(i)) == compiled.num_stages();
    }
  });
  return keep;
}

// The stream of background windows with the level being scanned.
class NegativeSource {
 public:
  NegativeSource(std::vector<cv::Mat> images, std::int64_t height, std::int64_t width)
      : levels_(std::move(images), height, width) {}

  // Adds to `out` up to `count` windows the cascade accepts; returns how many windows were
  // scanned for them. Stops early when the images are exhausted or a whole round yields no
  // accepted window.
  std::int64_t fill(detail::WindowSamples& out, std::int64_t count, const Cascade& cascade) {
    std::int64_t scanned = 0, found = 0;
    std::int64_t round_of_last_find = levels_.round();
    while (found < count) {
      if (next_ == level_.xs.size()) {
        if (!levels_.next(level_)) break;
        next_ = 0;
        tables_for_level();
      }
      if (levels_.round() > round_of_last_find + 1) break;  // a full round found nothing
      const detail::CompiledCascade compiled(cascade, level_.image.cols + 1);
      const std::size_t first = next_, total = level_.xs.size();
      std::vector<char> pass(total - first);
      parallel_for(static_cast<std::int64_t>(first), static_cast<std::int64_t>(total), 256,
                   [&](std::int64_t a, std::int64_t b) {
                     for (std::int64_t k = a; k < b; ++k) {
                       pass[static_cast<std::size_t>(k) - first] =
                           compiled.stages_passed(window(static_cast<std::size_t>(k))) ==
                           compiled.num_stages();
                     }
                   });
      for (std::size_t k = first; k < total; ++k) {
        ++scanned;
        next_ = k + 1;
        if (!pass[k - first]) continue;
        const std::uint8_t* pixels =
            level_.image.ptr<std::uint8_t>(level_.ys[k]) + level_.xs[k];
        out.add(pixels, static_cast<std::int64_t>(level_.image.step[0]));
        round_of_last_find = levels_.round();
        if (++found == count) break;
      }
    }
    return scanned;
  }

 private:
  void tables_for_level() {
    const std::int64_t rows = level_.image.rows, cols = level_.image.cols;
    const auto size = static_cast<std::size_t>((rows + 1) * (cols + 1));
    sum_.resize(size);
    squared_.resize(size);
    tilted_.resize(size);
    detail::integral_tables_u8(rows, cols, level_.image.ptr<std::uint8_t>(0),
                               static_cast<std::int64_t>(level_.image.step[0]), sum_.data(),
                               squared_.data(), tilted_.data(), cols + 1);
  }

  detail::WindowTables window(std::size_t k) const {
    const std::int64_t o = level_.ys[k] * std::int64_t{level_.image.cols + 1} + level_.xs[k];
    return {sum_.data() + o, squared_.data() + o, tilted_.data() + o};
  }

  detail::NegativeLevels levels_;
  detail::NegativeLevel level_;
  std::size_t next_ = 0;
  std::vector<std::uint32_t> sum_, squared_, tilted_;
};

// CvBoost::trim_weights: the samples that make up weight_trim_rate of the (unit) total,
// heaviest first, stay active.
std::vector<char> trim(const std::vector<double>& w, double trim_rate) {
  std::vector<char> active(w.size(), 1);
  if (trim_rate >= 1) return active;
  std::vector<double> sorted = w;
  std::sort(sorted.begin(), sorted.end());
  double rest = 1.0 - trim_rate;
  std::size_t i = 0;
  for (; i < sorted.size(); ++i) {
    if (rest <= 0) break;
    rest -= sorted[i];
  }
  const double threshold = i < sorted.size() ? sorted[i] : DBL_MAX;
  for (std::size_t k = 0; k < w.size(); ++k) active[k] = w[k] >= threshold;
  return active;
}

struct StageResult {
  CascadeStage stage;
  double hit_rate = 0;
  double false_alarm_rate = 1;
};

// Gentle AdaBoost of one stage (CvCascadeBoost::train with isErrDesired after each stump).
// Stumps refer to global feature indices; the caller maps them to the cascade's features.
StageResult train_stage(const std::vector<detail::CompiledFeature>& features,
                        const detail::StageSamples& samples, std::int64_t num_positives,
                        const CascadeTrainOptions& o, detail::PresortBuffers& buffers) {
  const std::int64_t n = samples.size();
  const detail::PresortedFeatures presorted(features, samples, o.precalc_buffer_mb(), buffers);
  std::vector<double> w(static_cast<std::size_t>(n), 1.0 / static_cast<double>(n));
  std::vector<char> active(static_cast<std::size_t>(n), 1);
  std::vector<double> sums(static_cast<std::size_t>(n), 0.0);  // as detection adds: double
  StageResult result;
  const auto threshold_index =
      static_cast<std::int64_t>((1.0F - o.min_hit_rate()) * static_cast<float>(num_positives));
  while (static_cast<int>(result.stage.classifiers.size()) < o.max_weak_count()) {
    const detail::Stump stump = presorted.best_stump(w, active);
    if (stump.feature < 0) break;
    result.stage.classifiers.push_back({{{stump.feature, stump.threshold, 0, -1}},
                                        {stump.left, stump.right}});
    const detail::CompiledFeature& f = features[static_cast<std::size_t>(stump.feature)];
    double total = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      const double value = samples.value(f, i);
      const float response = value < stump.threshold ? stump.left : stump.right;
      sums[k] += response;
      w[k] *= std::exp(-samples.labels[k] * static_cast<double>(response));
      total += w[k];
    }
    if (total > FLT_EPSILON) {
      for (double& x : w) x /= total;
    }
    active = trim(w, o.weight_trim_rate());
    // The threshold that keeps min_hit_rate of the positives (samples [0, num_positives)).
    std::vector<double> positive_sums(sums.begin(), sums.begin() + num_positives);
    std::sort(positive_sums.begin(), positive_sums.end());
    result.stage.threshold = static_cast<float>(
        positive_sums[static_cast<std::size_t>(std::min(threshold_index, num_positives - 1))]);
    const float effective = detail::effective_stage_threshold(result.stage.threshold);
    std::int64_t hits = 0, false_alarms = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      if (sums[static_cast<std::size_t>(i)] < effective) continue;
      (i < num_positives ? hits : false_alarms) += 1;
    }
    result.hit_rate = static_cast<double>(hits) / static_cast<double>(num_positives);
    result.false_alarm_rate =
        static_cast<double>(false_alarms) / static_cast<double>(n - num_positives);
    if (result.false_alarm_rate <= o.max_false_alarm_rate()) break;
    if (std::none_of(active.begin(), active.end(), [](char a) { return a != 0; })) break;
  }
  return result;
}

}  // namespace

Cascade train_cascade(const at::Tensor& positives, const std::vector<at::Tensor>& negatives,
                      const CascadeTrainOptions& options, const ProgressCallback& progress) {
  check_options(options);
  MEDIMG_CHECK(positives.defined() && positives.dim() == 3, ShapeError,
               "positives must be (N, H, W), got ",
               positives.defined() ? positives.sizes() : at::IntArrayRef{});
  const auto pos = view<const std::uint8_t, 3>(positives);
  const std::int64_t height = pos.size(1), width = pos.size(2);
  MEDIMG_CHECK(height >= 3 && width >= 3 && height <= 512 && width <= 512, ShapeError,
               "positive samples must be 3 to 512 pixels on each side, got ", height, " x ",
               width);
  MEDIMG_CHECK(pos.size(0) >= 1, ShapeError, "no positive sample given");
  std::vector<at::Tensor> keep;
  std::vector<cv::Mat> images = background_images(negatives, height, width, keep);
  MEDIMG_CHECK(!images.empty(), ShapeError, "no negative image is at least the window size ",
               height, " x ", width);

  const bool tilted = options.mode() == HaarMode::All;
  const std::vector<HaarFeature> all_features = haar_features(height, width, options.mode());
  std::vector<detail::CompiledFeature> compiled;
  compiled.reserve(all_features.size());
  for (const HaarFeature& f : all_features) compiled.push_back(detail::compile_feature(f, width + 1));

  // Positives the detector could never report (flat or low-contrast windows) are left out.
  detail::WindowSamples positive_pool(height, width, tilted);
  const at::Tensor pos_contiguous = positives.contiguous();
  const auto pc = view<const std::uint8_t, 3>(pos_contiguous);
  for (std::int64_t i = 0; i < pc.size(0); ++i) positive_pool.add(&pc(i, 0, 0), width);
  {
    std::vector<char> usable(static_cast<std::size_t>(positive_pool.size()));
    for (std::int64_t i = 0; i < positive_pool.size(); ++i) {
      usable[static_cast<std::size_t>(i)] =
          positive_pool.normalizer().accepts(positive_pool.factor(i));
    }
    positive_pool.filter(usable);
  }
  MEDIMG_CHECK(positive_pool.size() > 0, ArgumentError,
               "every positive sample is flat or has a grey-level std below about 10, which "
               "the detector rejects; stretch the contrast first");

  Cascade cascade;
  cascade.height = height;
  cascade.width = width;
  cascade.mode = options.mode();
  CascadeBoostParams params;
  params.min_hit_rate = options.min_hit_rate();
  params.max_false_alarm_rate = options.max_false_alarm_rate();
  params.weight_trim_rate = options.weight_trim_rate();
  params.max_weak_count = options.max_weak_count();
  cascade.boost_params = params;

  NegativeSource source(std::move(images), height, width);
  detail::PresortBuffers buffers;
  std::map<int, int> feature_index;  // global feature -> cascade feature
  const double required_false_alarm =
      std::pow(static_cast<double>(options.max_false_alarm_rate()), options.num_stages());
  cascade.training_stop_reason = "trained num_stages stages";
  for (int s = 0; s < options.num_stages(); ++s) {
    detail::WindowSamples stage_positives = positive_pool;
    if (s > 0) stage_positives.filter(accepted(positive_pool, cascade));
    if (options.num_positives() > 0 && stage_positives.size() > options.num_positives()) {
      std::vector<char> first(static_cast<std::size_t>(stage_positives.size()), 0);
      std::fill(first.begin(), first.begin() + options.num_positives(), 1);
      stage_positives.filter(first);
    }
    if (stage_positives.size() == 0) {
      cascade.training_stop_reason = "no positive sample passes the cascade";
      break;
    }
    detail::WindowSamples stage_negatives(height, width, tilted);
    const std::int64_t scanned = source.fill(stage_negatives, options.num_negatives(), cascade);
    if (stage_negatives.size() == 0) {
      cascade.training_stop_reason =
          "no background window passes the cascade (negatives exhausted)";
      break;
    }
    const double acceptance =
        static_cast<double>(stage_negatives.size()) / static_cast<double>(scanned);
    if (acceptance <= required_false_alarm) {
      cascade.training_stop_reason = "required false alarm rate reached";
      break;
    }
    if (options.acceptance_ratio_break_value() >= 0 &&
        acceptance <= options.acceptance_ratio_break_value()) {
      cascade.training_stop_reason = "acceptance_ratio_break_value reached";
      break;
    }
    detail::StageSamples samples;
    samples.append(stage_positives, +1);
    samples.append(stage_negatives, -1);
    StageResult trained = train_stage(compiled, samples, stage_positives.size(), options, buffers);
    if (trained.stage.classifiers.empty()) {
      cascade.training_stop_reason = "no feature separates the remaining samples";
      break;
    }
    for (WeakClassifier& weak : trained.stage.classifiers) {
      int& feature = weak.nodes[0].feature;
      const auto [it, added] =
          feature_index.emplace(feature, static_cast<int>(cascade.features.size()));
      if (added) cascade.features.push_back(all_features[static_cast<std::size_t>(feature)]);
      feature = it->second;
    }
    CascadeStageStats stats;
    stats.num_positives = stage_positives.size();
    stats.num_negatives = stage_negatives.size();
    stats.acceptance_ratio = acceptance;
    stats.num_weak = static_cast<std::int64_t>(trained.stage.classifiers.size());
    stats.hit_rate = trained.hit_rate;
    stats.false_alarm_rate = trained.false_alarm_rate;
    cascade.training_stats.push_back(stats);
    cascade.stages.push_back(std::move(trained.stage));
    if (progress) progress({"train_cascade", s + 1, options.num_stages()});
  }
  MEDIMG_CHECK(!cascade.stages.empty(), ArgumentError,
               "no stage could be trained: ", cascade.training_stop_reason);
  if (progress && static_cast<int>(cascade.stages.size()) < options.num_stages()) {
    progress({"train_cascade", options.num_stages(), options.num_stages()});
  }
  return cascade;
}

}  // namespace medimg
