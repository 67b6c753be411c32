"""The Network tab's one state model: the net, the image, every layer's output, the map opened.

Views read it to draw and edit it on input; it announces each change with a signal. Slow work
(loading a net, reading MNIST) is asked for with `load_requested(kind, request)`, which the
`Loader` runs off the GUI thread and answers with `loaded` or `load_failed`. The forward pass of an
MNIST net takes about a millisecond, so it runs here on the GUI thread; drawing updates are
coalesced to one forward pass per event-loop turn (the newest drawing wins). The Training tab's
running net ("Current run (live)") is followed by `live` (network/live.py, `LiveRun`), whose
rebuilds keep the image, the opened map and the colour scale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from visualizer.core.errors import UserInputError
from visualizer.core.number_text import exact
from visualizer.ui.network.loader import torch_ready

SCALES = ("shared", "own")
IMAGE_KINDS = ("test", "misclassified", "drawn", "file")
BRUSH_SIZES = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0)



def field_text(rf: tuple[int, int, int, int], input_hw: tuple[int, int]) -> str:
    """"; receptive field 8×8: input rows 1–6, columns 3–10 (the rest on padding)": the field's
    size, and the input rows and columns (from 1) it covers; near the border part of it lies on
    padding (the field's size does not depend on padding; its place does)."""
    top, left, h, w = rf
    rows_in, cols_in = int(input_hw[0]), int(input_hw[1])
    r0, r1 = max(top, 0), min(top + h, rows_in) - 1
    c0, c1 = max(left, 0), min(left + w, cols_in) - 1
    if r1 < r0 or c1 < c0:
        return f"; receptive field {h}×{w}, all of it on padding"

    def span(word: str, a: int, b: int) -> str:
        return f"{word} {a + 1}" if a == b else f"{word}s {a + 1}–{b + 1}"

    clipped = (r0, r1, c0, c1) != (top, top + h - 1, left, left + w - 1)
    return (f"; receptive field {h}×{w}: input {span('row', r0, r1)}, {span('column', c0, c1)}"
            + (" (the rest on padding)" if clipped else ""))


class NetworkModel(QObject):
    """The Network tab's state: the net shown (a preset, a saved run or the Training tab's running
    net, followed by `live`), the input image and where it came from, every layer's output for it,
    the map opened up into its convolution (`opened`) and the colour scale (`scale`). Views observe its signals; slow loads go through
    `load_requested` to the Loader (see the module's docstring)."""

    net_changed = Signal()
    image_changed = Signal()  # the input image (what the net receives) or its label changed
    activations_changed = Signal()
    opened_changed = Signal()  # the map opened up (or closed)
    hover_changed = Signal()
    scale_changed = Signal()
    drawing_changed = Signal()
    data_changed = Signal()  # test set or misclassified list arrived
    busy_changed = Signal(bool)
    message = Signal(str)  # a sentence for the status line (errors included)
    load_requested = Signal(str, dict)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.net = None  # core.activations.LoadedNet
        self.net_request: dict[str, Any] = {"kind": "preset", "net": "mnist-net1", "seed": 0}
        self.error = ""  # the last problem, shown in the tab
        self.data_dir = ""
        self.runs_dir = ""
        self.test_images: np.ndarray | None = None
        self.test_labels: np.ndarray | None = None
        self.misclassified: dict | None = None
        self.image_kind = "drawn"
        self.image_ref: Any = None  # test index / misclassified position / file path
        self.drawing = np.zeros((28, 28), dtype=np.float64)  # what the user drew, 0..255
        self.brush = 2.0
        self.pixels = np.zeros((28, 28), dtype=np.float64)  # the digit after preprocessing, 0..255
        self.label: int | None = None
        self.acts = None  # core.activations.Activations
        self.scale = "shared"
        self.opened: tuple[int, int] | None = None  # (layer, output channel)
        self.parts = None  # core.activations.ConvParts
        self.hover: tuple[int, int, int, int] | None = None  # (layer, channel, y, x); y = flat index for 1-D
        self.pending_index: int | None = None  # a test image asked for before the test set arrived
        self.pending_test_index: int | None = None  # a test-set index to show once the run's mistakes are read
        self.busy = False
        self.phase = ""  # while busy: what the slow work does now ("Loading PyTorch…"), if it says
        self._recompute = QTimer(self)
        self._recompute.setSingleShot(True)
        self._recompute.setInterval(0)
        self._recompute.timeout.connect(self.recompute)
        from visualizer.ui.network.live import LiveRun

        self.live = LiveRun(self, self)  # the Training tab's running net ("Current run (live)")

    # -- the net ---------------------------------------------------------------------------
    def request_net(self, request: dict) -> None:
        """Ask for a net: {"kind": "run", "run": folder} | {"kind": "preset", "net": name, "seed": n}
        | {"kind": "file", "file": path, "seed": n} | {"kind": "architecture", "architecture": doc, "seed": n}
        | {"kind": "live"} (the run in training, following its weights)."""
        if request.get("kind") == "live":
            self.follow_live()
            return
        self.live.left()
        self.net_request = dict(request)
        self.load_requested.emit("net", dict(request))
        if request.get("kind") == "run":
            self.misclassified = None
            self.load_requested.emit("misclassified", {"run": request["run"]})

    def request_test_set(self) -> None:
        if self.test_images is None:
            self.load_requested.emit("test_set", {"data_dir": self.data_dir})

    def set_busy(self, on: bool) -> None:
        if not on:
            self.phase = ""
        if on != self.busy:
            self.busy = on
            self.busy_changed.emit(on)

    def set_phase(self, words: str) -> None:
        """What the work in progress does now ("" when it just does its job)."""
        self.phase = words
        self.busy_changed.emit(self.busy)

    def follow_live(self) -> bool:
        """Show the running net and follow its snapshots; False (with a message) when no run is
        training and none has been followed."""
        previous = self.net_request
        self.net_request = {"kind": "live"}
        if not self.live.follow():
            self.net_request = previous
            return False
        self.net_changed.emit()  # the net line says whose weights are coming
        return True

    def net_line(self) -> str:
        """What the net shown is: its source, and for the live run which point of training."""
        if self.net_request.get("kind") == "live":
            return self.live.describe()
        return self.net.source if self.net is not None else ""

    def loaded(self, kind: str, request: dict, result: Any) -> None:
        if kind == "net" and request.get("kind") == "live":
            before, self.live.shown = self.live.shown, self.live.built(request)
            if self.live.following():
                self.set_net(result, keep_view=True)
                run_id = (self.live.shown or {}).get("run_id")
                if before is None or before.get("run_id") != run_id:  # the run's first weights shown
                    self.message.emit(f"Showing the weights of run {run_id} as it trains" if self.live.state == "training"
                                      else f"Showing the last weights of run {run_id}")
        elif kind == "net":
            if self.live.following():
                return  # asked for before the user picked the live run: that came later and wins
            self.set_net(result)
        elif kind == "test_set":
            self.test_images, self.test_labels = result
            self.data_changed.emit()
            if self.pending_index is not None:
                i, self.pending_index = self.pending_index, None
                self.show_test_image(i)
        elif kind == "misclassified":
            self.misclassified = result
            self.data_changed.emit()
            if self.pending_test_index is not None:
                test_index, self.pending_test_index = self.pending_test_index, None
                stored = (result or {}).get("index")
                hits = np.flatnonzero(np.asarray(stored) == test_index) if stored is not None else []
                if len(hits):
                    self.pending_index = int(hits[0])
                else:  # (positions in a run's test split are MNIST indexes only when it used all 10,000)
                    self.report(f"test digit {test_index} is not among this run's saved misclassified digits")
            if self.pending_index is not None and self.image_kind == "misclassified":
                i, self.pending_index = self.pending_index, None
                self.show_misclassified(i)
        elif kind == "image":
            self.image_kind, self.image_ref = "file", request.get("path")
            self._set_pixels(np.asarray(result, dtype=np.float64), None)

    def load_failed(self, kind: str, request: dict, message: str) -> None:
        what = {"net": "Cannot load the net", "test_set": "Cannot read the MNIST test set",
                "misclassified": "Cannot read the run's misclassified digits", "image": "Cannot use this image"}[kind]
        if kind == "net" and request.get("kind") == "live":
            self.live.built(request)
        elif kind == "net" and self.live.following():
            return  # an older request than the live run's (see loaded)
        self.report(f"{what}: {message}")
        if kind == "test_set":
            self.pending_index = None

    def report(self, text: str) -> None:
        self.error = text
        self.message.emit(text)

    def set_net(self, net, keep_view: bool = False) -> None:
        """Show `net`. `keep_view` (the live run's new weights): a net with the same layers keeps
        the opened map and the hovered value, and the status line stays quiet."""
        same = keep_view and self.net is not None and (
            [(la.name, la.type) for la in self.net.layers] == [(la.name, la.type) for la in net.layers])
        self.net = net
        self.error = ""
        if not same:
            self.opened, self.parts, self.hover = None, None, None
        self.net_changed.emit()
        if not same:
            self.opened_changed.emit()
        if not keep_view:
            self.message.emit("")  # the picker's net line names the net: an older message goes
        self.recompute()

    # -- the image -------------------------------------------------------------------------
    def set_drawing(self, drawing: np.ndarray) -> None:
        """The canvas changed: preprocess it as MNIST and run the net (once per event-loop turn)."""
        self.drawing = np.asarray(drawing, dtype=np.float64)
        self.image_kind, self.image_ref, self.label = "drawn", None, None
        self.drawing_changed.emit()
        self._recompute.start()

    def clear_drawing(self) -> None:
        self.set_drawing(np.zeros((28, 28)))

    def set_brush(self, size: float) -> None:
        self.brush = float(min(max(size, 0.5), 6.0))

    def show_test_image(self, index: int) -> None:
        """Test image `index` of MNIST (reads the test set first if needed, off the GUI thread)."""
        if self.test_images is None:
            self.pending_index = int(index)
            self.image_kind = "test"
            self.request_test_set()
            return
        from visualizer.core.activations import check_index

        try:
            i = check_index(int(index), len(self.test_images))
        except (UserInputError, ValueError, OverflowError) as exc:
            self.report(str(exc))
            return
        self.image_kind, self.image_ref = "test", i
        self._set_pixels(self.test_images[i].astype(np.float64), int(self.test_labels[i]))

    def next_of_class(self, digit: int) -> int | None:
        """The first test image of class `digit` after the one shown (wrapping around)."""
        if self.test_labels is None:
            return None
        start = (self.image_ref + 1) if self.image_kind == "test" and isinstance(self.image_ref, int) else 0
        hits = np.flatnonzero(self.test_labels == int(digit))
        if not hits.size:
            return None
        after = hits[hits >= start]
        return int(after[0] if after.size else hits[0])

    def show_misclassified(self, position: int) -> None:
        m = self.misclassified
        if not m or m.get("images") is None or not len(m["images"]):
            if self.net_request.get("kind") == "run":
                self.pending_index, self.image_kind = int(position), "misclassified"
            self.report("This run has no misclassified digits saved (results.npz is written when a run ends)")
            return
        if not 0 <= position < len(m["images"]):
            self.report(f"misclassified digit {position} is out of range (0 to {len(m['images']) - 1})")
            return
        self.image_kind, self.image_ref = "misclassified", int(position)
        true = m.get("true")
        self._set_pixels(np.asarray(m["images"][position], dtype=np.float64),
                         int(true[position]) if true is not None else None)

    def request_image_file(self, path: str) -> None:
        self.load_requested.emit("image", {"path": str(path)})

    def _set_pixels(self, pixels: np.ndarray, label: int | None) -> None:
        self.pixels = np.clip(pixels, 0, 255)
        self.label = label
        self.image_changed.emit()
        self.recompute()

    # -- the forward pass ------------------------------------------------------------------
    @Slot()
    def recompute(self) -> None:
        from visualizer.core import activations as act

        self._recompute.stop()
        if not torch_ready():  # preprocessing runs torch: once its import (a worker's) is done, the
            return  # net's arrival recomputes; importing it here would freeze the GUI meanwhile
        if self.image_kind == "drawn":
            self.pixels = act.mnist_preprocess(self.drawing, invert=False)
            self.label = None
            self.image_changed.emit()
        if self.net is None:
            return
        try:
            self.acts = act.forward(self.net, act.normalize(self.pixels))
        except UserInputError as exc:
            self.acts = None
            self.report(str(exc))
            return
        if self.opened is not None:
            self._take_apart()
        self.activations_changed.emit()
        if self.opened is not None:
            self.opened_changed.emit()

    def input_normalized(self) -> np.ndarray:
        from visualizer.core.activations import normalize

        return normalize(self.pixels)

    # -- colour scale, hover, the opened map ----------------------------------------------
    def set_scale(self, scale: str) -> None:
        if scale in SCALES and scale != self.scale:
            self.scale = scale
            self.scale_changed.emit()

    def set_hover(self, hover: tuple[int, int, int, int] | None) -> None:
        if hover != self.hover:
            self.hover = hover
            self.hover_changed.emit()

    def hover_field(self) -> tuple[int, int, int, int] | None:
        """(top, left, height, width) on the input of the hovered value's receptive field."""
        if self.hover is None or self.net is None or self.acts is None:
            return None
        from visualizer.core.activations import field_of

        layer, _c, y, x = self.hover
        if not 0 <= layer < len(self.acts.layers):
            return None
        shape = self.acts.layers[layer].shape
        if len(shape) == 1:
            return field_of(self.net, layer, shape, flat_index=y)
        return field_of(self.net, layer, shape, y=y, x=x)

    def hover_text(self) -> str:
        if self.hover is None or self.acts is None or not 0 <= self.hover[0] < len(self.acts.layers):
            return ""
        layer, c, y, x = self.hover
        la = self.acts.layers[layer]
        v = la.values
        try:
            value = float(v[y]) if v.ndim == 1 else float(v[c, y, x])
        except IndexError:
            return ""
        # Counted from 1, as the explorer and the guide count.
        where = f"value {y + 1}" if v.ndim == 1 else f"channel {c + 1}, row {y + 1}, column {x + 1}"
        rf = self.hover_field()
        rf_text = field_text(rf, tuple(self.net.architecture.input_shape)[-2:]) if rf else "; it sees the whole input"
        return f"{la.name} {where}: {exact(value)}{rf_text}"  # on hover: the value in full

    def is_conv(self, layer: int) -> bool:
        """Whether `layer` is a convolution (the registry says; its maps open up)."""
        from visualizer.core.architecture import REGISTRY

        if self.net is None or not 0 <= layer < len(self.net.layers):
            return False
        kind = REGISTRY.get(self.net.layers[layer].type)
        return kind is not None and kind.is_convolution

    def open_map(self, layer: int, channel: int) -> None:
        if not self.is_conv(layer):
            self.message.emit("Only the maps of a convolution layer open up")
            return
        self.opened = (int(layer), int(channel))
        self._take_apart()
        self.opened_changed.emit()

    def close_map(self) -> None:
        self.opened, self.parts = None, None
        self.opened_changed.emit()

    def _take_apart(self) -> None:
        from visualizer.core.activations import conv_parts

        if self.acts is None or self.opened is None:
            self.parts = None
            return
        try:
            self.parts = conv_parts(self.net, self.acts, *self.opened)
        except UserInputError as exc:
            self.parts, self.opened = None, None
            self.report(str(exc))

    def explorer_request(self, channel: int | None = None) -> dict | None:
        """What the Convolution explorer gets: `channel` (position among the map's input channels)
        or all of them, their kernel slices, stride, padding, dilation, bias."""
        from visualizer.core.activations import explorer_request

        if self.parts is None or self.net is None:
            return None
        name = self.net.layers[self.parts.layer].name
        which = "all input channels" if channel is None else f"input channel {self.parts.channels[channel] + 1}"
        title = f"{name}, output channel {self.parts.out_channel + 1}, {which}"
        return explorer_request(self.parts, None if channel is None else [channel], title)

    # -- hand-overs and the session --------------------------------------------------------
    def open_request(self, request: dict) -> None:
        """{"run": folder, "index": a position in the run's test split (results.npz's
        misclassified_index) or None, "misclassified": a position in the run's misclassified list}.
        Also {"architecture": doc} or {"net": name} (an untrained net, seed 0 or "seed")."""
        if not isinstance(request, dict):
            return
        seed = request.get("seed", 0)
        seed = seed if isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2**63 else 0
        if request.get("live") is True:
            self.follow_live()
        elif request.get("run"):
            self.request_net({"kind": "run", "run": str(request["run"])})
            position, index = request.get("misclassified"), request.get("index")
            if isinstance(position, int) and not isinstance(position, bool):
                self.image_kind, self.pending_index = "misclassified", int(position)
            elif isinstance(index, int) and not isinstance(index, bool):
                # the Training tab's: a position in the run's test split, as results.npz's
                # misclassified_index stores it; shown as that misclassified digit
                self.image_kind, self.pending_test_index = "misclassified", int(index)
        elif isinstance(request.get("architecture"), dict):
            self.request_net({"kind": "architecture", "architecture": request["architecture"], "seed": seed})
        elif isinstance(request.get("net"), str):
            self.request_net({"kind": "preset", "net": request["net"], "seed": seed})

    def to_dict(self) -> dict[str, Any]:
        req = dict(self.net_request)
        if req.get("kind") == "live":  # a session keeps no weights: the run's saved model, if any
            folder = self.live.run_folder
            req = ({"kind": "run", "run": folder} if folder and (Path(folder) / "model.pt").is_file()
                   else {"kind": "preset", "net": "mnist-net1", "seed": 0})
        return {
            "net": req,
            "image_kind": self.image_kind,
            "image_ref": self.image_ref if isinstance(self.image_ref, (int, str)) else None,
            "drawing": [int(v) for v in np.clip(np.round(self.drawing), 0, 255).astype(int).ravel()],
            "brush": self.brush,
            "scale": self.scale,
        }

    def from_dict(self, d: dict[str, Any]) -> None:
        if not isinstance(d, dict):
            return
        if d.get("scale") in SCALES:
            self.set_scale(d["scale"])
        brush = d.get("brush")
        if isinstance(brush, (int, float)) and not isinstance(brush, bool) and np.isfinite(brush):
            self.set_brush(float(brush))
        drawing = d.get("drawing")
        if (isinstance(drawing, list) and len(drawing) == 784
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in drawing)):
            self.drawing = np.clip(np.nan_to_num(np.asarray(drawing, dtype=np.float64)), 0, 255).reshape(28, 28)
            self.drawing_changed.emit()
        net = d.get("net")
        if isinstance(net, dict) and net.get("kind") in ("run", "preset", "file", "architecture"):
            self.request_net(net)
        kind, ref = d.get("image_kind"), d.get("image_ref")
        if kind == "test" and isinstance(ref, int) and not isinstance(ref, bool):
            self.show_test_image(ref)
        elif kind == "misclassified" and isinstance(ref, int) and not isinstance(ref, bool):
            self.image_kind, self.pending_index = "misclassified", ref
        elif kind == "file" and isinstance(ref, str) and Path(ref).is_file():
            self.request_image_file(ref)
        else:
            self.set_drawing(self.drawing)
