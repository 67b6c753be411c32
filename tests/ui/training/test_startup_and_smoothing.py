"""Building the Training tab stays cheap: no torch, no scipy on the GUI thread; the smoothing is
the same debiased EMA as before, in numpy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from visualizer.core.curves import ema

REPO = Path(__file__).resolve().parents[3]

_BUILD = """
import sys, tempfile
from PySide6.QtWidgets import QApplication
app = QApplication([])
from visualizer.ui.training.panel import TrainingPanel
panel = TrainingPanel(runs_dir=tempfile.mkdtemp())
panel.plots.add_run("r", "r", "#1f77b4")
for i in range(1, 30):
    panel.plots.append_batch("r", {"examples_seen": 10 * i, "epoch": i / 30, "train_loss": 1 / i,
                                   "train_accuracy": 0.1})
panel.plots.options.smooth_check.setChecked(True)
panel.plots.refresh()
print("torch" in sys.modules, "scipy" in sys.modules, panel.form.device_combo.count(),
      panel.controls.device_label.text())
"""


def test_building_the_panel_imports_neither_torch_nor_scipy():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", _BUILD], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    torch, scipy, devices, label = done.stdout.strip().splitlines()[-1].split(" ", 3)
    assert torch == "False" and scipy == "False"
    assert devices == "2"  # auto and cpu until the device probe answers
    assert label == "Device: checking… (auto)"


def _lfilter_ema(values: np.ndarray, weight: float) -> np.ndarray:
    """The formula the plots used before (scipy.signal.lfilter), as the oracle."""
    from scipy.signal import lfilter

    finite = np.where(np.isfinite(values), values, 0.0)
    smoothed = lfilter([1.0 - weight], [1.0, -weight], finite)
    return smoothed / (1.0 - weight ** np.arange(1, len(values) + 1))


@pytest.mark.parametrize("weight", [0.0, 0.01, 0.3, 0.6, 0.9, 0.99])
@pytest.mark.parametrize("n", [1, 2, 7, 1000, 30_000])
def test_numpy_ema_matches_the_lfilter_formula(weight, n):
    rng = np.random.default_rng(n)
    values = 3 * rng.normal(size=n) + 2
    values[::13] = np.nan
    values[5::29] = np.inf
    got = ema(values, weight)
    if weight == 0.0:
        assert got is values
        return
    np.testing.assert_allclose(got, _lfilter_ema(values, weight), rtol=1e-9, atol=1e-12)
