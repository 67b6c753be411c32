"""The arithmetic under the matrices: the output-size formula, and what the current output cell
adds up (one line per input channel for a multi-channel input)."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from visualizer.core.convolution import UserInputError, explain_cell, format_number
from visualizer.ui.conv.common import html, scale_font, sentence
from visualizer.ui.conv.model import CHANNEL_NAMES, ConvModel

#: What the explanation says while the whole output shows.
IDLE_TEXT = ("Press <b>Space</b> to play, <b>→</b> to step, or click an output cell to see how it is "
             "computed. Hover a cell to see where it comes from or what it feeds.")


class ArithmeticText(QWidget):
    """The explanation of the current cell (scrolls when long) above the size formula."""

    def __init__(self, model: ConvModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._explanation_text = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.explanation = QLabel(self)
        self.explanation.setObjectName("explanation")
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.explanation_scroll = QScrollArea(self)
        self.explanation_scroll.setWidgetResizable(True)
        self.explanation_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.explanation_scroll.setWidget(self.explanation)
        lay.addWidget(self.explanation_scroll)
        self.formula = QLabel(self)
        self.formula.setObjectName("formula")
        self.formula.setWordWrap(True)
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.formula)
        self.scale_fonts()
        model.result_changed.connect(self.redraw)
        model.view_changed.connect(self._show_step)
        model.stepper.changed.connect(self._show_step)

    def scale_fonts(self) -> None:
        scale_font(self.explanation, self.font(), 1.25)
        scale_font(self.formula, self.font(), 1.0)

    def set_look(self, look: str) -> None:
        dark = look == "dark"
        boxes = {
            "explanation": ("#3a3026", "#8a6a4a", "#f2e8dc") if dark else ("#fff8f0", "#f0c8a8", "#1b1f24"),
            "formula": ("#262c33", "#55606b", "#e3e8ee") if dark else ("#f4f7fb", "#c9d3df", "#1b1f24"),
        }
        for name, (bg, border, fg) in boxes.items():
            getattr(self, name).setStyleSheet(
                f"#{name} {{ background: {bg}; color: {fg}; border: 1px solid {border}; border-radius: 6px;"
                " padding: 8px; }")

    def explanation_text(self) -> str:
        """The arithmetic shown for the current cell, as plain text."""
        return self.explanation.text() if self.model.current_index() is None else self._explanation_text

    @Slot()
    def redraw(self) -> None:
        self._update_formula()
        self._show_step()

    def _update_formula(self) -> None:
        r = self.model.result
        if r is None:
            return
        rep = r.report
        parts = ["<b>Output size</b> per axis: ⌊(N + 2P − D·(K − 1) − 1) / S⌋ + 1"]
        if rep is not None:
            parts.append(f"rows: {rep.rows.formula}<br>columns: {rep.cols.formula}")
            if not rep.error and not r.error:
                o = r.kernels.shape[0]
                chans = f" × {o} channels" if o > 1 else ""
                parts.append(f"<b>Output: {rep.out_shape[0]} × {rep.out_shape[1]}{chans}</b>")
            for w in rep.warnings:
                parts.append(f"<span style='color:#b35c00'>⚠ {w}</span>")
        if r.error:
            parts.append(f"<span style='color:#c92a2a'><b>✖ {html(sentence(r.error))}</b></span>")
        self.formula.setText("<br>".join(parts))

    @Slot()
    def _show_step(self) -> None:
        r, idx = self.model.result, self.model.current_index()
        if r is None or r.output is None:
            self.explanation.setText("<i>Nothing to compute: see the red message.</i>" if r and r.error else "")
            self.fit()
            return
        ho, wo = r.output.shape[1:]
        if idx is None or idx >= ho * wo:
            self.explanation.setText(IDLE_TEXT)
            self.fit()
            return
        y, x = divmod(idx, wo)
        o = min(self.model.out_channel, r.kernels.shape[0] - 1)
        try:
            exp = explain_cell(r.input, r.kernels, r.spec, o, y, x)
        except UserInputError as exc:
            self.explanation.setText(html(str(exc)))
            self.fit()
            return
        self._explanation_text = exp.text
        where = f"row {y + 1}, column {x + 1}"
        if r.kernels.shape[0] > 1:
            where += f", channel {exp.out_channel + 1}"
        body = per_channel_html(exp, r.kernels.shape[1]) if r.kernels.shape[1] > 1 else html(exp.text)
        self.explanation.setText(f"<b>Output {where}</b> = {body}")
        self.fit()

    def fit(self) -> None:
        """As tall as the arithmetic needs, up to a third of the figure (then it scrolls)."""
        label = self.explanation
        width = max(100, self.explanation_scroll.viewport().width())
        need = label.heightForWidth(width) + 4  # heightForWidth includes the style sheet padding
        figure = self.parentWidget()
        cap = max(80, (figure.height() if figure is not None else 240) // 3)
        self.explanation_scroll.setFixedHeight(min(max(need, 40), cap))


def per_channel_html(exp, channels: int) -> str:
    """The arithmetic of a multi-channel cell, one line per input channel."""
    def paren(v: float) -> str:
        t = format_number(v)
        return f"({t})" if t.startswith("−") else t

    lines = []
    for c in range(channels):
        name = CHANNEL_NAMES[c] if channels == 3 else f"channel {c + 1}"
        terms = [t for t in exp.terms if t.channel == c]
        subtotal = math.fsum(t.product for t in terms)
        text = " + ".join(f"{format_number(t.weight)}×{paren(t.value)}" for t in terms)
        lines.append(f"<i>{name}:</i> {html(text)} = {html(format_number(subtotal))}")
    tail = ""
    if exp.bias:
        tail = f" + bias {html(paren(exp.bias))}"
    sums = " + ".join(paren(math.fsum(t.product for t in exp.terms if t.channel == c)) for c in range(channels))
    return ("<br>" + "<br>".join(lines) + f"<br><b>{html(sums)}{tail} = {html(format_number(exp.total))}</b>")
