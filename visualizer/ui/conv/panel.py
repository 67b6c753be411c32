"""Convolution tab: set an input, a kernel, stride, padding and dilation; see the padded input,
the kernel and the output, and step the sliding window through the computation.

`ConvPanel` only lays out the views, wires them to the one `ConvModel` and fulfils the Panel
contract. What the user set lives in the model (`model.py`); the arithmetic in
`visualizer.core.convolution`; running it, off the GUI thread for big images, in `worker.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtGui import QAction, QFont, QKeySequence, QTextDocument
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from visualizer.core.conv_job import ConvResult
from visualizer.core.convolution import ConvSpec, UserInputError
from visualizer.image_io import IMAGE_SUFFIXES
from visualizer.ui.conv.arithmetic import ArithmeticText
from visualizer.ui.conv.backward_keys import BackwardKeys
from visualizer.ui.conv.backward_model import BackwardModel
from visualizer.ui.conv.backward_steps import StepRouter
from visualizer.ui.conv.backward_view import BackwardView
from visualizer.ui.conv.export import ExportActions
from visualizer.ui.conv.input_box import InputBox
from visualizer.ui.conv.kernel_box import KernelBox
from visualizer.ui.conv.keys import KeyboardModel
from visualizer.ui.conv.matrices import MatrixFigure, legend_html
from visualizer.ui.conv.model import COURSE_SETTINGS, ConvModel
from visualizer.ui.conv.parameters import ParametersBox
from visualizer.ui.conv.picture_fit import PictureFit
from visualizer.ui.conv.step_bar import StepBar
from visualizer.ui.conv.worker import ConvCompute, ImageLoading
from visualizer.ui.shell.panel import Panel


#: The legend's type shrinks to at most this share of the figure's when the figure is narrow.
LEGEND_MIN = 0.6


class ConvPanel(Panel):
    """The Convolution tab: lays out the input, kernel and parameter boxes, the matrices, the written
    arithmetic and the step bar around one `ConvModel` (`model`), runs its computation (`compute`,
    off the GUI thread for big inputs), and owns the tab's keys, lecture mode and picture scaling."""

    title = "Convolution"
    description = "See a 2-D convolution cell by cell: input, kernel, stride, padding, output"
    guide_page = "02-convolution.html"
    state_key = "ConvExplorer"  # where sessions saved before the move keep its state

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ConvExplorer")
        self._lecture = False
        self.model = ConvModel(self)
        self.stepper = self.model.stepper
        self.compute = ConvCompute(self.model, self)
        self.image_loading = ImageLoading(self.model, self)  # image files, decoded off the GUI thread

        root = QHBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        root.addWidget(self._build_sidebar())

        main = QVBoxLayout()
        root.addLayout(main, 1)
        self.figure = QWidget(self)  # what "export view" saves
        self.figure.setObjectName("figure")
        self.figure.setAutoFillBackground(True)
        fig = QVBoxLayout(self.figure)
        fig.setContentsMargins(4, 4, 4, 4)
        self.matrices = MatrixFigure(self.model, self.figure)
        fig.addWidget(self.matrices, 1)
        self.legend = QLabel(legend_html(), self.figure)
        self.legend.setObjectName("legend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # One line, never wrapped: a wrapping label would make the first layout pass guess heights
        # and the cells jump once the window shows; too narrow a figure shrinks its type (fit_legend).
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        fig.addWidget(self.legend)
        self.arithmetic = ArithmeticText(self.model, self.figure)
        fig.addWidget(self.arithmetic)
        main.addWidget(self.figure, 1)
        self.step_bar = StepBar(self.model, self)
        main.addWidget(self.step_bar)
        self.backward_model = BackwardModel(self.model, self)  # the backward mode (off until switched on)
        self.backward = BackwardView(self.backward_model, self)
        main.addWidget(self.backward, 1)  # room for its grids while on (it shrinks to its switch when off)
        self.backward_model.changed.connect(self.arithmetic.redraw)  # its hint says where the keys go

        self.exports = ExportActions(self.model, self.figure, self)
        self.export_actions = self.exports.actions
        self.step_bar.export_button.setMenu(self.exports.menu)
        self._build_actions()
        self._apply_look("light")

        self.model.status.connect(self.status_message)
        for view in (self.input_box, self.matrices):
            view.status.connect(self.status_message)
        for editor in (self.input_box.input_editor, self.kernel_box.kernel_editor):
            editor.problem_changed.connect(self._editor_problem)
        self.compute.busy_changed.connect(self.step_bar.set_busy)
        # The status line follows the step, so it never tells of a cell left behind.
        self.stepper.changed.connect(self._announce_step)
        self.model.result_changed.connect(self._announce_step)
        self.model.view_changed.connect(self._announce_step)
        for view in (self.matrices.input_view, self.matrices.output_view):
            view.hovered.connect(self._hover_moved)
        self.model.result_changed.connect(self.arithmetic.fit)
        # Space and the arrows step through unless an editor is being typed into (keys.py).
        self.keyboard = KeyboardModel(self, self.matrices.output_view)
        self.setAcceptDrops(True)
        # Cells, numbers, boxes and step bar scale as one picture (picture_fit.py, fit.py); the
        # fonts are set before the first show: no relayout once it shows.
        self.picture = PictureFit(self)
        self.picture.fit()
        self.compute.request()

    def _build_sidebar(self) -> QScrollArea:
        """The Input, Kernel and Parameters boxes, in a scroll area."""
        self.sidebar = QScrollArea(self)
        self.sidebar.setWidgetResizable(True)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar.setFrameShape(QFrame.Shape.NoFrame)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 6, 0)
        self.input_box = InputBox(self.model, self.image_loading, side)
        self.kernel_box = KernelBox(self.model, side)
        self.parameters = ParametersBox(self.model, side)
        for box in (self.input_box, self.kernel_box, self.parameters):
            side_layout.addWidget(box)
        side_layout.addStretch(1)
        self.sidebar.setWidget(side)
        self.fit_sidebar()
        return self.sidebar

    def _build_actions(self) -> None:
        def action(text: str, keys, slot) -> QAction:
            a = QAction(text, self)
            a.setShortcut(QKeySequence(keys))
            # Only while this tab shows: the other tabs keep their own keys.
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(a)
            a.triggered.connect(slot)
            return a

        s = self.step_router = StepRouter(self.stepper, self.backward_model, self)  # backward mode: its steps
        self.play_action = action("Play / pause", Qt.Key.Key_Space, s.toggle_play)
        self.forward_action = action("Step forward", Qt.Key.Key_Right, s.step_forward)
        self.back_action = action("Step back", Qt.Key.Key_Left, s.step_back)
        self.start_action = action("Jump to the first cell", Qt.Key.Key_Home, s.to_start)
        self.end_action = action("Jump to the last cell", Qt.Key.Key_End, s.to_end)
        self.zoom_action = action("Zoom to the window on a big input", Qt.Key.Key_Z, self._zoom_toggled)
        self.zoom_action.setCheckable(True)
        self.zoom_action.setChecked(self.model.zoom_to_window)
        self.zoom_action.setToolTip("While stepping through a picture too big for numbers in its cells, show "
                                    "the window's neighbourhood (Z: the whole picture and back)")
        self.model.view_changed.connect(self._show_zoom_choice)
        self.all_action = QAction("Show the whole output", self)
        self.all_action.triggered.connect(s.stop_stepping)
        self.course_action = QAction("Course example", self)
        self.course_action.triggered.connect(self.input_box.load_course_example)
        self.course_rgb_action = QAction("Course 1×1×3 example (RGB picture, 1×1×3 kernels)", self)
        self.course_rgb_action.triggered.connect(self.input_box.load_course_rgb_example)
        self.backward_keys = BackwardKeys(self, self.backward)

    def panel_actions(self) -> list[QAction]:
        sep, sep2 = QAction(self), QAction(self)
        sep.setSeparator(True)
        sep2.setSeparator(True)
        return [self.play_action, self.forward_action, self.back_action, self.start_action,
                self.end_action, self.all_action, self.zoom_action, sep, *self.backward_keys.actions, sep2, self.course_action,
                self.course_rgb_action, *self.export_actions]

    # ==== reading (delegates to the model) =====================================================
    def spec(self) -> ConvSpec:
        return self.model.spec()

    def kernels(self) -> np.ndarray:
        """All kernels, (O, C, kh, kw)."""
        return self.model.kernels.copy()

    def source_array(self) -> np.ndarray:
        return self.model.source_array()

    def output(self) -> np.ndarray | None:
        """The last computed output, (O, Ho, Wo), or None when there is an error."""
        return self.model.output()

    def result(self) -> ConvResult | None:
        return self.model.result

    def current_output(self) -> np.ndarray | None:
        return self.model.current_output()

    def explanation_text(self) -> str:
        return self.arithmetic.explanation_text()

    def is_busy(self) -> bool:
        """A result is being computed, an image file decoded or the picture fitted to its room."""
        return self.compute.is_busy() or self.image_loading.is_busy() or self.picture.is_pending()

    # ==== doing (delegates to the model and the views) =========================================
    def recompute(self) -> None:
        self.compute.request()

    def load_course_example(self, stride: int = 2, padding: int = 1) -> None:
        self.model.load_course_example(stride, padding)

    def open_convolution(self, inputs: np.ndarray, kernels: np.ndarray, stride=(1, 1), padding=(0, 0),
                         dilation=(1, 1), bias: float = 0.0, title: str = "") -> None:
        """Another tab hands over one convolution to look at cell by cell: `inputs` (C, H, W) and
        `kernels` (O, C, kh, kw), real-valued, as a torch Conv2d layer holds them (zero padding,
        cross-correlation). The input is named `title`; the step starts again and the normal view
        shows (lecture mode stays as it was). UserInputError when they do not fit."""
        self.model.open_convolution(inputs, kernels, stride, padding, dilation, bias, title)
        self.stepper.stop_stepping()
        self.model.set_highlight(None)
        self.sidebar.verticalScrollBar().setValue(0)
        c, h, w = self.model.image.shape
        o, _, kh, kw = self.model.kernels.shape
        self.emit_status(f"Convolution from {title or 'another tab'}: input {c}×{h}×{w}, {o} kernel"
                         f"{'s' if o > 1 else ''} of {c}×{kh}×{kw}", 6000)

    def open_backward(self, grad_output: np.ndarray, **convolution) -> None:
        """The backward hand-over: `open_convolution(**convolution)` with the backward mode on and
        `grad_output` (O×Ho×Wo or Ho×Wo) as its upstream gradient ∂L/∂Y."""
        self.open_convolution(**convolution)
        self.backward_model.use_gradient(grad_output)

    def apply_course_setting(self, stride: int, padding: int) -> None:
        self.model.apply_course_setting(stride, padding)

    def apply_kernel_preset(self, name: str) -> None:
        self.model.apply_kernel_preset(name)

    def normalize_kernel(self) -> None:
        self.model.normalize_kernel()

    def set_kernels(self, kernels: np.ndarray) -> None:
        self.model.set_kernels(kernels)

    def use_typed_matrix(self) -> None:
        self.model.use_typed_matrix()

    def use_image_array(self, image: np.ndarray, label: str = "image") -> None:
        self.model.use_image_array(image, label)

    def load_sample(self, name: str) -> bool:
        return self.input_box.load_sample(name)

    def load_image_file(self, path: str | Path, channels: str | None = None) -> bool:
        """Start loading an image file as the input, off the GUI thread (`is_busy` until it is in)."""
        return self.input_box.load_image_file(path, channels)

    def open_image_dialog(self) -> None:
        self.input_box.open_image_dialog()

    def image_to_grid(self) -> bool:
        return self.model.image_to_grid()

    def export_matrix(self, path: str | Path, fmt: str) -> Path:
        return self.exports.export_matrix(path, fmt)

    def copy_output(self, fmt: str = "tsv") -> None:
        self.exports.copy_output(fmt)

    def export_view(self, path: str | Path, fmt: str) -> Path:
        return self.exports.export_view(path, fmt)

    @Slot()
    def _announce_step(self) -> None:
        text = self.model.step_status()
        if text:
            self.emit_status(text, 0)
            self._announced = True
        elif getattr(self, "_announced", False):
            self._announced = False
            self.emit_status("", 1)  # no cell is current: no cell's text stays behind

    @Slot(bool)
    def _zoom_toggled(self, on: bool) -> None:
        self.model.set_zoom_to_window(on)

    @Slot()
    def _show_zoom_choice(self) -> None:
        if self.zoom_action.isChecked() != self.model.zoom_to_window:
            self.zoom_action.setChecked(self.model.zoom_to_window)

    @Slot(int, int)
    def _hover_moved(self, y: int, x: int) -> None:
        if y < 0:  # the mouse left the cells: the status line tells of the step again
            self._announce_step()

    @Slot(str)
    def _editor_problem(self, text: str) -> None:
        if text:
            self.emit_status(text, 0)
        else:
            self.emit_status("All cells are numbers again", 3000)

    def _dropped_image(self, event) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        paths = [u.toLocalFile() for u in urls if u.isLocalFile()]
        return next((p for p in paths if Path(p).suffix.lower() in IMAGE_SUFFIXES), None)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if self._dropped_image(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        path = self._dropped_image(event)
        if path:
            event.acceptProposedAction()
            self.load_image_file(path)

    # ==== panel contract =======================================================================
    def save_state(self) -> dict[str, Any]:
        return self.model.to_dict()

    def restore_state(self, state: dict[str, Any]) -> None:
        try:
            self.model.from_dict(state)
        except (UserInputError, ValueError, TypeError, KeyError, IndexError) as exc:
            self.emit_status(f"Could not restore the convolution explorer ({exc}); showing the course example",
                             8000)
            self.model.load_course_example(*COURSE_SETTINGS[0])

    def apply_settings(self, settings: dict[str, Any]) -> None:
        if "theme" in settings:
            from visualizer.ui.shell.theme import resolve

            self._apply_look(resolve(str(settings["theme"])))

    def _apply_look(self, look: str) -> None:
        """Boxes and heat maps to match a light or dark theme (the cells keep their own colours,
        chosen to read well on both and on a projector)."""
        self.arithmetic.set_look(look)
        self.matrices.set_look(look)
        self.backward.set_look(look)

    def set_lecture_mode(self, on: bool) -> None:
        self._lecture = on
        self.sidebar.setVisible(not on)
        self.step_bar.export_button.setVisible(not on)
        self.arithmetic.fit()
        if on:
            self.keyboard.go_home()  # keys step through, not into a spin box

    def tab_shown(self) -> None:
        """The main window shows this tab (at launch too): the step keys get the focus."""
        self.keyboard.focus_for_keys()

    def is_lecture_mode(self) -> bool:
        return self._lecture

    def shutdown(self) -> None:
        self.stepper.pause()
        self.backward_model.steps.stepper.pause()
        self.compute.shutdown()
        self.image_loading.shutdown()
        self.picture.stop()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        # Lay out now and fit the arithmetic box to its real width, so the cells do not move once
        # the window is up (the first pass guesses the wrapped texts' heights).
        self.layout().activate()
        self.arithmetic.fit()
        self.layout().activate()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.arithmetic.fit()
        self.fit_legend()
        if hasattr(self, "picture"):
            self.picture.refit()

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and hasattr(self, "picture"):
            self.picture.refit_now()

    @property
    def picture_factor(self) -> float:
        """The share of the chosen text size the figure and the step bar show (picture_fit.py)."""
        return self.picture.factor

    def fit_picture(self) -> None:
        """Fit the picture to the room it has now (picture_fit.PictureFit.fit)."""
        self.picture.fit()

    def fit_sidebar(self) -> None:
        """Wide enough for the widest row at the text size in use, so nothing is cut off."""
        need = (self.sidebar.widget().minimumSizeHint().width()
                + self.sidebar.verticalScrollBar().sizeHint().width() + 4)
        self.sidebar.setMinimumWidth(need)
        self.sidebar.setMaximumWidth(max(need, 460))

    def fit_legend(self) -> None:
        """The legend in the figure's type, or smaller (down to LEGEND_MIN of it) when its one
        line is wider than the figure, so its end is never cut off."""
        font = QFont(self.figure.font())
        room = self.figure.contentsRect().width() - 8
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(font)
        doc.setHtml(self.legend.text())
        need = doc.idealWidth()
        if room > 0 and need > room and font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * max(LEGEND_MIN, room / need))
        if self.legend.font() != font:
            self.legend.setFont(font)

