"""Colours of the Shapes tool's messages (Qt side of the text rules in `core.shape_text`)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def message_color(kind: str, dark: bool) -> str:
    """Text colour for a "bad", "note" or "good" message, readable on a light or a dark background."""
    if kind == "bad":
        return "#ff7b72" if dark else "#b00000"
    if kind == "note":  # right only in part (e.g. a count without the bias): amber, not green
        return "#e3b341" if dark else "#8a5a00"
    return "#7ee787" if dark else "#006000"


def color_for(widget: QWidget, kind: str) -> str:
    """`message_color` for the background the widget is drawn on."""
    return message_color(kind, widget.palette().window().color().lightness() < 128)
