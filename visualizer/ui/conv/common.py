"""Small helpers the explorer's views share: labelled spin boxes, titles, HTML-safe text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSpinBox, QWidget


def spin(lo: int, hi: int, value: int, tip: str, name: str) -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    s.setToolTip(tip)
    s.setAccessibleName(name)
    s.setObjectName(name.replace(" ", "_"))
    s.setKeyboardTracking(True)
    return s


def title(text: str) -> QLabel:
    """A matrix's bold, centred heading. It wraps, so a long one (an RGB picture's hint) takes a
    second line inside its own column instead of widening the window."""
    label = QLabel(text)
    label.setWordWrap(True)
    f = label.font()
    f.setBold(True)
    label.setFont(f)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def scale_font(widget: QWidget, base: QFont, factor: float, bold: bool = False) -> None:
    f = QFont(base)
    f.setPointSizeF(max(1.0, f.pointSizeF()) * factor)
    f.setBold(bold)
    widget.setFont(f)


def html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
