"""The Network tab's batch-norm state: which BatchNorm2d layer, which mini-batch, which channel, and
what `core.batchnorm` computed for them.

It observes the tab's `NetworkModel` (the net shown) and is observed by `BatchNormView`. The work
(reading MNIST, the forward pass of up to 512 images, the statistics, the 20 + 20 batches of the
batch-size comparison) runs on a worker thread; the newest request wins, an older answer is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from visualizer.core import batchnorm as bn
from visualizer.core.errors import UserInputError
from visualizer.ui.network.loader import Job
from visualizer.ui.shell.threads import join_finished, keep_until_done, start_worker

HIST_BINS = 40
SHUTDOWN_WAIT_MS = 2000


@dataclass
class BatchNormResult:
    stats: Any  # core.batchnorm.BatchNormStats
    histograms: list[tuple[np.ndarray, np.ndarray]]  # per channel: (counts, edges) of the layer's input
    spread: Any = None  # core.batchnorm.BatchSpread, or None when the split is too short from `start`


def compute(request: dict) -> BatchNormResult:
    """On the worker thread: the statistics, each channel's input histogram and the spread."""
    net, layer, split = request["net"], request["layer"], request["split"]
    images = bn.mnist_images(split, request.get("data_dir") or None)
    batch = bn.batch_of(images, split, request["start"], request["size"])
    index = bn.find_batchnorm(net, layer)
    x = bn.layer_input(net, index, batch)
    stats = bn.statistics(x, list(net.module.children())[index], layer, split, request["start"])
    hists = [np.histogram(x[:, c].ravel(), bins=HIST_BINS) for c in range(x.shape[1])]
    spread = None
    need = max(bn.SPREAD_SIZES) * bn.SPREAD_BATCHES
    first = request["start"] if request["start"] + need <= len(images) else 0
    if need <= len(images):
        spread = bn.batch_spread(net, layer, images, first)
    return BatchNormResult(stats, hists, spread)


class BatchNormState(QObject):
    changed = Signal()  # the choices (layer list, layer, batch, channel)
    result_changed = Signal()
    busy_changed = Signal(bool)
    message = Signal(str)

    def __init__(self, network, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.network = network  # NetworkModel
        self.layers: list[str] = []
        self.layer = ""
        self.split = "test"
        self.start = 0
        self.size = 128
        self.channel = 1  # from 1
        self.result: BatchNormResult | None = None
        self.error = ""
        self._serial = 0
        self._running: list[tuple[Any, Any]] = []
        self._pending = False  # asked again while a job runs: one more run when it ends
        network.net_changed.connect(self._net_changed)

    # -- choices ---------------------------------------------------------------------------
    @Slot()
    def _net_changed(self) -> None:
        net = self.network.net
        names = bn.batchnorm_layers(net) if net is not None else []
        shown = self.result is not None or bool(self.error) or bool(self._running)  # the view was in use
        if names != self.layers or self.layer not in names:
            self.layers = names
            self.layer = self.layer if self.layer in names else (names[0] if names else "")
            self.result = None
            self.changed.emit()
            self.result_changed.emit()
        if shown:
            self.compute()  # another net, or new weights of a live run: the same batch again

    def set_choice(self, layer: str | None = None, split: str | None = None, start: int | None = None,
                   size: int | None = None) -> None:
        """Change what is computed; an impossible batch is reported, and nothing is computed."""
        self.layer = self.layer if layer is None else str(layer)
        self.split = self.split if split is None else str(split)
        self.start = self.start if start is None else int(start)
        self.size = self.size if size is None else int(size)
        self.changed.emit()
        self.compute()

    def set_channel(self, channel: int) -> None:
        count = len(self.result.stats.channels) if self.result is not None else 0
        channel = int(min(max(1, channel), max(1, count)))
        if channel != self.channel:
            self.channel = channel
            self.changed.emit()
            self.result_changed.emit()

    def channel_stats(self):
        if self.result is None or not 1 <= self.channel <= len(self.result.stats.channels):
            return None
        return self.result.stats.channels[self.channel - 1]

    # -- the work ---------------------------------------------------------------------------
    def compute(self) -> None:
        net = self.network.net
        if net is None or not self.layer:
            self._fail("This net has no BatchNorm2d layer" if net is not None else "No net loaded yet")
            return
        try:
            bn.check_batch(self.split, self.start, self.size, 60_000 if self.split == "train" else 10_000)
        except UserInputError as exc:
            self._fail(str(exc))
            return
        if self._running:
            self._pending = True  # newest wins, without piling up threads (a live run's weights)
            return
        self._serial += 1
        request = {"net": net, "layer": self.layer, "split": self.split, "start": self.start, "size": self.size,
                   "data_dir": self.network.data_dir}
        job = Job("batchnorm", self._serial, request, compute)
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        self._running.append((start_worker(job, self._finished), job))
        self.busy_changed.emit(True)

    def _fail(self, text: str) -> None:
        self.error = text
        self.result = None
        self.result_changed.emit()
        self.message.emit(text)

    @Slot(object)
    def _succeeded(self, answer: tuple) -> None:
        _kind, serial, _request, result = answer
        if serial != self._serial or self._pending:
            return  # the choices changed since: the next run answers
        self.error = ""
        self.result = result
        self.channel = min(self.channel, len(result.stats.channels))
        self.changed.emit()
        self.result_changed.emit()

    @Slot(object)
    def _failed(self, answer: tuple) -> None:
        _kind, serial, _request, message = answer
        if serial == self._serial and not self._pending:
            self._fail(f"Batch norm: {message}")

    @Slot()
    def _finished(self) -> None:
        for entry in [e for e in self._running if e[0].isFinished()]:
            join_finished(entry[0])
            self._running.remove(entry)
        if self._pending and not self._running:
            self._pending = False
            self.compute()
        self.busy_changed.emit(bool(self._running))

    def busy(self) -> bool:
        return bool(self._running)

    def shutdown(self) -> None:
        self._pending = False
        for thread, job in list(self._running):
            if not thread.wait(SHUTDOWN_WAIT_MS):
                keep_until_done(thread, job)
        self._running.clear()
