"""Showing a model's value in a control without the control reporting it back as an edit: every
tab's views refresh their controls from their model this way."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker


def set_quietly(widget, setter: str, *args) -> None:
    """`widget.<setter>(*args)` with the widget's signals blocked (restored as they were)."""
    blocker = QSignalBlocker(widget)
    getattr(widget, setter)(*args)
    del blocker
