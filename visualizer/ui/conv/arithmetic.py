"""The arithmetic under the matrices: the output-size formula, and what the current output cell
adds up (one line per input channel for a multi-channel input)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from visualizer.core.convolution import UserInputError, channel_parts, explain_cell
from visualizer.core.number_text import equals_sign, exact, in_parens, shown, signed_term
from visualizer.ui.conv.common import html, scale_font, sentence
from visualizer.ui.conv.cell_notes import term_mark, text_colour_on
from visualizer.ui.conv.grid_look import term_colour
from visualizer.ui.conv.model import ConvModel

#: What the explanation says while the whole output shows.
IDLE_TEXT = ("Press <b>Space</b> to play, <b>→</b> to step, or click an output cell to see how it is "
             "computed. Hover a cell to see where it comes from or what it feeds.")
#: The same while the backward mode is on: the step keys step its gradients (backward_steps.py).
IDLE_BACKWARD_TEXT = ("The step keys (<b>Space</b>, <b>→</b>/<b>←</b>, <b>Home</b>/<b>End</b>) step the "
                      "backward pass below; click an output cell to see how it is computed.")


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
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                 | Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.explanation.setOpenExternalLinks(False)
        self.explanation.linkHovered.connect(self._link_hovered)
        self.explanation.linkActivated.connect(self._link_clicked)
        self._exp = None
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
        model.highlight_changed.connect(self._write)

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
        self._exp = None
        if r is None or r.output is None:
            self.explanation.setText("<i>Nothing to compute: see the red message.</i>" if r and r.error else "")
            self.fit()
            return
        cell = self.model.current_cell()
        if idx is None or cell is None:
            backward = self.model.backward
            self.explanation.setText(IDLE_BACKWARD_TEXT if backward is not None and backward.enabled else IDLE_TEXT)
            self.fit()
            return
        y, x = cell
        o = min(self.model.out_channel, r.kernels.shape[0] - 1)
        try:
            exp = explain_cell(r.input, r.kernels, r.spec, o, y, x)
        except UserInputError as exc:
            self.explanation.setText(html(str(exc)))
            self.fit()
            return
        self._exp = exp
        self._explanation_text = exp.text
        self._write()

    @Slot()
    def _write(self) -> None:
        """The written sum of the current cell, each term on a chip of its cell's colour with its
        index; the term pointed at (here or on its cell) stands out. Numbers as the cells show them
        (number_text.shown); the exact ones are on hover."""
        exp = self._exp
        if exp is None:
            return
        y, x = exp.out_yx
        where = f"row {y + 1}, column {x + 1}"
        if self.model.result.kernels.shape[0] > 1:
            where += f", channel {exp.out_channel + 1}"
        channels = self.model.result.kernels.shape[1]
        if channels > 1:
            body = self._per_channel_html(exp, channels)
        else:
            body = self._terms_html(exp, 0)
            if exp.bias:
                body += f" + bias {html(in_parens(exp.bias))}"
            nums = [v for t in exp.terms for v in (t.weight, t.value)] + [exp.bias, exp.total]
            body += f" {equals_sign(nums)} {html(shown(exp.total))}"
        self.explanation.setText(f"<b>Output {where}</b> = {body}")
        self.fit()

    def _terms_html(self, exp, channel: int) -> str:
        """One channel's terms "w×v", each a link to its cell on a chip coloured like its cell's
        badge, with its index; a negative weight is written as a minus: "… − 0.309×2"."""
        h = self.model.highlight
        parts = []
        for i, t in enumerate(t for t in exp.terms if t.channel == channel):
            op, text = signed_term(_term(t), first=i == 0)
            bg = QColor(term_colour(i))
            style = (f"background-color:{term_colour(i)}; color:{text_colour_on(bg).name()};"
                     " text-decoration:none")
            if h is not None and h == (channel, *t.padded_yx):
                style += "; font-weight:bold; text-decoration:underline"
            href = f"term:{channel}:{t.padded_yx[0]}:{t.padded_yx[1]}"
            parts.append(f"{op}<a href='{href}' style='{style}'><span style='{style}'>&nbsp;{term_mark(i)}"
                         f"&nbsp;{html(text)}&nbsp;</span></a>")
        return "".join(parts)

    def _per_channel_html(self, exp, channels: int) -> str:
        """A multi-channel cell, as PyTorch's Conv2d sums it: per input channel its window ∗ its
        kernel slice = a partial sum, one line each; then the partial sums plus the bias. Only the
        channel shown in the input view (marked ▶) lists its terms: a click on another channel's
        name shows that one and its terms."""
        shown_channel = self.model.shown_input_channel()
        lines = []
        for part in channel_parts(exp):
            c = part.channel
            name = self.model.channel_label(c)
            label = f"channel {name}"  # "channel R", not a one-letter link
            head = (f"<a href='channel:{c}' style='text-decoration:none'><i>{html(label)}</i></a>")
            if c == shown_channel:
                mine = [v for t in exp.terms if t.channel == c for v in (t.weight, t.value)]
                terms = f"{self._terms_html(exp, c)} {equals_sign(mine + [part.subtotal])} "
                head = f"▶ <b>{head}</b>"
            else:
                terms = ""
            lines.append(f"{head}: window ∗ slice = {terms}<b>{html(shown(part.subtotal))}</b>")
        if shown_channel is None:
            lines.append("<i>(click a channel's name for its terms)</i>")
        parts = channel_parts(exp)
        sums = "".join(_plus(p.subtotal, first=i == 0) for i, p in enumerate(parts))
        tail = f" + bias {in_parens(exp.bias)}" if exp.bias else ""
        return ("<br>" + "<br>".join(lines) + f"<br><b>sum over the {channels} channels: {html(sums + tail)} "
                f"{equals_sign([p.subtotal for p in parts] + [exp.bias, exp.total])} "
                f"{html(shown(exp.total))}</b>")

    @Slot(str)
    def _link_hovered(self, href: str) -> None:
        if href.startswith("term:"):
            c, py, px = (int(v) for v in href.split(":")[1:])
            self.model.set_highlight((c, py, px))
            self.explanation.setToolTip(self.exact_term((c, py, px)))
        else:
            self.model.set_highlight(None)
            self.explanation.setToolTip("")

    def exact_term(self, where: tuple[int, int, int]) -> str:
        """The exact numbers of the term at (channel, padded row, padded column): its tool tip."""
        for t in self._exp.terms if self._exp is not None else ():
            if (t.channel, *t.padded_yx) == where:
                return f"weight {exact(t.weight)} × value {exact(t.value)} = {exact(t.product)}"
        return ""

    @Slot(str)
    def _link_clicked(self, href: str) -> None:
        if href.startswith("channel:"):
            self.model.set_input_channel(int(href.split(":")[1]))
        elif href.startswith("term:"):
            c = int(href.split(":")[1])
            if self.model.shown_input_channel() != c:
                self.model.set_input_channel(c)

    def term_at_highlight(self) -> str:
        """The text of the term that stands out now ("" when none; for tests and tours)."""
        h, exp = self.model.highlight, self._exp
        if h is None or exp is None:
            return ""
        for t in exp.terms:
            if (t.channel, *t.padded_yx) == h:
                return _term(t)
        return ""

    def fit(self) -> None:
        """As tall as the arithmetic needs, up to a third of the figure (then it scrolls)."""
        label = self.explanation
        width = max(100, self.explanation_scroll.viewport().width())
        need = label.heightForWidth(width) + 4  # heightForWidth includes the style sheet padding
        figure = self.parentWidget()
        cap = max(80, (figure.height() if figure is not None else 240) // 3)
        self.explanation_scroll.setFixedHeight(min(max(need, 40), cap))


def _term(t) -> str:
    """"w×v" as shown: "0.299×24", "−0.309×(−1)"."""
    return f"{shown(t.weight)}×{in_parens(t.value)}"


def _plus(v: float, first: bool = False) -> str:
    """A summand after the others: " + 0.5", " − 0.31"; the first keeps its sign."""
    op, text = signed_term(shown(v), first)
    return f"{op}{text}"
