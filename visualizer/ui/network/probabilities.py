"""The class probabilities as ten bars (softmax of the net's 10 outputs), the prediction and the
true label (when the image comes from the test set)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Slot
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from visualizer.ui.network.model import NetworkModel


#: What the bars are, and what they are not: scores that sum to 1, not calibrated chances.
PROBABILITIES_TIP = ("Softmax of the net's 10 outputs, in %; red: the prediction; boxed digit: the true label. "
                     "These are the net's scores, not calibrated chances of being right: they always sum to "
                     "100 %, and on a drawing unlike any training digit the net can be 99 % sure and wrong.")

class _Bars(QWidget):
    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """Room for the digits under the bars, the percentages over them and some bar between,
        at the text size in use (a fixed 80 px hid the digits at large text)."""
        fm = QFontMetrics(self.font())
        return QSize(10 * (fm.horizontalAdvance("0") + 6), 3 * fm.height() + 36)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(260, max(100, self.minimumSizeHint().height() + 20))

    def layout_problems(self) -> list[str]:
        """For the layout report: the digits or the bars cut (this widget draws its own text)."""
        need = self.minimumSizeHint()
        if self.height() < need.height() or self.width() < need.width():
            return [f"bars and digits need {need.width()}×{need.height()} px, have {self.width()}×{self.height()}"]
        return []

    def paintEvent(self, _e) -> None:  # noqa: N802
        acts = self.model.acts
        p = QPainter(self)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        fm = QFontMetrics(self.font())
        base = self.height() - fm.height() - 4
        w = self.width() / 10
        for k in range(10):
            prob = float(acts.probabilities[k]) if acts is not None else 0.0
            h = max(0.0, (base - fm.height() - 2) * prob)
            colour = QColor(214, 96, 77) if acts is not None and k == acts.prediction else QColor(100, 140, 200)
            p.fillRect(QRectF(k * w + 3, base - h, w - 6, h), colour)
            p.setPen(text)
            p.drawText(QRectF(k * w, base + 2, w, fm.height()), Qt.AlignmentFlag.AlignCenter, str(k))
            if self.model.label == k:
                p.drawRect(QRectF(k * w + 1, base + 1, w - 2, fm.height() + 2))
            if acts is not None and prob >= 0.01:
                p.drawText(QRectF(k * w, base - h - fm.height(), w, fm.height()), Qt.AlignmentFlag.AlignCenter,
                           f"{prob * 100:.0f}")


class ProbabilityBars(QWidget):
    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName("probabilities")
        self.setAccessibleName("Class probabilities")
        self.setToolTip(PROBABILITIES_TIP)
        self.bars = _Bars(model, self)
        self.summary = QLabel(" ", self)
        self.summary.setObjectName("prediction_label")
        self.summary.setWordWrap(True)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.summary)
        col.addWidget(self.bars)
        model.activations_changed.connect(self.refresh)
        model.image_changed.connect(self.refresh)

    @Slot()
    def refresh(self) -> None:
        acts = self.model.acts
        if acts is None:
            self.summary.setText("No prediction yet")
        else:
            k = acts.prediction
            label = "—" if self.model.label is None else str(self.model.label)
            verdict = "" if self.model.label is None else ("  ✓" if self.model.label == k else "  ✗")
            self.summary.setText(f"<b>Prediction: {k}</b> ({acts.probabilities[k] * 100:.1f} %) · "
                                 f"true label: {label}{verdict}")
        self.bars.update()
