"""medimg.nn losses against torch's own losses, MONAI's published definitions (MONAI is not
installed: its formulas are written out below with torch) and hand-computed values;
gradients checked with torch.autograd.gradcheck in double precision through the binding."""

import math

import pytest
import torch
import torch.nn.functional as F

import medimg
from medimg import nn

SHAPES = {2: (2, 3, 5, 6), 3: (2, 3, 4, 5, 3)}


def _data(spatial_dims, seed=0, channels=3):
    g = torch.Generator().manual_seed(seed)
    shape = (SHAPES[spatial_dims][0], channels) + SHAPES[spatial_dims][2:]
    x = torch.randn(shape, generator=g, dtype=torch.float64)
    labels = torch.randint(0, channels, (shape[0],) + shape[2:], generator=g)
    return x, labels, F.one_hot(labels, channels).movedim(-1, 1).double()


def _targets(labels, one_hot, kind):
    return {"index": labels, "index_channel": labels[:, None], "one_hot": one_hot}[kind]


# --- MONAI's definitions (monai.losses 1.3), written out with torch --------------------------

def _activate(x, activation):
    return {"softmax": lambda t: t.softmax(1), "sigmoid": torch.sigmoid,
            "none": lambda t: t}[activation](x)


def _reduce(f, reduction):
    return {"mean": f.mean(), "sum": f.sum(), "none": f}[reduction]


def monai_dice(x, g, include_background=True, activation="softmax", squared_pred=False,
               jaccard=False, smooth_nr=1e-5, smooth_dr=1e-5, batch=False, weight=None,
               reduction="mean"):
    p = _activate(x, activation)
    if not include_background:
        p, g = p[:, 1:], g[:, 1:]
    axes = ([0] if batch else []) + list(range(2, p.dim()))
    intersection = (p * g).sum(axes)
    ground = (g ** 2 if squared_pred else g).sum(axes)
    predicted = (p ** 2 if squared_pred else p).sum(axes)
    denominator = ground + predicted
    if jaccard:
        denominator = 2.0 * (denominator - intersection)
    f = 1.0 - (2.0 * intersection + smooth_nr) / (denominator + smooth_dr)
    if weight is not None:
        f = f * torch.as_tensor(weight, dtype=f.dtype)
    return _reduce(f, reduction)


def monai_tversky(x, g, include_background=True, activation="softmax", alpha=0.5, beta=0.5,
                  smooth_nr=1e-5, smooth_dr=1e-5, batch=False, reduction="mean"):
    p0 = _activate(x, activation)
    if not include_background:
        p0, g = p0[:, 1:], g[:, 1:]
    p1, g0 = 1 - p0, g
    g1 = 1 - g0
    axes = ([0] if batch else []) + list(range(2, p0.dim()))
    tp = (p0 * g0).sum(axes)
    fp = alpha * (p0 * g1).sum(axes)
    fn = beta * (p1 * g0).sum(axes)
    return _reduce(1.0 - (tp + smooth_nr) / (tp + fp + fn + smooth_dr), reduction)


def monai_focal(x, g, include_background=True, activation="sigmoid", gamma=2.0, alpha=None,
                weight=None, reduction="mean"):
    """MONAI's sigmoid_focal_loss / softmax_focal_loss; medimg drops the background after
    the softmax over all channels (MONAI takes the softmax over the remaining ones)."""
    if activation == "sigmoid":
        loss = x - x * g - F.logsigmoid(x)
        loss = (F.logsigmoid(-x * (g * 2 - 1)) * gamma).exp() * loss
        if alpha is not None:
            loss = (g * alpha + (1 - g) * (1 - alpha)) * loss
    else:
        ls = x.log_softmax(1)
        loss = -(1 - ls.exp()).pow(gamma) * ls * g
        if alpha is not None:
            factor = torch.tensor([1 - alpha] + [alpha] * (g.shape[1] - 1), dtype=x.dtype)
            loss = factor.view([-1] + [1] * (g.dim() - 2)) * loss
    if not include_background:
        loss = loss[:, 1:]
    if weight is not None:
        loss = torch.as_tensor(weight, dtype=x.dtype).view([-1] + [1] * (x.dim() - 2)) * loss
    return _reduce(loss, reduction)


# --- torch overlaps ---------------------------------------------------------------------------

@pytest.mark.parametrize("spatial_dims", [2, 3])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weighted_bce_equals_torch_with_pos_weight_and_weight(spatial_dims, reduction):
    x, _, _ = _data(spatial_dims)
    y = (torch.rand(x.shape, generator=torch.Generator().manual_seed(1)) > 0.7).double()
    pos_weight, weight = [3.0, 0.5, 1.5], [1.0, 2.0, 0.25]
    axes = [-1] + [1] * spatial_dims  # torch broadcasts from the last axis: shape (C, 1, 1)
    expected = F.binary_cross_entropy_with_logits(
        x, y, weight=torch.tensor(weight).double().view(axes),
        pos_weight=torch.tensor(pos_weight).double().view(axes), reduction=reduction)
    loss = nn.WeightedBCELoss(pos_weight=pos_weight, weight=torch.tensor(weight),
                              reduction=reduction)
    torch.testing.assert_close(loss(x, y), expected)


def test_weighted_bce_classification_with_index_targets():
    """(N, C) multi-label logits; with one channel, class indices are the 0/1 labels."""
    x = torch.randn(8, 1, dtype=torch.float64)
    labels = torch.tensor([0, 1, 1, 0, 0, 0, 1, 0])
    expected = F.binary_cross_entropy_with_logits(x[:, 0], labels.double(),
                                                  pos_weight=torch.tensor(5 / 3).double())
    torch.testing.assert_close(nn.WeightedBCELoss(pos_weight=5 / 3)(x, labels), expected)


@pytest.mark.parametrize("spatial_dims", [2, 3])
@pytest.mark.parametrize("kind", ["index", "index_channel", "one_hot"])
def test_dice_ce_cross_entropy_term_equals_torch(spatial_dims, kind):
    x, labels, one_hot = _data(spatial_dims)
    weight = [0.2, 1.0, 3.0]
    target = _targets(labels, one_hot, kind)
    ce_only = nn.DiceCELoss(lambda_dice=0.0, ce_weight=weight)
    expected = F.cross_entropy(x, labels, weight=torch.tensor(weight).double())
    torch.testing.assert_close(ce_only(x, target), expected)
    summed = nn.DiceCELoss(lambda_dice=0.0, reduction="sum")
    torch.testing.assert_close(summed(x, target), F.cross_entropy(x, labels, reduction="sum"))
    both = nn.DiceCELoss(include_background=False, lambda_dice=0.7, lambda_ce=1.3)
    expected = 0.7 * monai_dice(x, one_hot, include_background=False) + \
        1.3 * F.cross_entropy(x, labels)
    torch.testing.assert_close(both(x, target), expected)


def test_dice_ce_with_sigmoid_uses_binary_cross_entropy():
    x, labels, one_hot = _data(2)
    loss = nn.DiceCELoss(activation="sigmoid", ce_weight=[1.0, 2.0, 3.0])
    expected = monai_dice(x, one_hot, activation="sigmoid") + F.binary_cross_entropy_with_logits(
        x, one_hot, weight=torch.tensor([1.0, 2.0, 3.0]).double().view(-1, 1, 1))
    torch.testing.assert_close(loss(x, one_hot), expected)


@pytest.mark.parametrize("activation", ["sigmoid", "softmax"])
def test_focal_with_gamma_zero_is_cross_entropy(activation):
    x, labels, one_hot = _data(2)
    loss = nn.FocalLoss(gamma=0.0, activation=activation, reduction="none")(x, labels)
    if activation == "sigmoid":
        expected = F.binary_cross_entropy_with_logits(x, one_hot, reduction="none")
        torch.testing.assert_close(loss, expected)
    else:
        torch.testing.assert_close(loss.sum(1), F.cross_entropy(x, labels, reduction="none"))


# --- MONAI's definitions ----------------------------------------------------------------------

DICE_OPTIONS = [
    {},
    {"include_background": False},
    {"squared_pred": True, "smooth_nr": 0.0, "smooth_dr": 1e-6},
    {"jaccard": True, "reduction": "sum"},
    {"batch": True, "reduction": "none"},
    {"activation": "sigmoid", "weight": [0.5, 1.0, 2.0], "reduction": "none"},
    {"activation": "none", "include_background": False, "weight": [2.0, 1.0]},
]


@pytest.mark.parametrize("spatial_dims", [2, 3])
@pytest.mark.parametrize("kind", ["index", "index_channel", "one_hot"])
@pytest.mark.parametrize("options", DICE_OPTIONS)
def test_dice_equals_monai(spatial_dims, kind, options):
    x, labels, one_hot = _data(spatial_dims)
    if options.get("activation") == "none":
        x = x.softmax(1)
    loss = nn.DiceLoss(**options)(x, _targets(labels, one_hot, kind))
    torch.testing.assert_close(loss, monai_dice(x, one_hot, **options))


TVERSKY_OPTIONS = [{}, {"alpha": 0.3, "beta": 0.7}, {"alpha": 0.8, "beta": 0.2,
                                                     "include_background": False},
                   {"batch": True, "reduction": "none", "activation": "sigmoid"},
                   {"reduction": "sum", "smooth_nr": 0.0, "smooth_dr": 1e-3}]


@pytest.mark.parametrize("spatial_dims", [2, 3])
@pytest.mark.parametrize("options", TVERSKY_OPTIONS)
def test_tversky_equals_monai(spatial_dims, options):
    x, labels, one_hot = _data(spatial_dims)
    loss = nn.TverskyLoss(**options)(x, labels)
    torch.testing.assert_close(loss, monai_tversky(x, one_hot, **options))


def test_tversky_with_equal_weights_is_dice():
    x, labels, _ = _data(2)
    exact = {"smooth_nr": 0.0, "smooth_dr": 0.0}  # the smoothing terms enter differently
    torch.testing.assert_close(nn.TverskyLoss(**exact)(x, labels), nn.DiceLoss(**exact)(x, labels))


FOCAL_OPTIONS = [{}, {"gamma": 1.5, "alpha": 0.25}, {"include_background": False, "weight": 2.0},
                 {"activation": "softmax"}, {"activation": "softmax", "alpha": 0.75,
                                             "reduction": "sum"},
                 {"activation": "softmax", "include_background": False,
                  "weight": [1.0, 3.0], "reduction": "none"}]


@pytest.mark.parametrize("spatial_dims", [2, 3])
@pytest.mark.parametrize("options", FOCAL_OPTIONS)
def test_focal_equals_monai(spatial_dims, options):
    x, labels, one_hot = _data(spatial_dims)
    loss = nn.FocalLoss(**options)(x, labels[:, None])
    torch.testing.assert_close(loss, monai_focal(x, one_hot, **options))


def test_hand_computed_values():
    # Probabilities of two pixels, 90 % class 0 and 80 % class 1, labelled 0 and 1.
    p = torch.tensor([[[[0.9, 0.2]], [[0.1, 0.8]]]], dtype=torch.float64)
    y = torch.tensor([[[0, 1]]])
    dice = nn.DiceLoss(activation="none", smooth_nr=0.0, smooth_dr=0.0, reduction="none")(p, y)
    torch.testing.assert_close(dice, torch.tensor([[1 - 1.8 / 2.1, 1 - 1.6 / 1.9]]).double())
    # A logit of 0 (p = 0.5) for a positive with pos_weight 4: 4 log 2.
    bce = nn.WeightedBCELoss(pos_weight=4.0)(torch.zeros(1, 1), torch.ones(1, 1))
    assert bce.item() == pytest.approx(4 * math.log(2))
    focal = nn.FocalLoss(gamma=2.0)(torch.zeros(1, 1), torch.ones(1, 1))
    assert focal.item() == pytest.approx(0.25 * math.log(2))


# --- gradients --------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", [
    nn.DiceLoss(), nn.DiceLoss(activation="sigmoid", squared_pred=True, batch=True),
    nn.TverskyLoss(alpha=0.3, beta=0.7), nn.FocalLoss(gamma=2.0, alpha=0.25),
    nn.FocalLoss(activation="softmax", gamma=1.5), nn.DiceCELoss(ce_weight=[1.0, 2.0, 0.5]),
    nn.WeightedBCELoss(pos_weight=[2.0, 1.0, 3.0]),
], ids=lambda loss: repr(loss).split("(")[0].split("::")[-1])
@pytest.mark.parametrize("spatial_dims", [2, 3])
def test_gradcheck_in_double_precision(loss, spatial_dims):
    x, labels, _ = _data(spatial_dims, channels=3)
    x = x[:1, :, :3, :3].clone().requires_grad_(True)
    target = labels[:1, :3, :3]
    assert torch.autograd.gradcheck(lambda t: loss(t, target), (x,), eps=1e-6, atol=1e-5)


# --- the modules and their errors -------------------------------------------------------------

def test_losses_are_torch_modules_without_state():
    loss = nn.DiceCELoss(include_background=False)
    assert isinstance(loss, torch.nn.Module)
    assert dict(loss.state_dict()) == {} and list(loss.parameters()) == []
    assert "DiceCELoss(include_background=false" in repr(loss)
    x, labels, _ = _data(2)
    assert loss.float()(x.float(), labels).dtype == torch.float32


def test_bad_targets_and_options_raise_clear_errors():
    x, labels, one_hot = _data(2)
    dice = nn.DiceLoss()
    with pytest.raises(medimg.ShapeError, match="does not fit the input"):
        dice(x, one_hot[:, :2])
    with pytest.raises(medimg.ShapeError, match=r"class indices of shape \[2, 5, 6\]"):
        dice(x, labels[:, :4])
    with pytest.raises(medimg.ArgumentError, match=r"must lie in \[0, 2\].*got values in \[1, 3\]"):
        dice(x, labels + 1)
    with pytest.raises(medimg.ArgumentError, match="whole numbers"):
        dice(x, labels.double() + 0.5)
    with pytest.raises(medimg.ArgumentError, match="'none', 'mean' or 'sum'"):
        nn.FocalLoss(reduction="average")
    with pytest.raises(medimg.ArgumentError, match="reduction 'none' is not defined"):
        nn.DiceCELoss(reduction="none")
    with pytest.raises(medimg.ArgumentError, match=r"one per channel \(3\)"):
        nn.WeightedBCELoss(weight=[1.0, 2.0])(x, one_hot)
    with pytest.raises(medimg.ArgumentError, match="softmax over 1 channel"):
        nn.DiceLoss()(x[:, :1], labels.clamp(max=1))
    with pytest.raises(medimg.ArgumentError, match="alpha"):
        nn.FocalLoss(alpha=-0.1)
    with pytest.raises(medimg.ArgumentError, match=r"TverskyLoss: unknown option\(s\) 'gamma'"):
        nn.TverskyLoss(gamma=2.0)
