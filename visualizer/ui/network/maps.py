"""Every layer's output at once: for each layer, in the net's order, its name, type and C×H×W, a
colour bar, and its feature maps as small pictures (flat layers as a strip of cells).

One widget paints it all (`MapsCanvas`, inside a scroll area): about 200 small maps are redrawn on
every drawing update, and painting cached QImages is far cheaper than 200 widgets. Hover a value:
the model's hover (its value and receptive field are shown by other views). Click a map of a conv
layer: it opens up."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Slot
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from visualizer.core.architecture import REGISTRY
from visualizer.ui.network.fit import type_scale
from visualizer.ui.network.model import NetworkModel
from visualizer.ui.network.render import paint_colour_bar, scales_of, to_images
from visualizer.ui.shell.quietly import set_quietly

GAP = 3
FLAT_COLUMNS = 64
BAR_W = 90
#: The narrowest canvas: its layout keeps 200 px for the maps.
MIN_WIDTH = 208
_WRAP = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter) | int(Qt.TextFlag.TextWordWrap)
HOVER_HINT = "Hover a map to see a value and its receptive field; click a map of a conv layer to open it"


@dataclass
class _Block:
    layer: int
    header: QRectF
    bar: QRectF
    tiles: list[QRectF]  # one per map (spatial layers)
    cell: float = 0.0  # flat layers: cell size ...
    columns: int = 0  # ... and cells per row
    origin: QPointF | None = None
    #: A narrow pane: the bar's numbers on a line of their own under its two ends (else beside it).
    numbers: QRectF | None = None


def _heading_of(la) -> str:
    """A layer's heading: its name, type and shape."""
    return f"{la.name} · {la.type} · {'×'.join(str(n) for n in la.shape)}"


def tile_size(h: int, scale: float = 1.0) -> int:
    """Bigger pictures for smaller maps, so a 7×7 map is not a speck beside a 28×28 one; `scale`
    times that at a larger type (lecture mode, Ctrl+plus)."""
    return round(scale * (min(84, max(42, 3 * h)) if h > 1 else 20))


class MapsCanvas(QWidget):
    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName("maps_canvas")
        self.setAccessibleName("Feature maps of every layer")
        self.setMouseTracking(True)
        self.setMinimumWidth(MIN_WIDTH)  # narrower (Forward and Backward side by side), its pane scrolls sideways
        self.images: list[list] = []  # per layer: QImages of its maps (spatial) or one strip image
        self.blocks: list[_Block] = []
        self.scales: list = []  # per layer: the largest |value| of each map's colours
        self.redraws = 0  # for tests and the benchmark
        model.activations_changed.connect(self.refresh)
        model.scale_changed.connect(self.refresh)
        model.net_changed.connect(self.refresh)
        model.opened_changed.connect(self.update)
        if model.acts is not None:  # a canvas made for a model that already shows a net
            self.refresh()

    # -- content ---------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        acts = self.model.acts
        own = self.model.scale == "own"
        self.images, self.scales = [], []
        if acts is not None:
            for la in acts.layers:
                v = la.values
                if v.ndim == 3:
                    s = scales_of(v, own)
                    self.images.append(to_images(v, s))
                else:
                    s = scales_of(v, False)
                    cols = min(FLAT_COLUMNS, v.size)
                    rows = -(-v.size // cols)
                    padded = np.zeros(rows * cols)
                    padded[:v.size] = v
                    self.images.append(to_images(padded.reshape(1, rows, cols), s))
                self.scales.append(s)
        self.relayout()
        self.redraws += 1
        self.update()

    def relayout(self) -> None:
        acts = self.model.acts
        self.blocks = []
        fm = QFontMetrics(self.font())
        width = max(200, self.width() - 8)
        scale = type_scale(self)
        y = 4.0
        if acts is not None:
            for i, la in enumerate(acts.layers):
                header, bar, numbers, y = self._place_bar(i, y, width, fm)
                v = la.values
                if v.ndim == 3:
                    aspect = v.shape[2] / max(v.shape[1], 1)
                    side = min(tile_size(v.shape[1], scale), width / max(aspect, 1e-9))  # never wider than the pane
                    tw = side * aspect
                    per_row = max(1, int((width + GAP) // (tw + GAP)))
                    tiles = []
                    for c in range(v.shape[0]):
                        r, k = divmod(c, per_row)
                        tiles.append(QRectF(4 + k * (tw + GAP), y + r * (side + GAP), tw, side))
                    y += -(-v.shape[0] // per_row) * (side + GAP)
                    self.blocks.append(_Block(i, header, bar, tiles, numbers=numbers))
                else:
                    cols = min(FLAT_COLUMNS, v.size)
                    cell = max(4.0, min(24.0 * scale, width / cols))
                    rows = -(-v.size // cols)
                    self.blocks.append(_Block(i, header, bar, [QRectF(4, y, cols * cell, rows * cell)], cell, cols,
                                              QPointF(4, y), numbers))
                    y += rows * cell + GAP
                y += 6
        self.setMinimumHeight(int(y) + 4)

    def _place_bar(self, i: int, y: float, width: float, fm: QFontMetrics):
        """Layer `i`'s heading, colour bar and (in a narrow pane) the line of the bar's numbers,
        from height `y` down; and the height below them. Wide: the heading and the bar share a line,
        the numbers either side of the bar. Narrower: the heading gets lines of its own above. Too
        narrow for even a 24 px bar between the numbers (lecture type on a 1024 px screen): the bar
        has a line of its own and the numbers the line under it, one under each end (the right one
        a line lower where the two do not fit one line)."""
        line = fm.height() + 4
        heading = _heading_of(self.model.acts.layers[i])
        left, right = self._scale_words_of(i)
        bar_left = 4 + width - BAR_W - fm.horizontalAdvance("+max of each map") - 8
        if fm.horizontalAdvance(heading) <= bar_left - fm.horizontalAdvance(left) - 16:
            return QRectF(4, y, width, line), QRectF(bar_left, y + 3, BAR_W, line - 6), None, y + line
        high = fm.boundingRect(0, 0, int(width), 10_000, _WRAP, heading).height() + 4
        header = QRectF(4, y, width, max(line, high))
        y += header.height()
        bar_left = max(bar_left, 4 + fm.horizontalAdvance(left) + 8)
        room = 4 + width - bar_left - fm.horizontalAdvance(right) - 8
        if room >= 24:
            return header, QRectF(bar_left, y + 3, min(BAR_W, room), line - 6), None, y + line
        both = fm.horizontalAdvance(left) + fm.horizontalAdvance(right) + 16
        bar = QRectF(4, y + 3, min(width, max(BAR_W, both)), line - 6)
        lines = 1 if both <= width else 2  # still too wide: the right number a line lower
        return header, bar, QRectF(4, y + line - 2, bar.width(), lines * line), y + (lines + 1) * line - 2

    def resizeEvent(self, e) -> None:  # noqa: N802
        super().resizeEvent(e)
        self.relayout()

    def changeEvent(self, e) -> None:  # noqa: N802
        super().changeEvent(e)
        if e.type() == QEvent.Type.FontChange:  # headings and tiles are laid out in the font's sizes
            self.relayout()
            self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(600, self.minimumHeight())

    def tile_rect(self, layer: int, channel: int) -> QRectF:
        """Where map `channel` of `layer` is drawn (for tests and the guided tour)."""
        return self.blocks[layer].tiles[channel]

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, e) -> None:  # noqa: N802
        p = QPainter(self)
        acts = self.model.acts
        text = self.palette().color(QPalette.ColorRole.WindowText)
        if acts is None or not self.blocks:
            p.setPen(text)
            p.drawText(self.rect().adjusted(10, 10, -10, -10), Qt.TextFlag.TextWordWrap, self.placeholder())
            return
        clip = e.rect()
        opened = self.model.opened
        fm = QFontMetrics(self.font())
        for b in self.blocks:
            la = acts.layers[b.layer]
            if b.header.bottom() + 400 < clip.top() and b.tiles[-1].bottom() < clip.top():
                continue
            if b.header.top() > clip.bottom():
                break
            left, right = self._scale_words(b)
            p.setPen(text)
            heading, room = self._heading(b, fm, left)
            if b.bar.top() >= b.header.bottom():  # on lines of its own
                p.drawText(b.header, _WRAP, heading)
            else:
                p.drawText(QRectF(b.header.left(), b.header.top(), room, b.header.height()),
                           Qt.AlignmentFlag.AlignVCenter,
                           fm.elidedText(heading, Qt.TextElideMode.ElideRight, int(room)))
            paint_colour_bar(p, b.bar)
            self._paint_numbers(p, b, fm, left, right)
            images = self.images[b.layer]
            if la.values.ndim == 3:
                for c, r in enumerate(b.tiles):
                    if r.intersects(QRectF(clip)):
                        p.drawImage(r, images[c])
                        if opened == (b.layer, c):
                            p.setPen(QPen(QColor(255, 170, 0), 3))
                            p.drawRect(r.adjusted(-2, -2, 2, 2))
            else:
                p.drawImage(b.tiles[0], images[0])
        hover = self.model.hover
        if hover is not None and 0 <= hover[0] < len(self.blocks):
            b = self.blocks[hover[0]]
            la = acts.layers[hover[0]]
            p.setPen(QPen(QColor(255, 215, 0), 2))
            if la.values.ndim == 3 and hover[1] < len(b.tiles):
                r = b.tiles[hover[1]]
                h, w = la.shape[1:]
                p.drawRect(QRectF(r.left() + hover[3] * r.width() / w, r.top() + hover[2] * r.height() / h,
                                  r.width() / w, r.height() / h))
            elif la.values.ndim == 1 and b.columns:
                row, col = divmod(hover[2], b.columns)
                p.drawRect(QRectF(b.origin.x() + col * b.cell, b.origin.y() + row * b.cell, b.cell, b.cell))

    def placeholder(self) -> str:
        """What the pane says while it has no maps to show: a problem, the slow work under way
        ("Loading PyTorch…" the first time), or what to do."""
        if self.model.error:
            return self.model.error
        if self.model.busy:
            return getattr(self.model, "phase", "") or "Loading the net…"  # (the gradients' source has no phase)
        return "Pick a net and an image"

    @staticmethod
    def _paint_numbers(p: QPainter, b: _Block, fm: QFontMetrics, left: str, right: str) -> None:
        """The colour bar's numbers: either side of it, or under its two ends (`b.numbers`)."""
        if b.numbers is not None:
            p.drawText(b.numbers, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, left)
            p.drawText(b.numbers, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, right)
            return
        scale_line = b.bar.adjusted(0, -3, 0, 3)
        p.drawText(QRectF(b.bar.left() - fm.horizontalAdvance(left) - 4, scale_line.top(),
                          fm.horizontalAdvance(left) + 2, scale_line.height()), Qt.AlignmentFlag.AlignVCenter, left)
        p.drawText(QRectF(b.bar.right() + 4, scale_line.top(), fm.horizontalAdvance(right) + 4,
                          scale_line.height()), Qt.AlignmentFlag.AlignVCenter, right)

    def _scale_words(self, b: _Block) -> tuple[str, str]:
        return self._scale_words_of(b.layer)

    def _scale_words_of(self, layer: int) -> tuple[str, str]:
        """The words at the ends of layer `layer`'s colour bar."""
        s, la = self.scales[layer], self.model.acts.layers[layer]
        if la.values.ndim == 1 or self.model.scale == "shared":
            return f"−{s[0]:.3g}", f"+{s[0]:.3g}"
        return "−max", "+max of each map"

    def _heading(self, b: _Block, fm: QFontMetrics, left: str) -> tuple[str, float]:
        """A layer's heading and the room it has left of the colour bar. The hint "click a map to
        open it" is left out when it does not fit (the hover line says it too), so the layer's
        name, type and shape are not cut."""
        la = self.model.acts.layers[b.layer]
        heading = _heading_of(la)
        own_line = b.bar.top() >= b.header.bottom()
        room = (b.header.width() if own_line
                else max(10.0, b.bar.left() - fm.horizontalAdvance(left) - 12 - b.header.left()))
        kind = REGISTRY.get(la.type)  # the registry says whether its maps open up
        hint = " · click a map to open it" if kind is not None and kind.is_convolution else ""
        if hint and own_line:  # drawn wrapped in the header's lines: the hint only if they still hold it
            need = fm.boundingRect(0, 0, int(room), 10_000, _WRAP, heading + hint)
            if need.width() <= room and need.height() <= b.header.height():
                heading += hint
        elif hint and fm.horizontalAdvance(heading + hint) <= room:
            heading += hint
        return heading, room

    def layout_problems(self) -> list[str]:
        """Headings and colour-bar numbers cut short (for the layout report: this widget draws
        its own text)."""
        acts = self.model.acts
        if acts is None:
            return []
        fm = QFontMetrics(self.font())
        cut = []
        for b in self.blocks:
            left, right = self._scale_words(b)
            if b.numbers is not None:
                one_line = b.numbers.height() < 2 * fm.height()
                need = (fm.horizontalAdvance(left) + 8 + fm.horizontalAdvance(right) if one_line
                        else max(fm.horizontalAdvance(left), fm.horizontalAdvance(right)))
                fits = need <= b.numbers.width() and b.numbers.right() <= self.width()
            else:
                fits = (b.bar.left() - fm.horizontalAdvance(left) - 4 >= 0
                        and b.bar.right() + 4 + fm.horizontalAdvance(right) <= self.width())
            if not fits:
                cut.append(f"{acts.layers[b.layer].name}: the colour bar's numbers '{left}', '{right}' do not fit "
                           f"the {self.width()} px width")
            heading, room = self._heading(b, fm, self._scale_words(b)[0])
            if b.bar.top() >= b.header.bottom():
                need = fm.boundingRect(0, 0, int(room), 10_000, _WRAP, heading)
                if need.width() > room or need.height() > b.header.height():
                    cut.append(f"heading '{heading}' cut: it needs {need.width()}×{need.height()} px, has "
                               f"{room:.0f}×{b.header.height():.0f}")
            elif fm.horizontalAdvance(heading) > room:
                cut.append(f"heading '{heading}' cut: it needs {fm.horizontalAdvance(heading)} px, has {room:.0f}")
        return cut

    # -- mouse -----------------------------------------------------------------------------
    def hit(self, pos: QPointF):
        """(layer, channel, y, x) under `pos`, or None."""
        acts = self.model.acts
        if acts is None:
            return None
        for b in self.blocks:
            la = acts.layers[b.layer]
            if la.values.ndim == 3:
                for c, r in enumerate(b.tiles):
                    if r.contains(pos):
                        h, w = la.shape[1:]
                        y = min(h - 1, int((pos.y() - r.top()) / r.height() * h))
                        x = min(w - 1, int((pos.x() - r.left()) / r.width() * w))
                        return (b.layer, c, y, x)
            elif b.tiles[0].contains(pos):
                row = int((pos.y() - b.origin.y()) // b.cell)
                col = int((pos.x() - b.origin.x()) // b.cell)
                i = row * b.columns + col
                if 0 <= i < la.values.size:
                    return (b.layer, 0, i, 0)
        return None

    def mouseMoveEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        self.model.set_hover(self.hit(e.position()))

    def leaveEvent(self, e) -> None:  # noqa: N802
        self.model.set_hover(None)

    def mousePressEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        hit = self.hit(e.position())
        if e.button() == Qt.MouseButton.LeftButton and hit is not None:
            self.model.open_map(hit[0], hit[1])


class LayerMapsView(QWidget):
    """The maps canvas in a scroll area, under the colour-scale toggle and the hover line."""

    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.own_scale = QCheckBox("Own scale per map", self)
        self.own_scale.setObjectName("own_scale")
        self.own_scale.setToolTip("Off: all maps of a layer share one scale (compare maps). On: each map is "
                                  "scaled to its own largest |value| (see the pattern of a weak map). "
                                  "Blue is negative, white 0, red positive.")
        self.own_scale.toggled.connect(self._toggled)
        self.hover_label = QLabel(" ", self)
        self.hover_label.setObjectName("hover_label")
        self.hover_label.setAccessibleName("Value under the mouse")
        self.hover_label.setWordWrap(True)
        self.canvas = MapsCanvas(model)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.canvas)
        top = QHBoxLayout()
        top.addWidget(self.own_scale)
        top.addStretch(1)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(top)
        col.addWidget(self.hover_label)
        col.addWidget(self.scroll, 1)
        model.scale_changed.connect(self._scale_changed)
        model.hover_changed.connect(self._hover_changed)
        model.activations_changed.connect(self._hover_changed)

    @Slot(bool)
    def _toggled(self, on: bool) -> None:
        self.model.set_scale("own" if on else "shared")

    @Slot()
    def _scale_changed(self) -> None:
        set_quietly(self.own_scale, "setChecked", self.model.scale == "own")

    @Slot()
    def _hover_changed(self) -> None:
        self.hover_label.setText(self.model.hover_text() or HOVER_HINT)
        self.canvas.update()
