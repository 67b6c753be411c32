"""The app's one device probe: torch is imported and asked about CUDA/MPS on a worker thread,
once, right after the window shows; views read the cached answer or wait for `ready`.

This is also how torch loads behind the first window: nothing on the GUI thread imports torch
before the user asks for work that needs it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from visualizer.core.devices import DeviceReport, cached_devices, probe_devices
from visualizer.ui.shell.threads import join_finished, keep_until_done, start_worker


class _ProbeWorker(QObject):
    done = Signal()
    probed = Signal(object)  # DeviceReport

    @Slot()
    def work(self) -> None:
        try:
            report = probe_devices()
            try:  # torch's one-time costs (torch._dynamo, pulled in by the first optimizer)
                from visualizer.core.devices import warm_up

                warm_up()
            except Exception:  # noqa: BLE001  (warming up is only an optimisation)
                pass
            self.probed.emit(report)
        finally:
            self.done.emit()


class DeviceProbe(QObject):
    """Starts the probe on demand and announces the report once (`ready`)."""

    ready = Signal(object)  # DeviceReport

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: _ProbeWorker | None = None

    def report(self) -> DeviceReport | None:
        return cached_devices()

    def start(self) -> None:
        """Probe in the background; `ready` follows (from the cache when it has run, from the
        running probe when it runs now)."""
        if cached_devices() is not None:
            QTimer.singleShot(0, self._announce)
            return
        if self._thread is not None:  # running: its `ready` is on the way
            return
        self._worker = _ProbeWorker()
        self._worker.probed.connect(self._on_probed)
        self._thread = start_worker(self._worker, self._on_finished)
        # Importing torch cannot be interrupted: whatever closes first (a window, a test, the
        # interpreter), the thread is waited for at exit, never destroyed while it runs.
        keep_until_done(self._thread, self._worker)

    @Slot(object)
    def _on_probed(self, report: DeviceReport) -> None:
        self.ready.emit(report)

    @Slot()
    def _announce(self) -> None:
        report = cached_devices()
        if report is not None:
            self.ready.emit(report)

    @Slot()
    def _on_finished(self) -> None:
        join_finished(self._thread)
        self._worker = None
        self._thread = None

    def shutdown(self, timeout_ms: int = 1500) -> None:
        """Wait briefly for a probe still importing torch; keep it alive past exit if it is slow."""
        thread = self._thread
        if thread is None:
            return
        try:
            thread.wait(timeout_ms)  # (if it is still importing torch, exit waits for it)
        except RuntimeError:
            pass


_probe: DeviceProbe | None = None


def device_probe() -> DeviceProbe:
    """The app-wide probe (created on the GUI thread at first use)."""
    global _probe
    if _probe is None:
        _probe = DeviceProbe()
    return _probe
