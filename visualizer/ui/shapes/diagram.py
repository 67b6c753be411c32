"""The network drawn as blocks (the classic VGG figure), exportable as PNG and SVG.

Each block is a box whose height follows the feature map's height, whose slanted depth follows
its width and whose thickness follows the channel count; a flat vector (after Flatten or Linear)
is a thin bar whose height follows its length. Layers that keep the shape (BatchNorm, ReLU,
Dropout, ...) are folded into the block before them, as in the usual figure; their rows still
select that block. Sizes are on a square-root scale so that 224×224 and 7×7 both stay readable.

`DiagramPage` is the view the user sees: the figure in a scroll area with its zoom bar; it
observes the `ShapesModel` (redraws on `changed`, highlights on `selection_changed`) and selects
the model's rows when a block is clicked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QObject, QPointF, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QLabel, QScrollArea, QSizePolicy, QToolButton, QToolTip, QVBoxLayout, QWidget

from visualizer.core import shape_text as fmt
from visualizer.core.architecture import REGISTRY, RESIDUAL, ShapeTable
from visualizer.ui.shapes.model import ShapesModel
from visualizer.ui.shell.files import png_bytes, save_bytes
from visualizer.ui.shell.flow_layout import FlowLayout, side_by_side

INPUT_COLOR = QColor(190, 190, 190)
OTHER_COLOR = QColor(120, 170, 140)  # a layer type the registry gives no colour (and a block's sum)
ERROR_COLOR = QColor(200, 0, 0)
SELECTED_COLOR = QColor(255, 140, 0)

MAX_FACE = 180.0  # px: the tallest feature map
MIN_FACE = 12.0
MAX_THICK = 56.0
MIN_THICK = 5.0
DEPTH_FACTOR = 0.3  # slanted depth relative to the face height for a square map
MARGIN = 16.0
GAP = 14.0
MIN_LABEL_PT = 9.0  # at Fit the labels are never smaller than this (the figure wraps instead)


@dataclass
class Block:
    rows: list[int]  # table rows (0-based) drawn by this block; [] for the input
    kind: str  # "input" or the type of the block's first layer
    shape: tuple[int, ...] | None
    title: str  # e.g. "conv1 +BN +ReLU"
    error: str | None = None
    group: int = -1  # the Residual block's table row this box belongs to (-1: none)
    sealed: bool = False  # a block's sum: nothing after it folds into it
    # geometry (filled in by layout)
    x: float = 0.0
    y: float = 0.0  # offset of the figure row this box is on (the figure wraps at Fit)
    thick: float = 0.0
    face: float = 0.0
    depth: float = 0.0
    width: float = 0.0  # the column this block takes, labels included
    outline: QPolygonF = field(default_factory=QPolygonF)
    bounds: QRectF = field(default_factory=QRectF)


@dataclass
class Arc:
    """A skip connection: from the block before a Residual block's main path (`start`) to the
    block where the two paths are added (`end`), drawn as an arc over the main path."""

    start: int  # index in blocks
    end: int
    label: str  # e.g. "layer2.0 + 1×1 conv, BN"
    row: int  # the Residual block's table row
    error: str | None = None


def _fold(blocks: list[Block], row, i: int, title: str, group: int = -1) -> None:
    prev = blocks[-1]
    fold = (fmt.keeps_shape(row.type) and prev.kind != "input" and row.ok and prev.error is None
            and row.output_shape == prev.shape and prev.group == group and not prev.sealed)
    if fold:
        prev.rows.append(i)
        prev.title += " +" + _short(row.type)
        return
    blocks.append(Block([i], row.type, row.output_shape, title, row.error, group))


def blocks_for(table: ShapeTable, arcs: list[Arc] | None = None) -> list[Block]:
    """The boxes of the figure; a Residual block's main path is drawn box by box (its rows all
    select the block's row) and its skip connection goes into `arcs`."""
    blocks = [Block([], "input", tuple(table.architecture.input_shape), "input")]
    for i, row in enumerate(table.rows):
        if row.is_block:
            start = len(blocks) - 1
            main = [c for c in row.children if c.path == "main"]
            shortcut = [c for c in row.children if c.path == "shortcut"]
            for c in main:
                _fold(blocks, c, i, c.name[len(row.name) + 1:] if c.name.startswith(row.name + ".") else c.name, i)
            if len(blocks) - 1 == start:  # an empty main path: the sum still gets a box
                blocks.append(Block([i], RESIDUAL.name, row.output_shape, row.name, row.error, i))
            last = blocks[-1]
            last.title += " ⊕"
            last.sealed = True
            last.error = last.error or row.error
            if not row.error and row.output_shape is not None:
                last.shape = row.output_shape
            sc = "identity" if not shortcut else ", ".join(
                "1×1 conv" if _is_convolution(c.type) and "1×1" in c.settings else _short(c.type) for c in shortcut)
            if arcs is not None:
                arcs.append(Arc(start, len(blocks) - 1, f"{row.name} + {sc}", i, row.error))
            continue
        _fold(blocks, row, i, row.name or row.type)
    return blocks


def legend_entries() -> list[str]:
    """Colour key of the block kinds, one rich-text entry per kind, for labels beside the figure
    (the registry's types with a legend, in its order)."""
    return [f'<span style="color:{t.figure_color}">&#9632;</span> {t.legend}'
            for t in REGISTRY.values() if t.legend and t.figure_color]



def block_color(kind: str) -> QColor:
    """The colour of a box whose first layer is of type `kind` ("input" for the input)."""
    if kind == "input":
        return QColor(INPUT_COLOR)
    t = REGISTRY.get(kind)
    return QColor(t.figure_color) if t is not None and t.figure_color else QColor(OTHER_COLOR)


def _short(layer_type: str) -> str:
    """The word of a layer folded into the box before it ("BN"); its type name by default."""
    t = REGISTRY.get(layer_type)
    return (t.figure_label if t is not None else "") or layer_type


def _is_convolution(layer_type: str) -> bool:
    t = REGISTRY.get(layer_type)
    return t is not None and t.is_convolution


class DiagramLayout:
    """Where every block goes, for a given font; shared by the widget and the exports."""

    def __init__(self, table: ShapeTable | None, font: QFont, caption: str = "",
                 wrap_width: float | None = None, box_scale: float = 1.0) -> None:
        """`wrap_width`: start a new row of boxes rather than grow wider than this (Fit uses it
        to keep labels readable); None: one row. `box_scale` shrinks the boxes (not the labels)
        so that a wrapped figure fits a short pane."""
        self.max_face = MAX_FACE * box_scale
        self.min_face = min(MIN_FACE, self.max_face)
        self.max_thick = max(MIN_THICK, MAX_THICK * box_scale)
        self.font = QFont(font)
        # The shape line under each name is as large as the name: at Fit both stay ≥ MIN_LABEL_PT.
        self.small = QFont(font)
        self.caption = caption
        self.arcs: list[Arc] = []
        self.blocks = blocks_for(table, self.arcs) if table is not None else []
        fm = QFontMetricsF(self.font)
        sm = QFontMetricsF(self.small)
        self.line = fm.height()
        spatial = [max(b.shape[1], b.shape[2]) for b in self.blocks if b.shape and len(b.shape) == 3]
        chans = [b.shape[0] for b in self.blocks if b.shape and len(b.shape) == 3]
        vecs = [b.shape[0] for b in self.blocks if b.shape and len(b.shape) == 1]
        big_spatial = max([2] + spatial)
        big_chan = max([2] + chans)
        big_vec = max([2] + vecs)

        def face(v: int, big: int) -> float:
            # square root: 224 → 7 still visibly shrinks (log flattened it) yet 7 stays readable
            return self.min_face + (self.max_face - self.min_face) * math.sqrt(max(v, 1) / big)

        def vector(v: int, big: int) -> float:
            return self.min_face + (self.max_face - self.min_face) * math.log(max(v, 1) + 1) / math.log(big + 1)

        max_depth = 0.0
        for b in self.blocks:
            if b.shape is None:
                b.face, b.depth, b.thick = 40.0, 0.0, 24.0
            elif len(b.shape) == 3:
                c, h, w = b.shape
                b.face = face(h, big_spatial)
                b.depth = face(w, big_spatial) * DEPTH_FACTOR
                b.thick = MIN_THICK + (self.max_thick - MIN_THICK) * math.sqrt(max(c, 1) / big_chan)
            else:
                b.face = vector(b.shape[0], big_vec) if len(b.shape) == 1 else 40.0
                b.depth = 0.0
                b.thick = 10.0
            max_depth = max(max_depth, b.depth)
        self.arc_height = self.line * 2.4 if self.arcs else 0.0
        self.arc_top = MARGIN + (self.line * 1.4 if caption else 0.0)
        self.top = MARGIN + (self.line * 1.4 if caption else 0.0) + max_depth * 0.7 + self.arc_height
        self.mid = self.top + self.max_face / 2
        label_top = self.top + self.max_face + 8
        self.row_height = label_top + 2.3 * self.line - self.arc_top + GAP
        x, y, widest = MARGIN, 0.0, 0.0
        self.rows_count = 1
        prev: Block | None = None
        for b in self.blocks:
            box_w = b.thick + b.depth
            label_w = max(fm.horizontalAdvance(b.title), sm.horizontalAdvance(self.shape_text(b)))
            b.width = max(box_w, label_w)
            same_group = prev is not None and b.group >= 0 and b.group == prev.group
            if wrap_width and x > MARGIN and x + b.width + MARGIN > wrap_width and not same_group:
                widest = max(widest, x - GAP)
                x, y = MARGIN, y + self.row_height
                self.rows_count += 1
            prev = b
            b.y = y
            b.x = x + (b.width - box_w) / 2
            left, top = b.x, self.mid + y - b.face / 2
            dx, dy = b.depth, -b.depth * 0.7
            b.outline = QPolygonF([
                QPointF(left, top + b.face), QPointF(left, top), QPointF(left + dx, top + dy),
                QPointF(left + b.thick + dx, top + dy), QPointF(left + b.thick + dx, top + dy + b.face),
                QPointF(left + b.thick, top + b.face),
            ])
            b.bounds = QRectF(x, min(top + dy, top) - 4, b.width, label_top + y + 2.2 * self.line - (top + dy) + 4)
            x += b.width + GAP
        self.label_top = label_top
        widest = max(widest, x - GAP)
        self.width = max(widest + MARGIN, 200.0)
        self.height = label_top + y + 2.3 * self.line + MARGIN

    @staticmethod
    def shape_text(b: Block) -> str:
        return fmt.format_shape(b.shape)

    def size(self) -> QSize:
        return QSize(int(math.ceil(self.width)), int(math.ceil(self.height)))

    def block_at(self, pos: QPointF) -> int | None:
        for i, b in enumerate(self.blocks):
            if b.bounds.contains(pos):
                return i
        return None

    def paint(self, p: QPainter, selected_rows: set[int] | None = None, dark: bool = False) -> None:
        selected_rows = selected_rows or set()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        ink = QColor(230, 230, 230) if dark else QColor(30, 30, 30)
        if self.caption:
            p.setFont(self.font)
            p.setPen(ink)
            p.drawText(QPointF(MARGIN, MARGIN + self.line * 0.8), self.caption)
        for b in self.blocks:
            self._paint_block(p, b, False, ink)
        for arc in self.arcs:
            self._paint_arc(p, arc, ink)
        self.paint_selection(p, selected_rows, dark, None)

    def arc_points(self, arc: Arc) -> tuple[QPointF, QPointF, float]:
        """(start, end, apex y) of a skip connection: from the top of the block before the
        main path to the top of the block where the paths are added."""
        a, b = self.blocks[arc.start], self.blocks[arc.end]
        yb = self.mid + b.y - b.face / 2 - b.depth * 0.7
        apex = self.arc_top + b.y + self.line * 1.3
        if a.y != b.y:  # the figure wrapped between them: the arc comes in from the row's left edge
            start = QPointF(MARGIN / 2, self.mid + b.y - self.max_face / 4)
        else:
            ya = self.mid + a.y - a.face / 2 - a.depth * 0.7
            start = QPointF(a.x + (a.thick + a.depth) / 2, ya - 2)
        return start, QPointF(b.x + (b.thick + b.depth) / 2, yb - 2), min(apex, start.y() - 8, yb - 8)

    def _paint_arc(self, p: QPainter, arc: Arc, ink: QColor) -> None:
        from PySide6.QtGui import QPainterPath

        start, end, apex = self.arc_points(arc)
        path = QPainterPath(start)
        path.cubicTo(QPointF(start.x(), apex), QPointF(end.x(), apex), end)
        color = ERROR_COLOR if arc.error else QColor(ink)
        p.setPen(QPen(color, 1.6, Qt.PenStyle.DashLine if arc.error else Qt.PenStyle.SolidLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        # an arrow head into the addition
        p.setBrush(QBrush(color))
        p.drawPolygon(QPolygonF([end, QPointF(end.x() - 4, end.y() - 7), QPointF(end.x() + 4, end.y() - 7)]))
        p.setFont(self.small)
        p.setPen(color)
        mid_x = (start.x() + end.x()) / 2
        text_w = QFontMetricsF(self.small).horizontalAdvance(arc.label) + 8
        p.drawText(QRectF(mid_x - text_w / 2, apex - self.line * 1.05, text_w, self.line),
                   Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, arc.label)

    def paint_selection(self, p: QPainter, selected_rows: set[int], dark: bool,
                        background: QColor | None) -> None:
        """Outline the selected blocks and embolden their labels, over an already painted figure
        (`background` clears the old label first)."""
        ink = QColor(230, 230, 230) if dark else QColor(30, 30, 30)
        for b in self.blocks:
            if selected_rows.intersection(b.rows):
                if background is not None:
                    col_left = b.x - (b.width - (b.thick + b.depth)) / 2
                    p.fillRect(QRectF(col_left - GAP / 2, self.label_top + b.y, b.width + GAP, self.line * 1.1),
                               background)
                self._paint_block(p, b, True, ink, outline_only=True)

    def _paint_block(self, p: QPainter, b: Block, chosen: bool, ink: QColor,
                     outline_only: bool = False) -> None:
        left, top = b.x, self.mid + b.y - b.face / 2
        dx, dy = b.depth, -b.depth * 0.7
        base = block_color(b.kind)
        edge = QPen(base.darker(160), 1.0)
        if b.shape is None or b.error:
            edge = QPen(ERROR_COLOR, 2.0, Qt.PenStyle.DashLine)
        front = QRectF(left, top, b.thick, b.face)
        if outline_only:
            pass
        elif b.shape is None:
            p.setPen(edge)
            p.setBrush(QBrush(QColor(255, 225, 225)))
            p.drawRect(front)
            p.setPen(ERROR_COLOR)
            p.setFont(self.font)
            p.drawText(front, Qt.AlignmentFlag.AlignCenter, "?")
        else:
            p.setPen(edge)
            if b.depth > 0:
                top_face = QPolygonF([QPointF(left, top), QPointF(left + dx, top + dy),
                                      QPointF(left + b.thick + dx, top + dy), QPointF(left + b.thick, top)])
                side = QPolygonF([QPointF(left + b.thick, top), QPointF(left + b.thick + dx, top + dy),
                                  QPointF(left + b.thick + dx, top + dy + b.face),
                                  QPointF(left + b.thick, top + b.face)])
                p.setBrush(QBrush(base.lighter(130)))
                p.drawPolygon(top_face)
                p.setBrush(QBrush(base.darker(125)))
                p.drawPolygon(side)
            p.setBrush(QBrush(base))
            p.drawRect(front)
        if chosen:
            p.setPen(QPen(SELECTED_COLOR, 3.0))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPolygon(b.outline)
        # labels under the block, centred on its column
        col_left = b.x - (b.width - (b.thick + b.depth)) / 2
        rect = QRectF(col_left - GAP / 2, self.label_top + b.y, b.width + GAP, self.line * 1.1)
        font = QFont(self.font)
        font.setBold(chosen)
        p.setFont(font)
        error_ink = QColor(255, 120, 110) if ink.lightness() > 128 else ERROR_COLOR  # dark theme: lighter red
        p.setPen(error_ink if b.error else (SELECTED_COLOR.darker(130) if chosen else ink))
        p.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, b.title)
        if outline_only:
            return  # the shape line under the label is already there
        p.setFont(self.small)
        rect2 = QRectF(rect.left(), rect.top() + self.line * 1.05, rect.width(), self.line * 1.1)
        p.drawText(rect2, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self.shape_text(b))


class ShapeDiagram(QWidget):
    """Clicking a block emits `row_clicked` with its first table row; `set_selected_rows` highlights."""

    row_clicked = Signal(int)
    zoom_changed = Signal(float)

    MIN_ZOOM, MAX_ZOOM = 0.2, 4.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._table: ShapeTable | None = None
        self._caption = ""
        self._selected: set[int] = set()
        self._zoom = 1.0
        self._wrap: float | None = None
        self._box_scale = 1.0
        self._layout = DiagramLayout(None, self.font())
        # The figure without selection, drawn once per change: scrolling and selecting then
        # cost one image copy and an outline instead of redrawing every block.
        self._cache: QImage | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setToolTip("Click a block to select its layer in the table")

    def set_table(self, table: ShapeTable, caption: str = "") -> None:
        self._table = table
        self._caption = caption
        self._relayout()

    def _relayout(self) -> None:
        self._cache = None
        # On screen the totals line under the table says what the caption says: the figure gets
        # the room instead. Exports (png_bytes, svg_bytes) keep the caption.
        self._layout = DiagramLayout(self._table, self.font(), "", self._wrap, self._box_scale)
        size = self._layout.size()
        self.setFixedSize(max(1, round(size.width() * self._zoom)), max(1, round(size.height() * self._zoom)))
        self.update()

    @property
    def zoom(self) -> float:
        return self._zoom

    def set_zoom(self, zoom: float) -> None:
        zoom = min(self.MAX_ZOOM, max(self.MIN_ZOOM, float(zoom)))
        if abs(zoom - self._zoom) < 1e-6:
            return
        self._zoom = zoom
        self._relayout()
        self.zoom_changed.emit(zoom)

    def min_label_zoom(self) -> float:
        """The smallest zoom at which labels are still MIN_LABEL_PT points."""
        pt = self.font().pointSizeF()
        return min(1.0, MIN_LABEL_PT / pt) if pt > 0 else 1.0

    def zoom_to_fit(self, width: int, height: int) -> None:
        """The zoom at which the whole figure fits `width` × `height` pixels, but never below
        the zoom that keeps labels at MIN_LABEL_PT: then the figure wraps into rows (and scrolls
        down if it must)."""
        least = self.min_label_zoom()
        wrap, scale = None, 1.0
        size = DiagramLayout(self._table, self.font(), "").size()
        if size.width() <= 0 or size.height() <= 0:
            return
        if width / size.width() < least:  # it would shrink the labels: wrap into rows instead
            wrap = width / least
        # and shrink the boxes (not the labels) until the figure fits the height, if it can
        while scale > 0.3:
            size = DiagramLayout(self._table, self.font(), "", wrap, scale).size()
            if size.height() * least <= height:
                break
            scale = round(scale - 0.1, 2)
        if (wrap, scale) != (self._wrap, self._box_scale):
            self._wrap, self._box_scale = wrap, scale
            self._relayout()
        size = self._layout.size()
        zoom = min(width / size.width(), height / size.height())
        self.set_zoom(min(1.0, max(least, zoom)))

    def wheelEvent(self, event) -> None:
        # Ctrl + wheel zooms, as in image viewers; a plain wheel scrolls the figure
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            if steps:
                self.set_zoom(self._zoom * (1.15 ** steps))
            event.accept()
            return
        super().wheelEvent(event)

    def changeEvent(self, event) -> None:  # font changes (zoom, lecture mode) resize the figure
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._relayout()
        elif event.type() == event.Type.PaletteChange:
            self._cache = None
            self.update()

    @property
    def layout_info(self) -> DiagramLayout:
        return self._layout

    def set_selected_rows(self, rows: set[int] | list[int]) -> None:
        self._selected = set(rows)
        self.update()

    def block_rect(self, row: int) -> QRectF | None:
        """Where the block that draws table row `row` is (for scrolling to it and for tests)."""
        for b in self._layout.blocks:
            if row in b.rows:
                r = b.outline.boundingRect()
                z = self._zoom
                return QRectF(r.x() * z, r.y() * z, r.width() * z, r.height() * z)
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        background = self.palette().window().color()
        dark = background.lightness() < 128
        ratio = self.devicePixelRatioF()
        if self._cache is None:
            image = QImage(max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio)),
                           QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(ratio)
            image.fill(background)
            ip = QPainter(image)
            ip.scale(self._zoom, self._zoom)
            self._layout.paint(ip, set(), dark)
            ip.end()
            self._cache = image
        p = QPainter(self)
        p.drawImage(0, 0, self._cache)
        if self._selected:
            p.scale(self._zoom, self._zoom)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            self._layout.paint_selection(p, self._selected, dark, background)
        p.end()

    def _figure_pos(self, event: QMouseEvent) -> QPointF:
        return event.position() / self._zoom

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            i = self._layout.block_at(self._figure_pos(event))
            if i is not None and self._layout.blocks[i].rows:
                self.row_clicked.emit(self._layout.blocks[i].rows[0])
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        i = self._layout.block_at(self._figure_pos(event))
        if i is None:
            self.setCursor(Qt.CursorShape.ArrowCursor)
            return
        b = self._layout.blocks[i]
        self.setCursor(Qt.CursorShape.PointingHandCursor if b.rows else Qt.CursorShape.ArrowCursor)
        rows = ", ".join(str(r + 1) for r in b.rows) or "input"
        tip = f"{b.title}\n{fmt.format_shape(b.shape)}\nrows {rows}"
        if b.error:
            tip += f"\n{b.error}"
        QToolTip.showText(event.globalPosition().toPoint(), tip, self)

    # -- export --------------------------------------------------------------------------
    def png_bytes(self, scale: float = 2.0) -> bytes:
        """The figure as a white-background PNG at `scale` times screen size."""
        layout = DiagramLayout(self._table, self.font(), self._caption)
        size = layout.size()
        image = QImage(int(size.width() * scale), int(size.height() * scale), QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        p = QPainter(image)
        p.scale(scale, scale)
        layout.paint(p, set())
        p.end()
        return png_bytes(image)

    def svg_bytes(self) -> bytes:
        from PySide6.QtSvg import QSvgGenerator

        layout = DiagramLayout(self._table, self.font(), self._caption)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        gen = QSvgGenerator()
        gen.setOutputDevice(buffer)
        gen.setSize(layout.size())
        gen.setViewBox(QRectF(0, 0, layout.width, layout.height))
        gen.setTitle(self._caption or "ConvViz network diagram")
        gen.setDescription("Made with ConvViz")
        p = QPainter(gen)
        layout.paint(p, set())
        p.end()
        buffer.close()
        return bytes(data.data())

    def export_png(self, path: str, scale: float = 2.0) -> None:
        """Write the PNG (all or nothing); UserInputError when it cannot be written."""
        save_bytes(path, self.png_bytes(scale))

    def export_svg(self, path: str) -> None:
        save_bytes(path, self.svg_bytes())


def caption(model: ShapesModel) -> str:
    """The line drawn under the figure: name, input → output, parameters and MACs."""
    table = model.table
    arch = table.architecture
    return (f"{arch.name or 'network'}: {fmt.format_shape(tuple(arch.input_shape))} → "
            f"{fmt.format_shape(table.output_shape)}, {table.total_params:,} parameters, "
            f"{fmt.format_macs(table.total_macs)} MACs")


class DiagramPage(QWidget):
    """The figure with its zoom bar. Until the user zooms, the figure shrinks to the height it is
    given (no vertical scroll)."""

    #: a block was clicked (the panel puts the keyboard focus on the table)
    block_clicked = Signal(int)

    def __init__(self, model: ShapesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.diagram = ShapeDiagram(self)
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(self.diagram)
        self.scroll.setWidgetResizable(False)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.zoom_out_button = self._button("−", "Smaller diagram (Ctrl+wheel on the diagram)", self.zoom_out)
        self.zoom_in_button = self._button("+", "Larger diagram (Ctrl+wheel on the diagram)", self.zoom_in)
        self.zoom_fit_button = self._button("Fit", "Show the whole network", self.fit)
        self.zoom_label = QLabel("100%", self)
        self.zoom_label.setMinimumWidth(self.zoom_label.fontMetrics().horizontalAdvance("400%  "))
        self.diagram.zoom_changed.connect(self._on_zoom_changed)
        self._auto_zoom = True
        self._auto_zooming = False
        self.scroll.viewport().installEventFilter(self)
        # The legend's entries and the zoom row flow: in lecture mode's large type they wrap
        # onto more rows rather than widen the window.
        header = QWidget(self)
        bar = FlowLayout(header, spacing=10, line_spacing=10)
        bar.setContentsMargins(4, 2, 4, 0)
        legend_tip = ("Height follows the feature map's size, thickness its channels; "
                      "activations, batch norm and dropout are folded into the block before them")
        for entry in legend_entries():
            label = QLabel(entry, header)
            label.setToolTip(legend_tip)
            bar.addWidget(label)
        bar.addWidget(side_by_side(header, QLabel("Zoom:", header), self.zoom_out_button, self.zoom_label,
                                   self.zoom_in_button, self.zoom_fit_button, spacing=2, fixed=True))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.scroll, 1)
        self.diagram.row_clicked.connect(self._on_block_clicked)
        model.changed.connect(self._on_model_changed)
        model.selection_changed.connect(self._on_selection_changed)
        self._on_model_changed()

    def _button(self, text: str, tip: str, slot) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    @Slot()
    def _on_model_changed(self) -> None:
        self.diagram.set_table(self.model.table, caption(self.model))
        self._fit_height()
        self._on_selection_changed(self.model.selected_rows)

    @Slot(list)
    def _on_selection_changed(self, rows: list) -> None:
        if self.model.focus:  # inside a block: the figure shows the network, so mark the block
            rows = [self.model.focus[0][0]]
        self.diagram.set_selected_rows(rows)
        if rows:
            rect = self.diagram.block_rect(rows[0])
            if rect is not None:
                self.scroll.ensureVisible(int(rect.center().x()), int(rect.center().y()),
                                          int(rect.width() / 2) + 40, 10)

    @Slot(int)
    def _on_block_clicked(self, row: int) -> None:
        while self.model.focus:  # the figure's rows are the network's own
            self.model.leave_block()
        self.model.set_selected_rows([row])
        self.block_clicked.emit(row)

    @Slot()
    def zoom_in(self) -> None:
        self.diagram.set_zoom(self.diagram.zoom * 1.25)

    @Slot()
    def zoom_out(self) -> None:
        self.diagram.set_zoom(self.diagram.zoom / 1.25)

    @Slot()
    def fit(self) -> None:
        """The whole network, its labels at least MIN_LABEL_PT (wrapped into rows if need be)."""
        viewport = self.scroll.viewport().size()
        self.diagram.zoom_to_fit(viewport.width() - 4, viewport.height() - 4)
        self._auto_zoom = True  # and it keeps fitting as the pane changes

    @Slot(float)
    def _on_zoom_changed(self, zoom: float) -> None:
        self.zoom_label.setText(f"{round(zoom * 100)}%")
        if not self._auto_zooming:
            self._auto_zoom = False  # the user chose a zoom: keep it

    def _fit_height(self) -> None:
        """Until the user zooms, the figure fits what it is given (see `fit`)."""
        if not self._auto_zoom:
            return
        viewport = self.scroll.viewport().size()
        if viewport.height() <= 20 or viewport.width() <= 20:
            return
        self._auto_zooming = True
        try:
            self.diagram.zoom_to_fit(viewport.width() - 4, viewport.height() - 4)
        finally:
            self._auto_zooming = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_height()
        return super().eventFilter(watched, event)
