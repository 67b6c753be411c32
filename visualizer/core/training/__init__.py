"""Training MNIST nets: plain Python + torch, Keras/Lightning-style callbacks, no Qt.

- `config`: `TrainConfig` (a run's settings) and the limits it is checked against;
- `nets`: a preset or architecture document made into a torch module, and whether it can train;
- `trainer`: `Trainer` (set-up, controls, evaluation, results), `Callback`, `RunResult`;
- `loop`: `TrainingLoop`, the epochs of one run (steps, reporting, divergence, early stopping).

Device picking lives in `visualizer.core.devices` (`pick_device`). The names below are the
package's public ones: `from visualizer.core.training import TrainConfig, Trainer` and so on.
"""

from visualizer.core.training.config import (
    DIVERGENCE_FACTOR,
    LOSSES,
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_LR,
    MAX_REPORT_EVERY,
    MAX_THREADS,
    MAX_WEIGHT_DECAY,
    MNIST_MEAN,
    MNIST_STD,
    OPTIMIZERS,
    TEST_POOL,
    TRAIN_POOL,
    TrainConfig,
    divergence_bound,
    untrained_loss,
)
from visualizer.core.training.loop import TrainingFailed
from visualizer.core.training.nets import (
    NUM_CLASSES,
    TRAINABLE_OUTPUTS,
    build_model,
    check_trainable,
    net_label,
    resolve_architecture,
    trainability_problem,
)
from visualizer.core.training.trainer import (
    EVAL_BATCH,
    EVAL_BATCH_ACCEL,
    EVAL_CHANNELS_LAST,
    MAX_MISCLASSIFIED,
    Callback,
    RunResult,
    Trainer,
)

__all__ = [
    "DIVERGENCE_FACTOR", "EVAL_BATCH", "EVAL_BATCH_ACCEL", "EVAL_CHANNELS_LAST", "LOSSES", "MAX_BATCH_SIZE",
    "MAX_EPOCHS", "MAX_LR", "MAX_MISCLASSIFIED", "MAX_REPORT_EVERY", "MAX_THREADS", "MAX_WEIGHT_DECAY",
    "MNIST_MEAN", "MNIST_STD", "NUM_CLASSES", "OPTIMIZERS", "TEST_POOL", "TRAINABLE_OUTPUTS", "TRAIN_POOL",
    "Callback", "RunResult", "TrainConfig", "Trainer", "TrainingFailed", "build_model", "check_trainable",
    "divergence_bound", "net_label", "resolve_architecture", "trainability_problem", "untrained_loss",
]
