"""Issue #25: the statements the audit found wrong or misleading, each held against what it claims
(PyTorch's arithmetic, the app's own numbers) or pinned in its corrected words."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from visualizer.core import convolution as cv
from visualizer.resources import resource_path

REPO = Path(__file__).resolve().parent.parent


def _page(name: str) -> str:
    text = (resource_path("guide") / name).read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(html.unescape(text).split())


def _flat(text: str) -> str:
    return " ".join(text.split())


# --- wrong --------------------------------------------------------------------------------------

def test_weight_decay_equals_half_lambda_times_the_sum_of_squares():
    torch.manual_seed(0)
    w0 = torch.randn(5, 3)
    x, y = torch.randn(8, 3), torch.randn(8, 5)
    steps = []
    for wd, penalty in ((0.01, 0.0), (0.0, 0.005)):  # weight_decay=0.01 against 0.005·Σw² in the loss
        w = w0.clone().requires_grad_(True)
        opt = torch.optim.SGD([w], lr=0.1, momentum=0.5, weight_decay=wd)
        for _ in range(3):
            opt.zero_grad()
            loss = ((x @ w.T - y) ** 2).mean() + penalty * (w ** 2).sum()
            loss.backward()
            opt.step()
        steps.append(w.detach())
    assert torch.allclose(steps[0], steps[1], atol=1e-6)
    page = _page("04-training.html")
    assert "twice as large" not in page
    assert "has a λ half as large for the same effect: weight_decay=0.01 is the penalty 0.005·Σ w²" in page


def test_the_same_numbers_need_the_same_thread_count():
    page = _page("04-training.html")
    assert "the same seed and device give the same numbers as in the app" not in page
    assert "The same seed and device give the same numbers with the same number of CPU threads" in page
    readme = _flat((REPO / "README.md").read_text(encoding="utf-8"))
    assert "same seed and device, same numbers" not in readme
    assert "the same seed, device and number of CPU threads give the same numbers" in readme


def test_four_tools_in_the_welcome_page_and_the_about_box():
    pytest.importorskip("PySide6")
    from visualizer.ui.shell.help import ABOUT_TEXT
    from visualizer.ui.shell.main_window import TOOLS

    page = _page("01-welcome.html")
    assert len(TOOLS) == 4
    assert "It has four tools, one per tab" in page and "three tools" not in page
    assert all(t.title in page for t in TOOLS)
    assert "four tools" in ABOUT_TEXT and "network view" in ABOUT_TEXT


# --- misleading ---------------------------------------------------------------------------------

def test_the_star_is_the_epoch_whose_weights_early_stopping_keeps():
    from visualizer.core.curves import BEST_NOTE

    assert "would stop here" not in BEST_NOTE and "the epoch early stopping keeps" in BEST_NOTE
    page = _page("04-training.html")
    assert "where early stopping would stop" not in page
    assert "Early stopping itself stops patience epochs later" in page
    for module in ("plot_options.py", "plots.py"):
        assert "would stop" not in (REPO / "visualizer" / "ui" / "training" / module).read_text(encoding="utf-8")


def test_keras_restores_the_best_weights_at_the_end_too():
    page = _page("04-training.html")
    assert "here the best epoch's weights are also put back when all epochs ran" not in page
    assert "current Keras puts the best weights back at the end of training whether or not it stopped early" in page


def test_adam_weight_decay_is_coupled_and_batch_norm_makes_the_scale_irrelevant():
    page = _page("04-training.html")
    assert "not the decoupled weight decay of AdamW" in page
    form_source = _flat((REPO / "visualizer" / "ui" / "training" / "form.py").read_text(encoding="utf-8"))
    assert "(not AdamW's decoupled decay)" in form_source
    # behind batch norm a convolution's scale does not change the output
    torch.manual_seed(0)
    conv, bn = torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4)
    x = torch.randn(8, 1, 10, 10)
    out = bn(conv(x))
    with torch.no_grad():
        conv.weight.mul_(3.0)
        conv.bias.mul_(3.0)
    assert torch.allclose(bn(conv(x)), out, atol=1e-4)
    assert "gives the same output in training whatever the scale of its weights" in page
    import argparse

    from visualizer.commands.train import add_train_options

    p = argparse.ArgumentParser()
    add_train_options(p)
    help_text = _flat(p.format_help())
    assert "not AdamW's decoupled decay" in help_text and "not the l2 loss" in help_text


def test_the_guide_names_rows_skipped_between_windows():
    page = _page("02-convolution.html")
    assert "reads rows 1, 3 and 5 of a 6×6 input and never rows 2, 4 and 6" in page
    note = cv.size_report((6, 6), (1, 1), cv.ConvSpec(stride=(2, 2))).warnings[0]
    assert "skip rows 2 and 4" in note and "leaves the last 1 row" in note  # row 6: the last one


def test_the_receptive_field_does_not_ignore_padding():
    readme = _flat((resource_path("architectures") / "README.md").read_text(encoding="utf-8"))
    assert "Padding is ignored" not in readme
    assert "Its size and the jump do not depend on padding" in readme
    assert "padding only moves where the field sits on the input" in readme


def test_the_sweep_bars_are_the_seed_spread_and_the_standard_error_is_given():
    page = _page("04-training.html")
    assert "the seed-to-seed spread, not the uncertainty of the mean" in page
    assert "standard error, SD/√n" in page


def test_eta_0_1_single_batch_peak_is_named_apart_from_the_first_interval_mean():
    page = _page("05-formulas.html")
    assert "only the first ~10 iterations spike (loss up to 3.45)" not in page
    assert "single batches up to 5.22 (the 3rd); the first reporting interval of 10 batches averages 3.45" in page


def test_the_l2_loss_gradient_is_small_at_initialisation():
    page = _page("05-formulas.html")
    assert "its gradient vanishes when a wrong class is already near 1, which is why" not in page
    assert "about 50 times smaller than with cross-entropy" in page and "0.019 against 0.956" in page
    # the ratio does not hinge on the digits: for any logits near 0, ‖p − e_t‖ against the L2 loss's
    # gradient through the softmax Jacobian and the mean over 10 classes
    torch.manual_seed(0)
    z = (0.1 * torch.randn(256, 10)).requires_grad_(True)
    t = torch.randint(0, 10, (256,))
    g_ce, = torch.autograd.grad(torch.nn.functional.cross_entropy(z, t, reduction="sum"), z)
    onehot = torch.nn.functional.one_hot(t, 10).float()
    l2 = ((torch.softmax(z, 1) - onehot) ** 2).mean(1).sum()
    g_l2, = torch.autograd.grad(l2, z)
    ratio = (g_ce.norm(dim=1).mean() / g_l2.norm(dim=1).mean()).item()
    assert 40 < ratio < 60


def test_dropout_validation_and_seed_tooltips_say_what_happens():
    pytest.importorskip("PySide6")
    from visualizer.ui.training import form

    seed, val = form._SPINS["seed"][1], form._SPINS["val_size"][1]
    assert "number of CPU threads" in seed
    assert "random subset" in val and "the rest of" not in val
    source = _flat((REPO / "visualizer" / "ui" / "training" / "form.py").read_text(encoding="utf-8"))
    assert "zeroes that share of its inputs" not in source
    assert "each of its inputs independently with \" \"probability p and scales the kept ones by 1/(1−p)" in source


def test_the_regulariser_is_named_apart_from_the_l2_loss():
    pytest.importorskip("PySide6")
    from visualizer.ui.training.form import WEIGHT_DECAY_LABEL
    from visualizer.ui.training.model import LOSSES

    assert "L2" in LOSSES["l2"] and "L2" not in WEIGHT_DECAY_LABEL


def test_same_padding_label_says_ceil_n_over_s_above_stride_1():
    pytest.importorskip("PySide6")
    from visualizer.ui.conv.parameters import SAME_PADDING_LABEL

    assert "keep the size" not in SAME_PADDING_LABEL and "⌈N / S⌉" in SAME_PADDING_LABEL
    for n, s in ((7, 1), (7, 2), (8, 3)):
        r = cv.size_report((n, n), (3, 3), cv.ConvSpec(stride=(s, s), padding="same"))
        assert r.out_shape == (math.ceil(n / s),) * 2


def test_probabilities_are_not_calibrated():
    page = _page("07-network.html")
    assert "not as the chance that it is right" in page and "not calibrated" in page
    pytest.importorskip("PySide6")
    from visualizer.ui.network.probabilities import PROBABILITIES_TIP

    assert "not calibrated chances" in PROBABILITIES_TIP


def test_the_means_standard_error_is_the_spread_over_root_n():
    pytest.importorskip("PySide6")
    from visualizer.core.sweep import SweepSeries
    from visualizer.ui.training.sweep_plot import standard_error_text

    ys = [0.97, 0.98, 0.99]
    sd = float(np.std(ys, ddof=1))
    series = [SweepSeries("", [0.0], [(0.0, y) for y in ys], [float(np.mean(ys))], [sd])]
    se = 100 * sd / math.sqrt(3)
    assert standard_error_text(series, 100.0, True) == f"; the means' standard error (SD/√n, n seeds): {se:.3g} points"
    one = [SweepSeries("", [0.0], [(0.0, 0.97)], [0.97], [0.0])]
    assert standard_error_text(one, 100.0, True) == ""  # one seed: no standard error to give


# --- not taught before ----------------------------------------------------------------------------

def test_a_1x1_convolution_is_a_linear_layer_at_every_pixel():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, kernel_size=1, bias=True)
    assert sum(p.numel() for p in conv.parameters()) == 4 * (3 + 1) == 16
    linear = torch.nn.Linear(3, 4)
    with torch.no_grad():
        linear.weight.copy_(conv.weight[:, :, 0, 0])
        linear.bias.copy_(conv.bias)
    x = torch.randn(2, 3, 5, 6)
    per_pixel = linear(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    assert torch.allclose(conv(x), per_pixel, atol=1e-6)
    page = _page("02-convolution.html")
    assert "fully connected (Linear) layer from the C input channels to the K output channels" in page
    assert "4·(3 + 1) = 16" in page and "64·(3 + 1) = 256" in page


def test_more_data_and_augmentation_are_remedies():
    page = _page("04-training.html")
    assert "More data is the surest remedy" in page and "Data augmentation makes more data" in page
    assert "never to validation or test" in page


@pytest.mark.mnist
def test_the_guides_eta_0_1_numbers_are_what_the_app_measures(mnist_dir):
    """The course run at η = 0.1 (seed 0, one thread): single-batch losses of the first 10 batches."""
    from visualizer.core.mnist import load_mnist
    from visualizer.core.training import Callback, TrainConfig, Trainer

    losses: list[float] = []

    class Record(Callback):
        def on_batch_end(self, trainer, record):
            losses.append(record["train_loss"])
            if len(losses) == 10:
                trainer.abort()  # no final evaluation over the 50,000 images

    data = load_mnist(mnist_dir, 50_000, 1000, 1000, 0)
    cfg = TrainConfig(lr=0.1, report_every=128, num_threads=1, device="cpu", val_size=1000, test_size=1000)
    Trainer(cfg, data, [Record()]).run()
    assert max(losses) == pytest.approx(5.22, abs=0.01) and int(np.argmax(losses)) == 2
    assert float(np.mean(losses)) == pytest.approx(3.45, abs=0.01)
    assert sum(v > math.log(10) for v in losses) == 9


def test_the_network_tab_counts_from_1_and_shows_no_negative_position():
    pytest.importorskip("PySide6")
    from visualizer.ui.network.model import field_text

    # a 3×3 field at the top-left corner of a padded 28×28 input starts at row −1, column −1 (from 0)
    assert field_text((-1, -1, 3, 3), (28, 28)) == "; receptive field 3×3: input rows 1–2, columns 1–2 (the rest on padding)"
    assert field_text((4, 10, 3, 3), (28, 28)) == "; receptive field 3×3: input rows 5–7, columns 11–13"
    assert field_text((26, 0, 1, 1), (28, 28)) == "; receptive field 1×1: input row 27, column 1"
    for module in ("model.py", "opened.py", "opened_text.py"):
        source = (REPO / "visualizer" / "ui" / "network" / module).read_text(encoding="utf-8")
        assert "row {y}, column {x}" not in source and "row {oy}, column {ox}" not in source
    source = "".join((REPO / "visualizer" / "ui" / "network" / m).read_text(encoding="utf-8")
                     for m in ("opened.py", "opened_text.py"))  # the view and its words
    assert "output channel {parts.out_channel + 1}" in source and "Input channel {c + 1} only" in source


def test_every_course_experiment_has_expected_results_and_a_caption():
    from visualizer.core.experiments import EXPERIMENTS, LOOK_AT

    page = _page("04-training.html")
    section = page[page.index("What the course experiments should show"):page.index("Where MNIST comes from")]
    assert "seed 0, one torch thread" in section
    for name in EXPERIMENTS:
        assert name in section
        assert LOOK_AT[name]
    for fact in ("95.81 %", "97.44 %", "98.86 %", "4,350 parameters"):
        assert fact in section
    for fact in ("0.286 at epoch 12", "0.381 (epoch 40)", "stopped after epoch 17", "seed 0, one torch thread"):
        assert fact in page


def test_the_best_epoch_is_named_by_its_rule_everywhere():
    """Wrong #3: "best epoch (highest validation accuracy)"; every run's best epoch is its lowest
    validation loss (the earliest of equals), in the Sweep plot, the README's sweep.csv and the core."""
    from visualizer.core.runs import best_epoch_of
    from visualizer.ui.training import sweep_plot

    labels = " ".join(text for text, _ in sweep_plot.METRICS.values())
    assert "best epoch (lowest validation loss)" in labels and "highest validation accuracy" not in labels
    readme = _flat((Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8"))
    assert "`best_epoch` (the epoch with the lowest validation loss, the earliest of equals" in readme
    assert "highest validation accuracy" not in readme
    epochs = [{"epoch": 1, "val_loss": 0.3, "val_accuracy": 0.90}, {"epoch": 2, "val_loss": 0.2, "val_accuracy": 0.89},
              {"epoch": 3, "val_loss": 0.2, "val_accuracy": 0.95}]
    assert best_epoch_of(epochs)["best_epoch"] == 2  # lowest loss, earliest of equals; not the best accuracy
