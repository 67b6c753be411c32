"""One conv map opened up: the layer's C input maps beside the C slices of that output channel's
kernel, each channel's correlation, and their sum plus the bias, which is the map.

PyTorch's Conv2d computes a cross-correlation: out[o] = bias[o] + Σ_c (x[c] ⋆ w[o, c]), the
kernel not flipped. Hover an output pixel (of the sum or any partial): each channel's window, its
partial sum and the total. **Open in Convolution explorer** hands the chosen channel(s), their
kernel slice(s), stride, padding and bias to the Explorer tab (the panel's `explorer_requested`)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPalette, QPen, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QFrame,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.output_size import effective_kernel
from visualizer.ui.network.model import NetworkModel
from visualizer.ui.network.opened_text import arithmetic_html, exact_of, title_html, total_line
from visualizer.ui.network.render import scales_of, to_images

TILE = 64
GAP = 6
#: The heads of the three columns: a channel's input map, its kernel slice, their correlation.
HEADS = ("input map", "kernel slice", "correlation")


class PartsCanvas(QWidget):
    """Rows: input map c | kernel slice c | channel c's correlation; last row: the sum + bias."""

    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName("parts_canvas")
        self.setMouseTracking(True)
        self.pixel: tuple[int, int] | None = None
        self.cells: list[tuple[str, int, QRectF]] = []  # (kind, channel, rect)
        self._images: dict[str, list] = {}
        model.opened_changed.connect(self.refresh)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(3 * (TILE + GAP) + 80, self.minimumHeight())

    @Slot()
    def refresh(self) -> None:
        parts = self.model.parts
        self.cells, self._images = [], {}
        if parts is not None:
            self._images["input"] = to_images(parts.inputs, scales_of(parts.inputs, False))
            self._images["kernel"] = to_images(parts.kernels, scales_of(parts.kernels, False))
            both = np.concatenate([parts.partials, parts.total[None]])
            s = scales_of(both, False)
            imgs = to_images(both, s)
            self._images["partial"], self._images["total"] = imgs[:-1], imgs[-1:]
            fm = QFontMetrics(self.label_font())
            y = fm.height() + 4
            for c in range(len(parts.channels)):
                for k, kind in enumerate(("input", "kernel", "partial")):
                    self.cells.append((kind, c, QRectF(50 + k * (TILE + GAP), y, TILE, TILE)))
                y += TILE + GAP
            y += fm.height() + 2
            self.cells.append(("total", 0, QRectF(50 + 2 * (TILE + GAP), y, TILE, TILE)))
            y += TILE + GAP
            self.setMinimumHeight(int(y) + 4)
        else:
            self.setMinimumHeight(40)
        self.update()

    def changeEvent(self, e) -> None:  # noqa: N802
        super().changeEvent(e)
        if e.type() == QEvent.Type.FontChange:  # the tiles sit under lines of text
            self.refresh()

    def label_font(self) -> QFont:
        """The font of the column heads, channel names and the Σ line: the widget's, or smaller
        (down to 60 %) where its words would be wider than the tiles they stand over."""
        font = QFont(self.font())
        fm = QFontMetrics(font)
        parts = self.model.parts
        total = "" if parts is None else total_line(parts)
        need = max(max(fm.horizontalAdvance(h) for h in HEADS) / (TILE + 12),
                   fm.horizontalAdvance("ch 000") / 46, fm.horizontalAdvance(total) / max(1, self.width() - 8))
        if need > 1 and font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() / min(need, 1 / 0.6))
        return font

    def paintEvent(self, _e) -> None:  # noqa: N802
        p = QPainter(self)
        parts = self.model.parts
        text = self.palette().color(QPalette.ColorRole.WindowText)
        p.setPen(text)
        if parts is None:
            p.drawText(self.rect().adjusted(4, 4, -4, -4), Qt.TextFlag.TextWordWrap,
                       "Click a map of a convolution layer to see the convolution that made it.")
            return
        p.setFont(self.label_font())
        fm = QFontMetrics(p.font())
        for k, head in enumerate(HEADS):
            p.drawText(QRectF(50 + k * (TILE + GAP) - 4, 0, TILE + 12, fm.height()), Qt.AlignmentFlag.AlignCenter, head)
        for kind, c, r in self.cells:
            p.drawImage(r, self._images[kind][c])
            if kind == "input":
                p.setPen(text)
                p.drawText(QRectF(0, r.top(), 46, r.height()), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                           f"ch {parts.channels[c] + 1}")
            if kind == "kernel":
                p.drawText(QRectF(r.right(), r.top(), GAP, r.height()), Qt.AlignmentFlag.AlignCenter, "⋆")
            if kind == "total":
                p.drawText(QRectF(0, r.top() - fm.height() - 2, self.width(), fm.height()), Qt.AlignmentFlag.AlignLeft,
                           total_line(parts))
        if self.pixel is not None:
            oy, ox = self.pixel
            ho, wo = parts.total.shape
            kh, kw = parts.kernels.shape[1:]
            h, w = parts.inputs.shape[1:]
            p.setPen(QPen(QColor(255, 215, 0), 2))
            for kind, c, r in self.cells:
                if kind in ("partial", "total"):
                    p.drawRect(QRectF(r.left() + ox * r.width() / wo, r.top() + oy * r.height() / ho,
                                      r.width() / wo, r.height() / ho))
                elif kind == "input":
                    t, _b, l, _r = parts.padding
                    y0 = oy * parts.stride[0] - t
                    x0 = ox * parts.stride[1] - l
                    ey = effective_kernel(kh, parts.dilation[0])
                    ex = effective_kernel(kw, parts.dilation[1])
                    p.drawRect(QRectF(r.left() + x0 * r.width() / w, r.top() + y0 * r.height() / h,
                                      ex * r.width() / w, ey * r.height() / h))

    def mouseMoveEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        parts = self.model.parts
        pixel = None
        if parts is not None:
            for kind, _c, r in self.cells:
                if kind in ("partial", "total") and r.contains(e.position()):
                    ho, wo = parts.total.shape
                    pixel = (min(ho - 1, int((e.position().y() - r.top()) / r.height() * ho)),
                             min(wo - 1, int((e.position().x() - r.left()) / r.width() * wo)))
        if pixel != self.pixel:
            self.pixel = pixel
            self.update()
            self.parent_view().show_pixel(pixel)

    def parent_view(self) -> "OpenedMapView":
        w = self.parentWidget()
        while w is not None and not isinstance(w, OpenedMapView):
            w = w.parentWidget()
        return w  # type: ignore[return-value]


class _ShorteningButton(QPushButton):
    """A push button whose words shorten to `short` where the whole do not fit (lecture type on a
    1024-px screen); its tooltip says what it does in full. Its minimum is the short words'."""

    def __init__(self, text: str, short: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._full, self._short = text, short
        self.setAccessibleName(text)

    def _padding(self) -> int:
        return super().sizeHint().width() - self.fontMetrics().horizontalAdvance(self.text())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        return QSize(self._padding() + self.fontMetrics().horizontalAdvance(self._short), hint.height())

    def _fit(self) -> None:
        whole = self._padding() + self.fontMetrics().horizontalAdvance(self._full) <= self.width()
        text = self._full if whole else self._short
        if text != self.text():
            self.setText(text)

    def resizeEvent(self, e) -> None:  # noqa: N802
        super().resizeEvent(e)
        self._fit()

    def changeEvent(self, e) -> None:  # noqa: N802
        super().changeEvent(e)
        if e.type() == QEvent.Type.FontChange:
            self._fit()


class OpenedMapView(QWidget):
    explorer_clicked = Signal(object)  # the explorer request dict (or None)

    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName("opened_map")
        self.title = QLabel("No map opened", self)
        self.title.setObjectName("opened_title")
        self.title.setWordWrap(True)
        self.canvas = PartsCanvas(model)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.canvas)
        self.arithmetic = QLabel("Hover an output pixel (the correlations or the sum) to see each channel's "
                                 "window and partial sum.", self)
        self.arithmetic.setObjectName("opened_arithmetic")
        self.arithmetic.setWordWrap(True)
        self.arithmetic.setTextFormat(Qt.TextFormat.RichText)
        self.arithmetic.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                | Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.arithmetic.setOpenExternalLinks(False)
        self.arithmetic.linkHovered.connect(self._number_hovered)
        self.channel_combo = QComboBox(self)
        self.channel_combo.setObjectName("explorer_channels")
        self.channel_combo.setToolTip("Which input channel(s) and kernel slice(s) go to the Convolution explorer")
        self.explorer_button = _ShorteningButton("Open in Convolution explorer", "Open in explorer", self)
        self.explorer_button.setObjectName("open_in_explorer")
        self.explorer_button.setToolTip("Step through this convolution cell by cell in the Convolution tab, "
                                        "with the trained weights, stride, padding and bias")
        self.explorer_button.clicked.connect(self._explorer)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(model.close_map)
        self.arithmetic_scroll = QScrollArea(self)
        self.arithmetic_scroll.setWidgetResizable(True)
        self.arithmetic_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.arithmetic_scroll.setWidget(self.arithmetic)
        self.arithmetic.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # The channel choice and Close share a row, the wide button has its own: at lecture type
        # the pane then needs no more than the button's short words (#26).
        row = QHBoxLayout()
        row.addWidget(self.channel_combo, 1)
        row.addWidget(self.close_button)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.scroll)
        split.addWidget(self.arithmetic_scroll)
        split.setSizes([400, 300])
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.title)
        col.addLayout(row)
        col.addWidget(self.explorer_button)
        col.addWidget(split, 1)
        model.opened_changed.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        parts = self.model.parts
        on = parts is not None
        for w in (self.channel_combo, self.explorer_button, self.close_button):
            w.setEnabled(on)
        if not on:
            self.title.setText("<b>One map opened up</b>: click a map of a conv layer")
            return
        self.title.setText(title_html(self.model.net.layers[parts.layer].name, parts))
        keep = self.channel_combo.currentIndex()
        self.channel_combo.blockSignals(True)
        self.channel_combo.clear()
        self.channel_combo.addItem(f"All {len(parts.channels)} channels")
        for c in parts.channels:
            self.channel_combo.addItem(f"Input channel {c + 1} only")
        self.channel_combo.setCurrentIndex(keep if 0 <= keep < self.channel_combo.count() else 0)
        self.channel_combo.blockSignals(False)
        if self.canvas.pixel is not None:
            self.show_pixel(self.canvas.pixel)

    def show_pixel(self, pixel) -> None:
        parts = self.model.parts
        if parts is None or pixel is None:
            return
        oy, ox = pixel
        if oy < parts.total.shape[0] and ox < parts.total.shape[1]:
            colour = self.arithmetic.palette().color(QPalette.ColorRole.WindowText).name()
            self.arithmetic.setText(arithmetic_html(parts, oy, ox, colour))
            self._fit_arithmetic()

    def _fit_arithmetic(self) -> None:
        """The arithmetic at least as wide as its table of numbers: a narrow pane scrolls it
        sideways (squeezed, Qt draws the table's columns over each other); the line under the
        table wraps."""
        text = self.arithmetic.text()
        if "</table>" not in text:
            self.arithmetic.setMinimumWidth(0)
            return
        doc = QTextDocument()
        doc.setDefaultFont(self.arithmetic.font())
        doc.setHtml(text[:text.index("</table>") + len("</table>")])
        margins = self.arithmetic.contentsMargins()
        self.arithmetic.setMinimumWidth(int(doc.size().width()) + 4 + margins.left() + margins.right())

    def changeEvent(self, e) -> None:  # noqa: N802
        super().changeEvent(e)
        if e.type() == QEvent.Type.FontChange:  # the table's width is the font's
            self._fit_arithmetic()

    @Slot(str)
    def _number_hovered(self, href: str) -> None:
        """A number of the arithmetic under the mouse: its exact value as the tool tip."""
        self.arithmetic.setToolTip(exact_of(href))

    @Slot()
    def _explorer(self) -> None:
        i = self.channel_combo.currentIndex()
        self.explorer_clicked.emit(self.model.explorer_request(None if i <= 0 else i - 1))
