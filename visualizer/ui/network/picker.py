"""Pick a net (a saved run, the run in training, an untrained preset or architecture file, seeded)
and an image (a test digit by index or by class, one of the run's misclassified digits, an image
file, or a drawing)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from visualizer.ui.network.model import BRUSH_SIZES, NetworkModel
from visualizer.ui.shell.quietly import set_quietly

KINDS = (("run", "Saved run"), ("preset", "Untrained preset"), ("file", "Untrained, architecture file"),
         ("live", "Current run (live)"))
LIVE_TIP = ("The net the Training tab is training, refreshed at its reporting points (a few times a "
            "second at most, and at each epoch's end)")


def trainable_presets() -> list[str]:
    from visualizer.core.architecture import preset, preset_names
    from visualizer.core.training import trainability_problem

    return [n for n in preset_names() if trainability_problem(preset(n)) is None]


class NetPicker(QWidget):
    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.file_path = ""
        self.run_folder = ""
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self._build_net_box())
        col.addWidget(self._build_image_box())
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        model.data_changed.connect(self._data_changed)
        model.image_changed.connect(self._image_changed)
        model.net_changed.connect(self._net_changed)
        model.live.changed.connect(self._live_changed)
        self._live_changed()
        self._kind_changed()
        self._data_changed()

    def _build_net_box(self) -> QGroupBox:
        """Source, run or file, preset, seed, Load net and the line naming the net shown."""
        net_box = QGroupBox("Net", self)
        self.kind_combo = QComboBox(net_box)
        self.kind_combo.setObjectName("net_kind")
        for key, text in KINDS:
            self.kind_combo.addItem(text, key)
        self.run_combo = QComboBox(net_box)
        self.run_combo.setObjectName("run_combo")
        self.run_combo.setToolTip("Runs with a trained model (model.pt) in the runs folder")
        self.browse_button = QPushButton("Browse…", net_box)
        self.browse_button.setToolTip("A run folder or an architecture JSON file elsewhere")
        self.browse_button.clicked.connect(self._browse)
        self.preset_combo = QComboBox(net_box)
        self.preset_combo.setObjectName("preset_combo")
        self.preset_combo.addItems(trainable_presets())
        self.seed_spin = QSpinBox(net_box)
        self.seed_spin.setObjectName("seed_spin")
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("The seed of the untrained net's initial weights (the same seed, the same net)")
        self.load_button = QPushButton("Load net", net_box)
        self.load_button.setObjectName("load_net")
        self.load_button.clicked.connect(self._load)
        self.net_line = QLabel(" ", net_box)
        self.net_line.setObjectName("net_line")
        self.net_line.setAccessibleName("The net shown")
        self.net_line.setWordWrap(True)
        form = QFormLayout(net_box)
        form.addRow("Source", self.kind_combo)
        runs = QHBoxLayout()
        runs.addWidget(self.run_combo, 1)
        runs.addWidget(self.browse_button)
        form.addRow("Run / file", runs)
        form.addRow("Preset", self.preset_combo)
        form.addRow("Seed", self.seed_spin)
        form.addRow(self.load_button)
        form.addRow(self.net_line)
        return net_box

    def _build_image_box(self) -> QGroupBox:
        """A test digit by index or class, a misclassified one, the brush and an image file."""
        img_box = QGroupBox("Image", self)
        self.index_spin = QSpinBox(img_box)
        self.index_spin.setObjectName("test_index")
        self.index_spin.setRange(0, 9999)
        self.index_spin.setToolTip("An image of the MNIST test set, counting from 0")
        self.index_button = QPushButton("Show", img_box)
        self.index_button.setObjectName("show_test_image")
        self.index_button.clicked.connect(self._show_index)
        self.class_combo = QComboBox(img_box)
        self.class_combo.setObjectName("class_combo")
        self.class_combo.addItems([str(k) for k in range(10)])
        self.class_button = QPushButton("Next of this class", img_box)
        self.class_button.clicked.connect(self._next_of_class)
        self.wrong_combo = QComboBox(img_box)
        self.wrong_combo.setObjectName("misclassified_combo")
        self.wrong_combo.setToolTip("Test digits the run got wrong (saved at the end of a run): choose one to show it")
        self.wrong_combo.activated.connect(self._show_wrong)  # chosen, shown (again, after a drawing)
        self.file_button = QPushButton("Image file…", img_box)
        self.file_button.setObjectName("image_file")
        self.file_button.setToolTip("A picture of one digit; it gets MNIST's preprocessing (dark ink on light paper "
                                    "is inverted)")
        self.file_button.clicked.connect(self._image_file)
        self.brush_combo = QComboBox(img_box)
        self.brush_combo.setObjectName("brush_size")
        for b in BRUSH_SIZES:
            self.brush_combo.addItem(f"{b:g} px", b)
        self.brush_combo.setCurrentIndex(BRUSH_SIZES.index(2.0))
        self.brush_combo.setToolTip("Brush diameter in MNIST pixels")
        self.brush_combo.currentIndexChanged.connect(self._brush)
        self.clear_button = QPushButton("Clear drawing", img_box)
        self.clear_button.setObjectName("clear_drawing")
        self.clear_button.clicked.connect(self.model.clear_drawing)
        grid = QFormLayout(img_box)
        r1 = QHBoxLayout()
        r1.addWidget(self.index_spin, 1)
        r1.addWidget(self.index_button)
        grid.addRow("Test digit", r1)
        r2 = QHBoxLayout()
        r2.addWidget(self.class_combo, 1)
        r2.addWidget(self.class_button)
        grid.addRow("By class", r2)
        grid.addRow("Misclassified", self.wrong_combo)  # the whole row: "#12: a 6 taken for a 0"
        r4 = QHBoxLayout()
        r4.addWidget(self.brush_combo)
        r4.addWidget(self.clear_button)
        grid.addRow("Brush", r4)
        grid.addRow(self.file_button)
        return img_box

    def kind(self) -> str:
        return self.kind_combo.currentData()

    @Slot()
    def _kind_changed(self) -> None:
        k = self.kind()
        if k == "live" and self.model.net_request.get("kind") != "live":
            if not self.model.follow_live():  # nothing else to choose: follow at once
                kind = self.model.net_request.get("kind")  # (the model said why it cannot)
                self._select_kind(kind if kind in ("run", "preset") else "file")
                return
        self.load_button.setText("Follow run" if k == "live" else "Load net")
        self.run_combo.setEnabled(k in ("run", "file"))
        self.preset_combo.setEnabled(k == "preset")
        self.seed_spin.setEnabled(k in ("preset", "file"))
        if k == "file":
            self.run_combo.clear()
            if self.file_path:
                self.run_combo.addItem(Path(self.file_path).name, self.file_path)
        elif k == "run":
            self.refresh_runs()

    def refresh_runs(self) -> None:
        from visualizer.core import appdirs
        from visualizer.core.runs import list_runs

        folder = Path(self.model.runs_dir) if self.model.runs_dir else appdirs.runs_dir()
        self.run_combo.clear()
        try:
            runs = [r for r in list_runs(folder) if r.readable and r.has_model] if folder.is_dir() else []
        except Exception:  # an unreadable runs folder: the list stays empty, Browse… still works
            runs = []
        for r in runs:
            self.run_combo.addItem(r.run_id, str(r.folder))
        if self.run_folder and self.run_combo.findData(self.run_folder) < 0:
            self.run_combo.addItem(Path(self.run_folder).name, self.run_folder)
        if self.run_folder:
            self.run_combo.setCurrentIndex(self.run_combo.findData(self.run_folder))

    @Slot()
    def _browse(self) -> None:
        if self.kind() == "file":
            path, _ = QFileDialog.getOpenFileName(self, "Architecture file", "", "Architecture JSON (*.json)")
            if path:
                self.file_path = path
                self._kind_changed()
                self._load()  # chosen is loaded: no second click on Load net
        else:
            path = QFileDialog.getExistingDirectory(self, "Run folder")
            if path:
                self.run_folder = path
                self.kind_combo.setCurrentIndex(0)
                self.refresh_runs()
                self._load()

    @Slot()
    def _load(self) -> None:
        k = self.kind()
        if k == "live":
            self.model.follow_live()
        elif k == "run":
            folder = self.run_combo.currentData()
            if not folder:
                self.model.report("No run with a trained model in the runs folder: train one, or Browse… for a run folder")
                return
            self.model.request_net({"kind": "run", "run": folder})
        elif k == "file":
            if not self.file_path:
                self.model.report("Browse… for an architecture JSON file first")
                return
            self.model.request_net({"kind": "file", "file": self.file_path, "seed": self.seed_spin.value()})
        else:
            self.model.request_net({"kind": "preset", "net": self.preset_combo.currentText(),
                                    "seed": self.seed_spin.value()})

    @Slot()
    def _net_changed(self) -> None:
        req = self.model.net_request
        kind = req.get("kind")
        self.net_line.setText(self.model.net_line() or " ")
        if kind == "live":
            self._select_kind("live")
        elif kind in ("file", "architecture") and self.kind() == "live":
            self._select_kind("file")
        if kind == "run":
            self.run_folder = str(req.get("run"))
            self.kind_combo.setCurrentIndex(0)
            self.refresh_runs()
        elif kind == "preset":
            self.kind_combo.setCurrentIndex(1)
            self.preset_combo.setCurrentText(str(req.get("net")))
        if kind in ("preset", "file", "architecture") and isinstance(req.get("seed"), int):
            self.seed_spin.setValue(min(req["seed"], self.seed_spin.maximum()))

    def _select_kind(self, key: str) -> None:
        i = self.kind_combo.findData(key)
        if i >= 0 and i != self.kind_combo.currentIndex():
            self.kind_combo.setCurrentIndex(i)

    @Slot()
    def _live_changed(self) -> None:
        """"Current run (live)" can be picked while a run trains, and after it has ended while its
        last weights are kept; the net line follows the snapshots."""
        live = self.model.live
        row = self.kind_combo.findData("live")
        item = self.kind_combo.model().item(row)
        item.setEnabled(live.available())
        tip = LIVE_TIP
        if not live.available():
            tip = live.unavailable_reason()
        elif live.reason:
            tip = f"Run {live.run_id} cannot be followed: {live.reason}"
        elif live.state == "ended":
            tip = (f"Run {live.run_id} has ended ({live.status}); this shows its last weights. "
                   + ("Saved run shows its saved model." if live.has_model else ""))
        self.kind_combo.setItemData(row, tip, Qt.ItemDataRole.ToolTipRole)
        if self.model.net_request.get("kind") == "live":
            self.net_line.setText(self.model.net_line() or " ")

    @Slot()
    def _data_changed(self) -> None:
        m = self.model.misclassified
        self.wrong_combo.clear()
        if m and m.get("images") is not None:
            true, pred = m.get("true"), m.get("pred")
            for i in range(len(m["images"])):
                t = int(true[i]) if true is not None else "?"
                p = int(pred[i]) if pred is not None else "?"
                self.wrong_combo.addItem(f"#{i}: a {t} taken for a {p}", i)
        self.wrong_combo.setEnabled(self.wrong_combo.count() > 0)

    @Slot()
    def _image_changed(self) -> None:
        """The boxes name the image shown, however it came (a key, a session, another tab)."""
        m, box = self.model, None
        if m.image_kind == "test" and isinstance(m.image_ref, int):
            box, value = self.index_spin, m.image_ref
        elif m.image_kind == "misclassified" and isinstance(m.image_ref, int):
            box, value = self.wrong_combo, self.wrong_combo.findData(m.image_ref)
        if box is not None and value >= 0:
            set_quietly(box, "setValue" if box is self.index_spin else "setCurrentIndex", value)

    @Slot()
    def _show_index(self) -> None:
        self.model.show_test_image(self.index_spin.value())

    @Slot()
    def _next_of_class(self) -> None:
        digit = int(self.class_combo.currentText())
        if self.model.test_labels is None:
            self.model.report("Reading the MNIST test set… press again when it is read")
            self.model.request_test_set()
            return
        i = self.model.next_of_class(digit)
        if i is not None:
            self.index_spin.setValue(i)
            self.model.show_test_image(i)

    @Slot(int)
    def _show_wrong(self, _row: int = -1) -> None:
        i = self.wrong_combo.currentData()
        if i is not None:
            self.model.show_misclassified(int(i))

    @Slot()
    def _image_file(self) -> None:
        from visualizer.image_io import IMAGE_SUFFIXES

        pattern = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(self, "Image of a digit", "", f"Images ({pattern})")
        if path:
            self.model.request_image_file(path)

    @Slot(int)
    def _brush(self, _i: int) -> None:
        self.model.set_brush(float(self.brush_combo.currentData()))
