// Losses (medimg::nn::DiceLoss, ...) as torch.nn.Modules, bound like the networks in
// bind_nn.cpp: torch::python::bind_module puts each C++ class in _medimg.cpp and a
// ModuleWrapper subclass in _medimg; python/medimg/nn/_losses.py derives the public classes.
#include "common.hpp"

#include <torch/python.h>

#include "medimg/nn/losses.hpp"

namespace medimg::python {

void bind_nn_losses(py::module_& m) {
  using Weights = std::vector<double>;

  const nn::WeightedBCELossOptions bce;
  torch::python::bind_module<nn::WeightedBCELossImpl>(m, "WeightedBCELoss")
      .def(py::init([](Weights pos_weight, Weights weight, const std::string& reduction) {
             return std::make_shared<nn::WeightedBCELossImpl>(
                 nn::WeightedBCELossOptions()
                     .pos_weight(std::move(pos_weight))
                     .weight(std::move(weight))
                     .reduction(nn::parse_loss_reduction(reduction)));
           }),
           py::kw_only(), py::arg("pos_weight") = bce.pos_weight(),
           py::arg("weight") = bce.weight(),
           py::arg("reduction") = nn::to_string(bce.reduction()));

  const nn::DiceLossOptions dice;
  auto dice_options = [](bool include_background, const std::string& activation,
                         bool squared_pred, bool jaccard, double smooth_nr, double smooth_dr,
                         bool batch, Weights weight, const std::string& reduction) {
    return nn::DiceLossOptions()
        .include_background(include_background)
        .activation(nn::parse_loss_activation(activation))
        .squared_pred(squared_pred)
        .jaccard(jaccard)
        .smooth_nr(smooth_nr)
        .smooth_dr(smooth_dr)
        .batch(batch)
        .weight(std::move(weight))
        .reduction(nn::parse_loss_reduction(reduction));
  };
  torch::python::bind_module<nn::DiceLossImpl>(m, "DiceLoss")
      .def(py::init([dice_options](bool include_background, const std::string& activation,
                                   bool squared_pred, bool jaccard, double smooth_nr,
                                   double smooth_dr, bool batch, Weights weight,
                                   const std::string& reduction) {
             return std::make_shared<nn::DiceLossImpl>(
                 dice_options(include_background, activation, squared_pred, jaccard, smooth_nr,
                              smooth_dr, batch, std::move(weight), reduction));
           }),
           py::kw_only(), py::arg("include_background") = dice.include_background(),
           py::arg("activation") = nn::to_string(dice.activation()),
           py::arg("squared_pred") = dice.squared_pred(), py::arg("jaccard") = dice.jaccard(),
           py::arg("smooth_nr") = dice.smooth_nr(), py::arg("smooth_dr") = dice.smooth_dr(),
           py::arg("batch") = dice.batch(), py::arg("weight") = dice.weight(),
           py::arg("reduction") = nn::to_string(dice.reduction()));

  const nn::DiceCELossOptions dice_ce;
  torch::python::bind_module<nn::DiceCELossImpl>(m, "DiceCELoss")
      .def(py::init([dice_options](bool include_background, const std::string& activation,
                                   bool squared_pred, bool jaccard, double smooth_nr,
                                   double smooth_dr, bool batch, Weights weight,
                                   Weights ce_weight, double lambda_dice, double lambda_ce,
                                   const std::string& reduction) {
             return std::make_shared<nn::DiceCELossImpl>(
                 nn::DiceCELossOptions()
                     .dice(dice_options(include_background, activation, squared_pred, jaccard,
                                        smooth_nr, smooth_dr, batch, std::move(weight),
                                        reduction))
                     .ce_weight(std::move(ce_weight))
                     .lambda_dice(lambda_dice)
                     .lambda_ce(lambda_ce));
           }),
           py::kw_only(), py::arg("include_background") = dice.include_background(),
           py::arg("activation") = nn::to_string(dice.activation()),
           py::arg("squared_pred") = dice.squared_pred(), py::arg("jaccard") = dice.jaccard(),
           py::arg("smooth_nr") = dice.smooth_nr(), py::arg("smooth_dr") = dice.smooth_dr(),
           py::arg("batch") = dice.batch(), py::arg("weight") = dice.weight(),
           py::arg("ce_weight") = dice_ce.ce_weight(),
           py::arg("lambda_dice") = dice_ce.lambda_dice(),
           py::arg("lambda_ce") = dice_ce.lambda_ce(),
           py::arg("reduction") = nn::to_string(dice.reduction()));

  const nn::FocalLossOptions focal;
  torch::python::bind_module<nn::FocalLossImpl>(m, "FocalLoss")
      .def(py::init([](bool include_background, const std::string& activation, double gamma,
                       std::optional<double> alpha, Weights weight,
                       const std::string& reduction) {
             return std::make_shared<nn::FocalLossImpl>(
                 nn::FocalLossOptions()
                     .include_background(include_background)
                     .activation(nn::parse_loss_activation(activation))
                     .gamma(gamma)
                     .alpha(alpha)
                     .weight(std::move(weight))
                     .reduction(nn::parse_loss_reduction(reduction)));
           }),
           py::kw_only(), py::arg("include_background") = focal.include_background(),
           py::arg("activation") = nn::to_string(focal.activation()),
           py::arg("gamma") = focal.gamma(), py::arg("alpha") = py::none(),
           py::arg("weight") = focal.weight(),
           py::arg("reduction") = nn::to_string(focal.reduction()));

  const nn::TverskyLossOptions tversky;
  torch::python::bind_module<nn::TverskyLossImpl>(m, "TverskyLoss")
      .def(py::init([](bool include_background, const std::string& activation, double alpha,
                       double beta, double smooth_nr, double smooth_dr, bool batch,
                       const std::string& reduction) {
             return std::make_shared<nn::TverskyLossImpl>(
                 nn::TverskyLossOptions()
                     .include_background(include_background)
                     .activation(nn::parse_loss_activation(activation))
                     .alpha(alpha)
                     .beta(beta)
                     .smooth_nr(smooth_nr)
                     .smooth_dr(smooth_dr)
                     .batch(batch)
                     .reduction(nn::parse_loss_reduction(reduction)));
           }),
           py::kw_only(), py::arg("include_background") = tversky.include_background(),
           py::arg("activation") = nn::to_string(tversky.activation()),
           py::arg("alpha") = tversky.alpha(), py::arg("beta") = tversky.beta(),
           py::arg("smooth_nr") = tversky.smooth_nr(), py::arg("smooth_dr") = tversky.smooth_dr(),
           py::arg("batch") = tversky.batch(),
           py::arg("reduction") = nn::to_string(tversky.reduction()));

  // bind_module names its wrapper classes after the module that was importing at the time.
  for (const char* name :
       {"WeightedBCELoss", "DiceLoss", "DiceCELoss", "FocalLoss", "TverskyLoss"}) {
    m.attr(name).attr("__module__") = "medimg._medimg";
  }
}

}  // namespace medimg::python
