"""How one main window is shown: full screen, lecture mode (full screen, large type, editing panels
hidden) and the text size. The window's View menu calls these; the panels are told through their
Panel contract (`set_lecture_mode`, `setFont`)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QApplication, QWidget

#: Text size bounds (× the app's normal size) and one zoom step.
MIN_SCALE, MAX_SCALE, ZOOM_STEP = 0.5, 4.0, 1.15
#: Lecture mode's type is at least this large.
LECTURE_SCALE = 1.5


def base_point_size() -> float:
    """The app's normal font size, remembered once so that scaling never compounds."""
    app = QApplication.instance()
    stored = app.property("convviz_base_point_size")
    if stored:
        return float(stored)
    size = QApplication.font().pointSizeF()
    app.setProperty("convviz_base_point_size", size)
    return size


#: The main window opens at this share of a large screen's free area (never below 1280×800).
OPENING_SHARE = 0.85
#: What Qt leaves out of a window's size: the title bar.
TITLE_BAR = 40


def opening_size(free_width: int, free_height: int, want: tuple[int, int] | None = None) -> tuple[int, int]:
    """The size a window opens at on a screen whose free area is free_width × free_height: `want`
    (by default 85 % of the free area, at least 1280×800), or less on a smaller screen: the whole
    window, its title bar included, fits the free area, so the status line and the bottom buttons
    are never below the screen's edge."""
    if want is None:
        want = (max(1280, round(free_width * OPENING_SHARE)), max(800, round(free_height * OPENING_SHARE)))
    return min(want[0], free_width), min(want[1], max(480, free_height - TITLE_BAR))


def first_size(window: QWidget, want: tuple[int, int] | None = None) -> tuple[int, int]:
    """`opening_size` on the screen `window` is on (`want`, or 1280×800 when there is no screen)."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is None:
        return want or (1280, 800)
    free = screen.availableGeometry()
    return opening_size(free.width(), free.height(), want)


class DisplayModes(QObject):
    """Full screen, lecture mode and text size of `window` (a MainWindow: its actions, built
    panels, settings and status line)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.font_scale = 1.0
        self.lecture = False
        self._lecture_saved_scale: float | None = None
        self._before_lecture: tuple | None = None  # (window state, geometry) before F5
        self._base_point_size = base_point_size()

    @property
    def window(self):
        """The main window: this object's Qt parent (no Python reference to it is kept, so the
        window and its helpers form no reference cycle for the garbage collector)."""
        return self.parent()

    @Slot()
    def toggle_full_screen(self) -> None:
        w = self.window
        if w.isFullScreen():
            w.showNormal()
        else:
            w.showFullScreen()
        w.fullscreen_action.setChecked(w.isFullScreen())

    @Slot(bool)
    def set_lecture_mode(self, on: bool) -> None:
        w = self.window
        w.lecture_action.setChecked(on)
        w.leave_lecture_action.setEnabled(on)
        if on == self.lecture:
            return
        self.lecture = on
        for panel in w.built_panels():
            panel.set_lecture_mode(on)
        if on:
            self._enter_full_screen()
            self._lecture_saved_scale = self.font_scale
            self.set_font_scale(max(self.font_scale, LECTURE_SCALE))
        else:
            self._restore_window()
            scale, self._lecture_saved_scale = self._lecture_saved_scale or 1.0, None
            self.set_font_scale(scale)
        w.fullscreen_action.setChecked(w.isFullScreen())
        self.show_lecture_hint() if on else w.show_status("Lecture mode off", 4000)

    def show_lecture_hint(self) -> None:
        self.window.show_status("Lecture mode: F5 or Esc to leave; Ctrl+plus, Ctrl+minus, Ctrl+0 size the picture",
                                6000)

    def _enter_full_screen(self) -> None:
        """Full screen, remembering the window exactly as it was (maximised, or its place and size)."""
        w = self.window
        # The normal geometry as it is (saveGeometry/restoreGeometry would move it onto the screen).
        normal = w.normalGeometry() if w.isMaximized() else w.geometry()
        self._before_lecture = (w.windowState(), normal) if not w.isFullScreen() else None
        if not w.isFullScreen():
            w.showFullScreen()

    def _restore_window(self) -> None:
        """The window as it was before F5: maximised comes back maximised, a normal window at its
        own place and size (not a size Qt remembered from before it was maximised)."""
        w = self.window
        before, self._before_lecture = self._before_lecture, None
        if before is None:
            return  # it was full screen before lecture mode: it stays so
        state, geometry = before
        w.showNormal()
        w.setGeometry(geometry)
        if state & Qt.WindowState.WindowMaximized:
            w.showMaximized()

    def user_font_scale(self) -> float:
        """The text size the user chose (lecture mode's large type is not kept as a setting)."""
        return self._lecture_saved_scale if self._lecture_saved_scale is not None else self.font_scale

    def choose_font_scale(self, scale: float) -> None:
        """The user's text size from the settings: kept for after lecture mode while it is on."""
        if self._lecture_saved_scale is not None:
            self._lecture_saved_scale = scale
            self._apply_app_font(scale)
        else:
            self.set_font_scale(scale)

    def _font(self, scale: float):
        font = QApplication.font()
        if self._base_point_size > 0:
            font.setPointSizeF(self._base_point_size * scale)
        return font

    def panel_font(self):
        """The font a panel gets now (a tab built while lecture mode is on gets the lecture's)."""
        return self._font(self.font_scale)

    def _apply_app_font(self, scale: float) -> None:
        QApplication.setFont(self._font(scale))

    def set_font_scale(self, scale: float) -> None:
        """The panels' text size. In lecture mode only the panels (the picture) scale: the menu
        bar, the tabs, the status line and dialogs keep the user's desktop size."""
        self.font_scale = min(MAX_SCALE, max(MIN_SCALE, round(scale, 2)))
        self._apply_app_font(self.user_font_scale() if self.lecture else self.font_scale)
        font = self._font(self.font_scale)
        for panel in self.window.built_panels():
            panel.setFont(font)
        if self.window.settings:
            self.window.settings["font_scale"] = self.user_font_scale()

    @Slot()
    def zoom_in(self) -> None:
        self.set_font_scale(self.font_scale * ZOOM_STEP)

    @Slot()
    def zoom_out(self) -> None:
        self.set_font_scale(self.font_scale / ZOOM_STEP)

    @Slot()
    def zoom_reset(self) -> None:
        """Normal size: the desktop's, or in lecture mode the look F5 gave (and its hint again)."""
        if self.lecture:
            self.set_font_scale(max(self.user_font_scale(), LECTURE_SCALE))
            self.show_lecture_hint()
        else:
            self.set_font_scale(1.0)
