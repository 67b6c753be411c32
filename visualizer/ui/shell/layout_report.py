"""What of a window does not fit: every visible widget that is off screen or whose text is cut.

`clipped_widgets(window, screen)` walks the window's visible widgets and returns one
`{"widget", "why"}` per fault: a widget outside the visible part of the window (the window's
rectangle within the screen), a label, button or combo box whose text is wider than the widget
shows, a container squeezed below its layout's minimum, a widget that sticks out of its visible
parent. What scrolls inside a scroll area is not a fault (a pane that scrolls is the cure), nor
is what lies inside a widget wholly off screen or sticking out of its parent (the outermost
is named); of widgets partly off screen, the innermost are named.

A view that draws its own text (and elides it itself) can say so: a widget with a
`layout_problems()` method returns sentences of what it had to cut; each becomes one entry.
`convviz snapshot --report` and the layout tests use this; nothing here changes a widget.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QToolButton,
    QWidget,
)

#: Pixels a geometry may overshoot before it counts (rounding in layouts and styles).
SLACK = 1
_MNEMONIC = re.compile(r"&(.)")


def clipped_widgets(window: QWidget, screen: QSize | None = None) -> list[dict[str, str]]:
    """Every visible widget of `window` that is cut, as {"widget": name, "why": sentence}.
    `screen`: the size of the screen whose top-left corner the window's is (default: no limit
    beyond the window's own rectangle)."""
    area = window.rect()
    if screen is not None:
        area = area.intersected(QRect(QPoint(0, 0), screen))
    shown = [w for w in window.findChildren(QWidget)
             if w.isVisible() and not w.isWindow() and not w.objectName().startswith("qt_")]
    placed = {id(w): _placement_fault(w, window, area) for w in shown}
    # Off screen: name the widgets themselves, not every container around them (a container
    # partly off screen is named only when none of its children is).
    holders = set()
    for w in shown:
        if placed[id(w)]:
            p = w.parentWidget()
            while p is not None and p is not window:
                holders.add(id(p))
                p = p.parentWidget()
    faults: list[dict[str, str]] = []
    for w in shown:
        if _parent_faulty(w, placed, window):
            continue  # inside a widget already named
        why = placed[id(w)]
        if why and (id(w) not in holders or why.startswith("wholly")):
            faults.append({"widget": widget_name(w, window), "why": why})
        elif not why:
            faults.extend({"widget": widget_name(w, window), "why": text} for text in _content_faults(w))
    return faults


def _parent_faulty(w: QWidget, placed: dict[int, str], window: QWidget) -> bool:
    """True when an ancestor is wholly off screen or sticks out of its own parent."""
    p = w.parentWidget()
    while p is not None and p is not window:
        why = placed.get(id(p), "")
        if why.startswith(("wholly", "extends")):
            return True
        p = p.parentWidget()
    return False


def widget_name(w: QWidget, root: QWidget) -> str:
    """objectName, or the class and its text, after the names of its named ancestors below `root`."""
    parts = []
    p = w.parentWidget()
    while p is not None and p is not root:
        name = p.objectName()
        if name and not name.startswith("qt_"):
            parts.append(name)
        p = p.parentWidget()
    leaf = w.objectName() or type(w).__name__
    text = _text_of(w)
    if text and not w.objectName():
        short = " ".join(_plain(text).split())
        leaf += f" '{short[:40]}{'…' if len(short) > 40 else ''}'"
    return "/".join([*reversed(parts), leaf])


def _inside(w: QWidget, reported: set[int]) -> bool:
    p = w.parentWidget()
    while p is not None:
        if id(p) in reported:
            return True
        p = p.parentWidget()
    return False


def _scrolled(w: QWidget) -> bool:
    """True when `w` lies in a scroll area's content (which may extend beyond the pane)."""
    p = w.parentWidget()
    while p is not None:
        if p.objectName() == "qt_scrollarea_viewport" or isinstance(p.parentWidget(), QAbstractScrollArea) \
                and p is p.parentWidget().viewport():
            return True
        p = p.parentWidget()
    return False


def _placement_fault(w: QWidget, window: QWidget, area: QRect) -> str:
    if w.width() <= 0 or w.height() <= 0 or _scrolled(w):
        return ""
    rect = QRect(w.mapTo(window, QPoint(0, 0)), w.size())
    if not area.intersects(rect):
        return (f"wholly outside the window's visible area ({area.width()}×{area.height()}): "
                f"at {rect.x()},{rect.y()}, {rect.width()}×{rect.height()}")
    if not area.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(rect):
        return (f"partly outside the window's visible area ({area.width()}×{area.height()}): "
                f"at {rect.x()},{rect.y()}, {rect.width()}×{rect.height()}")
    parent = w.parentWidget()
    if parent is not None and parent is not window:
        inner = parent.rect().adjusted(-SLACK, -SLACK, SLACK, SLACK)
        if not inner.contains(w.geometry()):
            g = w.geometry()
            return (f"extends beyond its parent {widget_name(parent, window)}: {g.width()}×{g.height()} at "
                    f"{g.x()},{g.y()} in {parent.width()}×{parent.height()}")
    return ""


def _content_faults(w: QWidget) -> list[str]:
    faults = []
    if isinstance(w, QLabel):
        faults.append(_label_fault(w))
    elif isinstance(w, QAbstractButton):
        faults.append(_button_fault(w))
    elif isinstance(w, QComboBox):
        faults.append(_combo_fault(w))
    elif isinstance(w, QScrollArea):
        faults.append(_unscrollable_fault(w))
    faults.append(_squeezed_fault(w))
    own = getattr(w, "layout_problems", None)
    if callable(own):
        faults.extend(str(t) for t in own())
    return [f for f in faults if f]


def _text_of(w: QWidget) -> str:
    if isinstance(w, (QLabel, QAbstractButton)):
        return w.text()
    if isinstance(w, QComboBox):
        return w.currentText()
    return ""


def _plain(text: str) -> str:
    if "<" in text:
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def _label_fault(label: QLabel) -> str:
    text = label.text()
    if not text or label.pixmap() is not None and not label.pixmap().isNull():
        return ""
    room = label.contentsRect().adjusted(label.margin(), label.margin(), -label.margin(), -label.margin())
    rich = label.textFormat().name == "RichText" or (label.textFormat().name == "AutoText" and "<" in text)
    if label.wordWrap():
        need_h = label.heightForWidth(label.width())
        if need_h > label.height() + SLACK + 2:
            return f"wrapped text needs {need_h} px of height, the label has {label.height()}"
        return ""
    if rich:
        doc = QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setDocumentMargin(0)
        doc.setHtml(text)
        need = int(doc.idealWidth() + 0.999)
    else:
        fm = QFontMetrics(label.font())
        need = max((fm.horizontalAdvance(line) for line in text.split("\n")), default=0)
    if need > room.width() + SLACK:
        return f"text cut: it needs {need} px, the label shows {room.width()} (no word wrap)"
    return ""


def _button_fault(button: QAbstractButton) -> str:
    text = _MNEMONIC.sub(r"\1", button.text())
    shows_icon = not button.icon().isNull()
    if isinstance(button, QToolButton):
        style = button.toolButtonStyle()
        if style == Qt.ToolButtonStyle.ToolButtonIconOnly and shows_icon:
            return ""  # the text is its tooltip and accessible name
        shows_icon = shows_icon and style != Qt.ToolButtonStyle.ToolButtonTextOnly
    if not text:
        return ""
    fm = QFontMetrics(button.font())
    need = max(fm.horizontalAdvance(line) for line in text.split("\n"))
    style = button.style()
    if shows_icon:
        need += button.iconSize().width() + 4
    if isinstance(button, (QCheckBox, QRadioButton)):
        metric = QStyle.PixelMetric.PM_IndicatorWidth if isinstance(button, QCheckBox) \
            else QStyle.PixelMetric.PM_ExclusiveIndicatorWidth
        need += style.pixelMetric(metric, None, button) + style.pixelMetric(
            QStyle.PixelMetric.PM_CheckBoxLabelSpacing, None, button)
    elif isinstance(button, QPushButton):
        need += 2 * style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, button) + 4
        if button.menu() is not None:
            need += style.pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, None, button)
    if need > button.width() + SLACK:
        return f"text wider than the button: it needs {need} px, the button is {button.width()}"
    return ""


def _combo_fault(combo: QComboBox) -> str:
    text = combo.currentText()
    if not text or combo.isEditable():
        return ""
    opt = QStyleOptionComboBox()
    combo.initStyleOption(opt)
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                         QStyle.SubControl.SC_ComboBoxEditField, combo)
    need = QFontMetrics(combo.font()).horizontalAdvance(text)
    if not combo.itemIcon(combo.currentIndex()).isNull():
        need += combo.iconSize().width() + 4
    if need > field.width() + SLACK:
        return f"current text '{text[:40]}' cut: it needs {need} px, the box shows {field.width()}"
    return ""


def _unscrollable_fault(area: QScrollArea) -> str:
    """Content wider (or taller) than the pane in a direction that has no scroll bar: cut."""
    content, view = area.widget(), area.viewport()
    if content is None or not content.isVisible():
        return ""
    off = Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    if area.horizontalScrollBarPolicy() == off and content.width() > view.width() + SLACK:
        return f"content cut at the side: it is {content.width()} px wide, the pane shows {view.width()}"
    if area.verticalScrollBarPolicy() == off and content.height() > view.height() + SLACK:
        return f"content cut at the bottom: it is {content.height()} px tall, the pane shows {view.height()}"
    return ""


def _squeezed_fault(w: QWidget) -> str:
    """A container given less than its layout's minimum: its children overlap or are cut."""
    layout = w.layout()
    if layout is None or isinstance(w, QAbstractScrollArea):
        return ""
    need = layout.totalMinimumSize()
    policy = w.sizePolicy()
    short_w = need.width() > w.width() + SLACK and policy.horizontalPolicy() != QSizePolicy.Policy.Ignored
    short_h = need.height() > w.height() + SLACK and policy.verticalPolicy() != QSizePolicy.Policy.Ignored
    if short_w or short_h:
        return (f"squeezed: its contents need at least {need.width()}×{need.height()}, "
                f"it has {w.width()}×{w.height()}")
    return ""


def layout_report(window: QWidget, size: tuple[int, int]) -> dict[str, Any]:
    """The report of `convviz snapshot --report`: screen size, window size, minimum size, clipped."""
    screen = QSize(*size)
    minimum = window.minimumSizeHint().expandedTo(window.minimumSize())
    return {
        "size": list(size),
        "window": [window.width(), window.height()],
        "minimum_size": [minimum.width(), minimum.height()],
        "clipped": clipped_widgets(window, screen),
    }
