"""The first run of a session loads torch on the training worker's thread, saying so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

CODE = """
import sys
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
from visualizer.core.errors import UserInputError
from visualizer.core.training import TrainConfig
from visualizer.ui.training.worker import TrainingWorker

def no_trainer(*args, **kwargs):
    raise UserInputError("no trainer in this test")

phases, failures = [], []
before = 'torch' in sys.modules
worker = TrainingWorker(TrainConfig(), None, trainer_factory=no_trainer)
worker.phase.connect(phases.append)
worker.run_failed.connect(failures.append)
worker.work()
print('RESULT', before, 'torch' in sys.modules, phases, failures)
"""


def test_the_first_run_says_loading_pytorch_while_torch_loads_on_its_thread():
    done = subprocess.run([sys.executable, "-c", CODE], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    line = done.stdout.split("RESULT", 1)[1].strip()
    assert line.startswith("False True ['Loading PyTorch…', 'Loading MNIST…'] ['no trainer in this test']"), line
