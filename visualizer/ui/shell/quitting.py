"""Quitting while something trains: ask, stop cleanly, then close; and the stop signals.

`QuitGuard` belongs to the main window. When the window is asked to close (the close button,
Ctrl+Q, a signal) while a panel reports work that must end cleanly (`Panel.running_work()`: a run, a
sweep), it does not close at once. It asks *Stop and quit* / *Keep training* / *Cancel*:

- *Stop and quit*: every panel's `stop_work()` asks for a clean stop (the run ends after its batch,
  is evaluated on the test set and saved as "stopped", as Ctrl+C does for `convviz train`); the
  status line says "Stopping…" at once, and the window closes once no panel reports work any more.
- *Keep training*: the training goes on; the window closes by itself when it has ended.
- *Cancel*: nothing changes.

The window stays responsive meanwhile (a timer looks every 100 ms; nothing waits on a thread).

`StopSignals` turns SIGTERM, SIGHUP and SIGINT into the same clean stop, with no question: a Python
signal handler does not run while Qt's event loop sleeps in C++, so the signal's number is written
to a socket (`signal.set_wakeup_fd`) that a QSocketNotifier watches on the GUI thread. A second
signal while stopping quits at once (the runs are kept without their final evaluation), as the CLI
does. The app then exits with 128 + the signal's number, as `convviz train` does.
"""

from __future__ import annotations

import signal
import socket
from typing import Callable

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QPushButton

#: The signals that stop a running training and then quit (the CLI's, plus Ctrl+C in a terminal).
STOP_SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT")
STOP_AND_QUIT, KEEP_TRAINING, CANCEL = "Stop and quit", "Keep training", "Cancel"
STOPPING_TEXT = "Stopping… ConvViz quits once the training is stopped, evaluated and saved."


class QuitGuard(QObject):
    """Decides whether the main window (its Qt parent) may close now."""

    def __init__(self, window) -> None:
        super().__init__(window)
        #: "" (no close pending), "stopping" (Stop and quit) or "waiting" (Keep training)
        self.mode = ""
        self.exit_code = 0  # 128 + N after signal N
        self.question: QMessageBox | None = None
        self._closing = False  # the close let through (or forced): panels shut down as usual
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._check_idle)

    @property
    def window(self):
        return self.parent()

    def running_work(self) -> list[str]:
        """What the built panels are running that must end cleanly ("a training run", …)."""
        work = []
        for panel in self.window.built_panels():
            try:
                work += list(panel.running_work())
            except Exception:  # noqa: BLE001  a panel's bug must not keep the window open
                pass
        return work

    # -- the close event --------------------------------------------------------------------
    def allow_close(self, event: QCloseEvent) -> bool:
        """True: close now. False: the event is ignored (asked, or still stopping)."""
        if self._closing:
            return True
        work = self.running_work()
        if not work:
            self._closing = True
            return True
        event.ignore()
        if self.mode == "stopping":
            self.window.show_status(STOPPING_TEXT, 0)
        elif self.question is None:
            self._ask(work)
        return False

    def _ask(self, work: list[str]) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "Quit ConvViz?",
                          f"{_sentence(work)} {'are' if len(work) > 1 else 'is'} still running.",
                          QMessageBox.StandardButton.NoButton,
                          self.window)
        box.setObjectName("quit_question")
        box.setInformativeText(
            "Stop and quit: it stops after the current batch, is evaluated on the test set and saved "
            "as “stopped”, then ConvViz quits.\n"
            "Keep training: it goes on, and ConvViz quits when it has finished.\n"
            "Cancel: nothing changes.")
        stop = box.addButton(STOP_AND_QUIT, QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton(KEEP_TRAINING, QMessageBox.ButtonRole.ActionRole)
        cancel = box.addButton(CANCEL, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stop)
        box.setEscapeButton(cancel)  # Esc, or the question's own close button: nothing changes
        stop.setObjectName("quit_stop")
        keep.setObjectName("quit_keep")
        box.buttonClicked.connect(self._answered)
        self.question = box
        box.open()  # window-modal, not a nested event loop: signals and timers keep running

    @Slot(QAbstractButton)
    def _answered(self, button) -> None:
        box, self.question = self.question, None
        text = button.text() if button is not None else CANCEL
        if box is not None:
            box.deleteLater()
        if text == STOP_AND_QUIT:
            self.stop_and_quit()
        elif text == KEEP_TRAINING:
            self.mode = "waiting"
            self.window.show_status("Training goes on; ConvViz quits when it has finished.", 0)
            self._timer.start()
        elif self.mode == "waiting":  # Cancel after an earlier Keep training: no quitting any more
            self.mode = ""
            self._timer.stop()
            self.window.show_status("ConvViz stays open.", 3000)

    def button(self, text: str) -> QPushButton | None:
        """The question's button labelled `text` (for tests and accessibility tools)."""
        if self.question is None:
            return None
        return next((b for b in self.question.buttons() if b.text() == text), None)

    # -- stopping ---------------------------------------------------------------------------
    def stop_and_quit(self, why: str = "") -> None:
        """Ask every panel to stop its work cleanly; close the window once none is left."""
        if self.question is not None:
            box, self.question = self.question, None
            box.buttonClicked.disconnect(self._answered)
            box.close()
            box.deleteLater()
        self.mode = "stopping"
        self.window.show_status(why + STOPPING_TEXT, 0)
        for panel in self.window.built_panels():
            try:
                panel.stop_work()
            except Exception:  # noqa: BLE001
                pass
        self._timer.start()
        self._check_idle()

    @Slot()
    def _check_idle(self) -> None:
        if self.mode and not self.running_work():
            self._timer.stop()
            self.mode = ""
            self._closing = True
            self.window.close()

    def force_quit(self) -> None:
        """Close now: the panels' shutdown ends what still runs without its final evaluation."""
        self._timer.stop()
        if self.question is not None:
            self.question.close()
            self.question = None
        self._closing = True
        self.window.close()

    # -- signals ----------------------------------------------------------------------------
    def signal_received(self, signum: int) -> None:
        """A stop signal: stop the training cleanly, then quit; at once when nothing runs or when
        a stop is already under way (a second signal)."""
        self.exit_code = 128 + signum
        name = _signal_name(signum)
        if self.mode == "stopping" or not self.running_work():
            self.force_quit()
        else:
            self.stop_and_quit(f"{name}: ")


def _sentence(work: list[str]) -> str:
    text = ", ".join(work[:-1]) + (" and " if len(work) > 1 else "") + work[-1]
    return text[:1].upper() + text[1:]


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class StopSignals(QObject):
    """While installed, SIGTERM, SIGHUP and SIGINT call `on_signal(signum)` on the GUI thread."""

    def __init__(self, on_signal: Callable[[int], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_signal = on_signal
        self._old: dict[int, object] = {}
        self._old_fd = -1
        self._reader, self._writer = socket.socketpair()
        for s in (self._reader, self._writer):
            s.setblocking(False)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._readable)

    def install(self) -> "StopSignals":
        self._old_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        for name in STOP_SIGNALS:
            sig = getattr(signal, name, None)
            if sig is not None:
                # The Python handler does nothing: the byte on the wakeup socket does the work.
                self._old[sig] = signal.signal(sig, _noop)
        return self

    def uninstall(self) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
        self._old.clear()
        signal.set_wakeup_fd(self._old_fd)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()

    @Slot()
    def _readable(self) -> None:
        try:
            data = self._reader.recv(64)
        except OSError:
            return
        for signum in data:
            if signum in self._old:
                self._on_signal(signum)


def _noop(signum, frame) -> None:  # noqa: ARG001
    pass
