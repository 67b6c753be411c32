"""The app's one device probe: torch is asked about CUDA/MPS in a child process, once, right after
the window shows; views read the cached answer or wait for `ready`.

Why a child process: importing torch takes seconds and holds the interpreter (the import lock and,
mostly, the GIL) wherever it runs, so a probe on a worker thread stalled the GUI thread for a
quarter of a second at a time just after the first frame (issue 28). In a child it costs the GUI
nothing, and quitting kills it instead of waiting for the import. torch itself is imported into
the app only when a tool needs it (Training's Start, the Network tab's nets), on that tool's
worker thread. A frozen bundle, whose executable is the app, probes on a worker thread instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QProcess, QProcessEnvironment, QThread, QTimer, Signal, Slot

from visualizer.core.devices import (DeviceReport, cached_devices, probe_devices, remember_devices,
                                     report_from_json)
from visualizer.ui.shell.threads import join_finished, keep_until_done, start_worker

#: What the child runs: niced, so that on a small machine the window's own work goes first.
CHILD_CODE = ("import os\n"
              "try:\n    os.nice(5)\nexcept (AttributeError, OSError):\n    pass\n"
              "from visualizer.core.devices import probe_devices, report_to_json\n"
              "print(report_to_json(probe_devices()), flush=True)\n")
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])  # the folder holding `visualizer`


class _ProbeWorker(QObject):
    """The in-process fallback (frozen bundles)."""

    done = Signal()
    probed = Signal(object)  # DeviceReport

    @Slot()
    def work(self) -> None:
        try:
            self.probed.emit(probe_devices())
        finally:
            self.done.emit()


class DeviceProbe(QObject):
    """Starts the probe on demand and announces the report once (`ready`)."""

    ready = Signal(object)  # DeviceReport

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: QProcess | None = None
        self._thread: QThread | None = None
        self._worker: _ProbeWorker | None = None
        self._quit_hooked = False

    def report(self) -> DeviceReport | None:
        return cached_devices()

    def running(self) -> bool:
        """Whether a probe is under way (its child process or, frozen, its thread)."""
        return self._process is not None or self._thread is not None

    def start(self) -> None:
        """Probe in the background; `ready` follows (from the cache when it has run, from the
        running probe when it runs now)."""
        if cached_devices() is not None:
            QTimer.singleShot(0, self._announce)
            return
        if self.running():  # its `ready` is on the way
            return
        if getattr(sys, "frozen", False):
            self._start_thread()
        else:
            self._start_child()

    def _start_child(self) -> None:
        proc = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        path = env.value("PYTHONPATH", "")
        env.insert("PYTHONPATH", _PACKAGE_ROOT + (os.pathsep + path if path else ""))
        env.insert("OMP_NUM_THREADS", "1")  # asking about devices needs no thread pool
        proc.setProcessEnvironment(env)
        proc.setProgram(sys.executable)
        proc.setArguments(["-c", CHILD_CODE])
        proc.finished.connect(self._on_child_finished)
        proc.errorOccurred.connect(self._on_child_error)
        self._process = proc
        app = QCoreApplication.instance()
        if app is not None and not self._quit_hooked:  # quitting kills it (shutdown)
            self._quit_hooked = True
            app.aboutToQuit.connect(self.shutdown)
        proc.start()

    def _start_thread(self) -> None:
        self._worker = _ProbeWorker()
        self._worker.probed.connect(self._on_probed)
        self._thread = start_worker(self._worker, self._on_thread_finished)
        # Importing torch cannot be interrupted: the thread is waited for at exit, never destroyed.
        keep_until_done(self._thread, self._worker)

    @Slot()
    def _on_child_finished(self) -> None:
        proc = self._process
        if proc is None:
            return
        self._process = None
        proc.deleteLater()
        out = bytes(proc.readAllStandardOutput().data()).decode("utf-8", "replace").strip()
        try:
            report = report_from_json(out.splitlines()[-1])
        except (ValueError, IndexError):
            err = bytes(proc.readAllStandardError().data()).decode("utf-8", "replace").strip()
            last = err.splitlines()[-1] if err else f"exit status {proc.exitCode()}"
            # Not cached: a Start in the app asks torch itself (core.devices.probe_devices).
            self.ready.emit(DeviceReport(error=f"the device probe failed: {last}"[:300]))
            return
        self._on_probed(remember_devices(report))

    @Slot(QProcess.ProcessError)
    def _on_child_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:  # no `finished` follows
            self._on_child_finished()

    @Slot(object)
    def _on_probed(self, report: DeviceReport) -> None:
        self.ready.emit(report)

    @Slot()
    def _announce(self) -> None:
        report = cached_devices()
        if report is not None:
            self.ready.emit(report)

    @Slot()
    def _on_thread_finished(self) -> None:
        join_finished(self._thread)
        self._worker = None
        self._thread = None

    @Slot()
    def shutdown(self, timeout_ms: int = 1500) -> None:
        """Kill a probe child still running (never wait for its import of torch); a frozen app's
        probe thread is waited for briefly and otherwise kept alive past exit."""
        proc, self._process = self._process, None
        if proc is not None:
            proc.finished.disconnect(self._on_child_finished)
            proc.errorOccurred.disconnect(self._on_child_error)
            proc.kill()
            proc.waitForFinished(200)  # reaps it: SIGKILL ends it at once
            proc.deleteLater()
        thread = self._thread
        if thread is None:
            return
        try:
            thread.wait(timeout_ms)
        except RuntimeError:
            pass


_probe: DeviceProbe | None = None


def device_probe() -> DeviceProbe:
    """The app-wide probe (created on the GUI thread at first use)."""
    global _probe
    if _probe is None:
        _probe = DeviceProbe()
    return _probe
