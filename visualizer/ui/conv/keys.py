"""The explorer's one keyboard model.

While the Convolution tab shows and the focus is not in a text or number editor, Space plays and
pauses, ←/→ step, Home/End jump (the panel's shortcuts) and Esc leaves lecture mode (the main
window's). To keep that true whatever was clicked last:

- buttons, check boxes, combo boxes and sliders never take the focus on a click (Tab still
  reaches them); a click on one of them hands the focus back to the panel's *home* (the output
  view), so Space cannot press the button clicked last and the arrows cannot change a combo box;
- editors (spin boxes, the number grids) keep these keys while they have the focus and give them
  up on Esc or Enter: the focus goes home again.

The main window puts the focus home whenever the tab is shown (`Panel.tab_shown`), so the keys
work at launch with a fresh configuration too.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QSlider,
    QWidget,
)

_GIVE_UP = {Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter}
#: Controls that are clicked, not typed into.
CLICKED = (QAbstractButton, QComboBox, QSlider)
#: Controls that are typed into: they keep the keys until Esc or Enter.
EDITORS = (QAbstractSpinBox, QLineEdit, QAbstractItemView)


def is_editor(widget: QWidget | None) -> bool:
    while widget is not None:
        if isinstance(widget, EDITORS):
            return True
        widget = widget.parentWidget()
    return False


class KeyboardModel(QObject):
    """Installed on every control of a panel; `home` is the widget that holds the focus for the
    step keys."""

    def __init__(self, panel: QWidget, home: QWidget) -> None:
        super().__init__(panel)
        self.panel = panel
        self.home = home
        for w in panel.findChildren(QWidget):
            self.adopt(w)

    def adopt(self, w: QWidget) -> None:
        if isinstance(w, CLICKED):
            w.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            w.installEventFilter(self)
        elif isinstance(w, EDITORS):
            w.installEventFilter(self)

    def go_home(self) -> None:
        """Give the focus to the home widget (if the panel shows)."""
        if self.home.isVisible():
            self.home.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_for_keys(self) -> None:
        """The tab was shown: unless an editor of this panel is being typed into, the step keys
        get the focus."""
        focus = QApplication.focusWidget()
        if focus is None or not self.panel.isAncestorOf(focus) or not is_editor(focus):
            self.go_home()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        kind = event.type()
        if isinstance(obj, CLICKED):
            if kind == QEvent.Type.MouseButtonPress:
                focus = QApplication.focusWidget()
                if focus is None or focus is not self.home:
                    self.go_home()
            return False
        if kind == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Escape or (isinstance(obj, QAbstractItemView)
                                                    and _is_navigation(event)):
                event.accept()  # the editor's, not a shortcut's (Esc must not leave lecture mode yet)
                return True
        elif kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.key() in _GIVE_UP:
            if isinstance(obj, QAbstractItemView) and obj.state() == QAbstractItemView.State.EditingState:
                return False  # the cell's own editor commits or cancels first
            if event.key() == Qt.Key.Key_Escape:
                self.go_home()
                return True
            # Enter: the spin box takes the value first, then the focus goes home.
            QTimer.singleShot(0, self.go_home)
        return False


_NAV_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home,
             Qt.Key.Key_End, Qt.Key.Key_Space}


def _is_navigation(event: QKeyEvent) -> bool:
    return event.key() in _NAV_KEYS and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
