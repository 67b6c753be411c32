"""Step-through of a convolution: which output cell is being computed, and the play timer.

The position counts revealed output cells in reading order: position p shows cells 0..p-1 and
cell p-1 is the current one. While not stepping, the whole output is shown.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

#: Speed choices in output cells per second (the speed slider indexes this list).
SPEEDS = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0)


class Stepper(QObject):
    #: Emitted whenever what is revealed changes: (stepping, position).
    changed = Signal(bool, int)
    playing_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.total = 0
        self.position = 0
        self.stepping = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self.set_speed(2.0)

    # state ----------------------------------------------------------------------------------
    def current_index(self) -> int | None:
        """Index (reading order) of the current output cell, None while the whole output shows."""
        if not self.stepping or self.position < 1:
            return None
        return self.position - 1

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def speed(self) -> float:
        return 1000.0 / max(1, self._timer.interval())

    def set_speed(self, cells_per_second: float) -> None:
        cells_per_second = min(SPEEDS[-1], max(SPEEDS[0], float(cells_per_second)))
        self._timer.setInterval(round(1000.0 / cells_per_second))

    def interval_ms(self) -> int:
        """Time between two cells while playing."""
        return self._timer.interval()

    def set_total(self, total: int) -> None:
        """The output size changed: keep the position where it still fits."""
        self.total = max(0, total)
        if self.total == 0:
            self.stop_stepping()
            return
        if self.stepping:
            self._go(min(self.position, self.total))

    def restart(self, total: int) -> None:
        """A differently shaped output: stepping starts again at cell 1 (the whole output keeps
        showing if it did); a stale position would point at an unrelated cell."""
        self.total = max(0, total)
        if self.total == 0:
            self.stop_stepping()
            return
        if self.stepping:
            self.position = 0  # so that _go announces cell 1 even if it was the current one
            self._go(1)

    # moves ----------------------------------------------------------------------------------
    @Slot()
    def step_forward(self) -> None:
        """One cell on; a step by hand pauses Play (the timer's ticks do not come here)."""
        self.pause()
        if self.total == 0:
            return
        if not self.stepping:
            self._go(1)
        elif self.position < self.total:
            self._go(self.position + 1)

    @Slot()
    def step_back(self) -> None:
        self.pause()
        if self.total == 0:
            return
        if not self.stepping:
            self._go(self.total - 1 if self.total > 1 else 1)
        elif self.position > 1:
            self._go(self.position - 1)

    @Slot()
    def to_start(self) -> None:
        if self.total:
            self._go(1)

    @Slot()
    def to_end(self) -> None:
        if self.total:
            self._go(self.total)

    def jump_to(self, index: int) -> None:
        """Make output cell `index` (reading order) the current one."""
        if 0 <= index < self.total:
            self._go(index + 1)

    @Slot()
    def stop_stepping(self) -> None:
        """Back to showing the whole output without a current cell."""
        self.pause()
        if self.stepping:
            self.stepping = False
            self.changed.emit(False, self.position)

    # play -----------------------------------------------------------------------------------
    @Slot()
    def toggle_play(self) -> None:
        if self.is_playing():
            self.pause()
        else:
            self.play()

    @Slot()
    def play(self) -> None:
        if self.total == 0:
            return
        if not self.stepping or self.position >= self.total:
            self._go(1)  # from the start: playing from the end would stop at once
        self._timer.start()
        self.playing_changed.emit(True)

    @Slot()
    def pause(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.playing_changed.emit(False)

    @Slot()
    def _tick(self) -> None:
        if self.position >= self.total:
            self.pause()
            return
        self._go(self.position + 1)
        if self.position >= self.total:
            self.pause()

    def _go(self, position: int) -> None:
        position = max(1, min(position, self.total))
        if self.stepping and position == self.position:
            return
        self.stepping = True
        self.position = position
        self.changed.emit(True, position)
