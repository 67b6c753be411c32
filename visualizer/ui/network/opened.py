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
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyleOptionComboBox,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.output_size import effective_kernel
from visualizer.ui.network.fit import type_scale
from visualizer.ui.network.model import NetworkModel
from visualizer.ui.network.opened_text import arithmetic_html, exact_of, title_html, total_line
from visualizer.ui.network.render import scales_of, to_images

TILE = 64  # the pictures' side in a narrow pane; they grow with the pane ...
TILE_MAX = 160  # ... up to this at the normal type (in proportion to the type at a larger one)
GAP = 6
#: The heads of the three columns: a channel's input map, its kernel slice, their correlation.
HEADS = ("input map", "kernel slice", "correlation")
_HEAD_FLAGS = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom) | int(Qt.TextFlag.TextWordWrap)
_WRAP = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap)


class PartsCanvas(QWidget):
    """Rows: input map c | kernel slice c | channel c's correlation; last row: the sum + bias.
    The pictures share the pane's width (64 to 160 px, × the type's scale in lecture mode and with
    Ctrl+plus); the heads wrap over their columns (in a
    smaller type, or the pane scrolls sideways, where a word is wider than a column), the Σ line
    over the pane."""

    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName("parts_canvas")
        self.setMouseTracking(True)
        self.pixel: tuple[int, int] | None = None
        self.cells: list[tuple[str, int, QRectF]] = []  # (kind, channel, rect)
        self.total_rect = QRectF()  # where the Σ line is written
        self.head_height = 0
        self._images: dict[str, list] = {}
        model.opened_changed.connect(self.refresh)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(3 * (TILE + GAP) + 80, self.minimumHeight())

    @Slot()
    def refresh(self) -> None:
        parts = self.model.parts
        self._images = {}
        if parts is not None:
            self._images["input"] = to_images(parts.inputs, scales_of(parts.inputs, False))
            self._images["kernel"] = to_images(parts.kernels, scales_of(parts.kernels, False))
            both = np.concatenate([parts.partials, parts.total[None]])
            imgs = to_images(both, scales_of(both, False))
            self._images["partial"], self._images["total"] = imgs[:-1], imgs[-1:]
        self.relayout()

    def relayout(self) -> None:
        """The cells, heads and Σ line for the pane's width and the type."""
        parts = self.model.parts
        self.cells = []
        if parts is None:
            self.setMinimumSize(0, 40)
            self.update()
            return
        fm = QFontMetrics(self.label_font())
        left, tile = self.label_width(fm), self.tile(fm)
        self.setMinimumWidth(int(left + 3 * self._least_tile(fm) + 2 * GAP + 8))
        self.head_height = max(fm.boundingRect(0, 0, int(tile + GAP), 10_000, _HEAD_FLAGS, h).height()
                               for h in HEADS)
        y = self.head_height + 4
        for c in range(len(parts.channels)):
            for k, kind in enumerate(("input", "kernel", "partial")):
                self.cells.append((kind, c, QRectF(left + k * (tile + GAP), y, tile, tile)))
            y += tile + GAP
        width = max(40, self.width() - 8)
        high = fm.boundingRect(0, 0, width, 10_000, _WRAP, total_line(parts)).height()
        self.total_rect = QRectF(4, y, width, high)
        y += high + 2
        self.cells.append(("total", 0, QRectF(left + 2 * (tile + GAP), y, tile, tile)))
        y += tile + GAP
        self.setMinimumHeight(int(y) + 4)
        self.update()

    def label_width(self, fm: QFontMetrics) -> int:
        """The channel names' column: the longest name ("ch 8") and a gap."""
        parts = self.model.parts
        last = max(parts.channels) + 1 if parts is not None and len(parts.channels) else 1
        return fm.horizontalAdvance(f"ch {last}") + 8

    def _pane_tile(self, fm: QFontMetrics) -> float:
        """A third of the pane beside the names, at most 160 px × the type's scale."""
        return min(TILE_MAX * type_scale(self), (self.width() - self.label_width(fm) - 2 * GAP - 8) / 3)

    @staticmethod
    def _least_tile(fm: QFontMetrics) -> float:
        """The smallest side: 64 px, or a head's widest word (its column is the picture and a gap)."""
        return max(TILE, max(fm.horizontalAdvance(word) for head in HEADS for word in head.split()) + 2 - GAP)

    def tile(self, fm: QFontMetrics) -> float:
        """The pictures' side: a third of the pane beside the names, 64 to 160 px × the type's
        scale (more where a head's word needs it: the pane then scrolls sideways)."""
        return max(self._least_tile(fm), self._pane_tile(fm))

    def resizeEvent(self, e) -> None:  # noqa: N802
        super().resizeEvent(e)
        self.relayout()

    def changeEvent(self, e) -> None:  # noqa: N802
        super().changeEvent(e)
        if e.type() == QEvent.Type.FontChange:  # the tiles sit under lines of text
            self.relayout()

    def label_font(self) -> QFont:
        """The font of the column heads, channel names and the Σ line: the widget's, or smaller
        (down to half) where a word of a head would be wider than its column."""
        font = QFont(self.font())
        fm = QFontMetrics(font)
        widest = max(fm.horizontalAdvance(word) for head in HEADS for word in head.split()) + 2  # (its ink's edges)
        room = max(TILE, self._pane_tile(fm)) + GAP
        if widest > room and font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * max(0.5, 0.97 * room / widest))  # (a margin for rounding)
        return font

    def layout_problems(self) -> list[str]:
        """Heads, channel names or the Σ line cut (for the layout report: this widget draws its
        own text)."""
        parts = self.model.parts
        if parts is None or not self.cells:
            return []
        fm = QFontMetrics(self.label_font())
        tile, cut = self.tile(fm), []
        for head in HEADS:
            need = fm.boundingRect(0, 0, int(tile + GAP), 10_000, _HEAD_FLAGS, head)
            if need.width() > tile + GAP or need.height() > self.head_height:
                cut.append(f"opened map head '{head}' cut: it needs {need.width()}×{need.height()} px, has "
                           f"{tile + GAP:.0f}×{self.head_height}")
        if fm.horizontalAdvance(f"ch {max(parts.channels) + 1}") > self.label_width(fm) - 4:
            cut.append("opened map: the channel names are wider than their column")
        need = fm.boundingRect(0, 0, int(self.total_rect.width()), 10_000, _WRAP, total_line(parts))
        if need.height() > self.total_rect.height() or self.total_rect.right() > self.width():
            cut.append(f"opened map: the line '{total_line(parts)}' cut")
        return cut

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
        tile = self.tile(fm)
        for k, head in enumerate(HEADS):
            first = self.cells[k][2]
            p.drawText(QRectF(first.left() - GAP / 2, 0, tile + GAP, self.head_height), _HEAD_FLAGS, head)
        p.drawText(self.total_rect, _WRAP, total_line(parts))
        for kind, c, r in self.cells:
            p.drawImage(r, self._images[kind][c])
            if kind == "input":
                p.setPen(text)
                p.drawText(QRectF(0, r.top(), r.left() - 8, r.height()),
                           Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, f"ch {parts.channels[c] + 1}")
            if kind == "kernel":
                p.drawText(QRectF(r.right(), r.top(), GAP, r.height()), Qt.AlignmentFlag.AlignCenter, "⋆")
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


class ChannelCombo(QComboBox):
    """The channel choice: never narrower than its current words (a splitter squeezing the pane
    at lecture type cut "All 8 channels" to "All 8 chan")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentIndexChanged.connect(self.updateGeometry)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        text = QSize(self.fontMetrics().horizontalAdvance(self.currentText()) + 2, hint.height())
        whole = self.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, opt, text, self)
        return QSize(max(hint.width(), whole.width()), hint.height())


class ShorteningButton(QPushButton):
    """A push button whose words shorten to `short` where the whole do not fit (lecture type on a
    1024-px screen); its tooltip says what it does in full. Its minimum is the short words'."""

    def __init__(self, text: str, short: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._full, self._short = text, short
        self.setAccessibleName(text)
        # Preferred, not a push button's Minimum: a layout may give it less than the whole words
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def _padding(self) -> int:
        return super().sizeHint().width() - self.fontMetrics().horizontalAdvance(self.text())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        return QSize(self._padding() + self.fontMetrics().horizontalAdvance(self._short), hint.height())

    def sizeHint(self) -> QSize:  # noqa: N802
        """The whole words' size, whichever words it shows now (so that it grows back to them)."""
        hint = super().sizeHint()
        return QSize(self._padding() + self.fontMetrics().horizontalAdvance(self._full), hint.height())

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
        self.channel_combo = ChannelCombo(self)
        self.channel_combo.setObjectName("explorer_channels")
        self.channel_combo.setToolTip("Which input channel(s) and kernel slice(s) go to the Convolution explorer")
        self.explorer_button = ShorteningButton("Open in Convolution explorer", "Open in explorer", self)
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
