"""A big matrix as a pyqtgraph heat map with a colour bar, with the explorer's overlays (padding,
the window, the current cell, hover marks); the cell grid (matrix_view.CellGrid) draws small ones."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsRectItem, QWidget

from visualizer.ui.conv.grid_look import _SEQUENTIAL, HOVER_COLOUR, PAD_FILL, WINDOW_COLOUR

if TYPE_CHECKING:
    from visualizer.ui.conv.matrix_view import MatrixModel


class HeatMap(pg.GraphicsLayoutWidget):
    """The matrix as an image with a colour bar (big matrices); zoom with the wheel, drag to pan."""

    hovered = Signal(int, int)
    clicked = Signal(int, int)

    def __init__(self, model: MatrixModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setBackground("w")
        self.vb = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.addItem(self.vb, 0, 0)
        self.image = pg.ImageItem(axisOrder="row-major", autoDownsample=True)
        self.vb.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=_SEQUENTIAL, interactive=False, width=14,
                                   pen=pg.mkPen("#3d4752"), colorMapMenu=False)
        self.bar.setImageItem(self.image)
        self.bar.getAxis("right").setTextPen(pg.mkPen("#1b1f24"))
        self.bar.getAxis("right").setPen(pg.mkPen("#3d4752"))
        self.addItem(self.bar, 0, 1)

        def item(z: float, pen: QPen, brush=None):
            it = QGraphicsPathItem()
            it.setPen(pen)
            if brush is not None:
                it.setBrush(brush)
            it.setZValue(z)
            pen.setCosmetic(True)
            it.setPen(pen)
            self.vb.addItem(it)
            return it

        shade = QColor(PAD_FILL)
        shade.setAlpha(150)
        self.pad_item = item(5, QPen(Qt.PenStyle.NoPen), QBrush(shade, Qt.BrushStyle.Dense4Pattern))
        self.inner_item = item(6, QPen(QColor("#3d4752"), 2, Qt.PenStyle.DashLine))
        mark_fill = QColor(HOVER_COLOUR)
        mark_fill.setAlpha(90)
        self.marks_item = item(7, QPen(HOVER_COLOUR, 2, Qt.PenStyle.DashLine), QBrush(mark_fill))
        win_fill = QColor(WINDOW_COLOUR)
        win_fill.setAlpha(70)
        self.window_item = item(8, QPen(WINDOW_COLOUR, 3), QBrush(win_fill))
        self.current_item = QGraphicsRectItem()
        pen = QPen(WINDOW_COLOUR, 4)
        pen.setCosmetic(True)
        self.current_item.setPen(pen)
        self.current_item.setZValue(9)
        self.vb.addItem(self.current_item)
        self._last_hover = (-1, -1)
        self._shape: tuple[int, int] | None = None
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        self.scene().sigMouseClicked.connect(self._mouse_clicked)

    def set_look(self, look: str) -> None:
        """'light' or 'dark': the background and the colour bar's numbers."""
        background, foreground = ("#1e1e1e", "#d0d0d0") if look == "dark" else ("#ffffff", "#1b1f24")
        self.setBackground(background)
        axis = self.bar.getAxis("right")
        axis.setTextPen(pg.mkPen(foreground))
        axis.setPen(pg.mkPen(foreground))

    def refresh_image(self) -> None:
        m = self.model
        if m.rgb is not None:
            self.image.setLookupTable(None)
            self.image.setImage(m.rgb.astype(np.uint8), autoLevels=False, levels=(0, 255))
            self.bar.setVisible(False)
        else:
            values = m.values
            if m.revealed is not None and m.revealed < values.size:
                values = values.astype(np.float64, copy=True)
                values.ravel()[max(m.revealed, 0):] = np.nan
            self.bar.setVisible(True)
            self.bar.setColorMap(m.scale.cmap)
            self.image.setImage(values, autoLevels=False, levels=(m.scale.lo, m.scale.hi))
            self.bar.setLevels(values=(m.scale.lo, m.scale.hi))
        if self._shape != m.shape:
            self._shape = m.shape
            self.vb.setRange(QRectF(0, 0, m.shape[1], m.shape[0]), padding=0.02)
        self.refresh_overlays()

    @staticmethod
    def _cells_path(cells, box: bool = False) -> QPainterPath:
        path = QPainterPath()
        if not cells:
            return path
        if box or len(cells) > 400:
            ys = [c[0] for c in cells]
            xs = [c[1] for c in cells]
            path.addRect(QRectF(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1))
            return path
        for y, x in cells:
            path.addRect(QRectF(x, y, 1, 1))
        return path

    def refresh_overlays(self) -> None:
        m = self.model
        pad = QPainterPath()
        inner = QPainterPath()
        if m.inner is not None and m.inner[2:] != m.shape:
            t, l, h, w = m.inner
            pad.addRect(QRectF(0, 0, m.shape[1], m.shape[0]))
            hole = QPainterPath()
            hole.addRect(QRectF(l, t, w, h))
            pad = pad.subtracted(hole)
            inner.addRect(QRectF(l, t, w, h))
        self.pad_item.setPath(pad)
        self.inner_item.setPath(inner)
        self.marks_item.setPath(self._cells_path(m.marks))
        window = self._cells_path(m.window)
        if len(m.window) > 1:
            window.addPath(self._cells_path(m.window, box=True))
        self.window_item.setPath(window)
        if m.current is not None:
            self.current_item.setRect(QRectF(m.current[1], m.current[0], 1, 1))
            self.current_item.setVisible(True)
        else:
            self.current_item.setVisible(False)

    def _cell_from_scene(self, scene_pos) -> tuple[int, int]:
        if not self.vb.sceneBoundingRect().contains(scene_pos):
            return -1, -1
        p = self.vb.mapSceneToView(scene_pos)
        y, x = math.floor(p.y()), math.floor(p.x())
        rows, cols = self.model.shape
        return (y, x) if 0 <= y < rows and 0 <= x < cols else (-1, -1)

    def _mouse_moved(self, scene_pos) -> None:
        cell = self._cell_from_scene(scene_pos)
        if cell != self._last_hover:
            self._last_hover = cell
            self.hovered.emit(*cell)

    def _mouse_clicked(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not event.double():
            cell = self._cell_from_scene(event.scenePos())
            if cell != (-1, -1):
                self.clicked.emit(*cell)

    def leaveEvent(self, event) -> None:  # noqa: N802
        super().leaveEvent(event)
        if self._last_hover != (-1, -1):
            self._last_hover = (-1, -1)
            self.hovered.emit(-1, -1)
