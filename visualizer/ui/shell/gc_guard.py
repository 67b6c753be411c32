"""Python's cyclic garbage collector runs on the GUI thread only, while the app runs.

Why: the collector runs in whichever thread happens to allocate when a generation's count crosses
its threshold. In a worker thread (training, the device probe, a loader) it can free a reference
cycle that holds Qt objects made on the GUI thread (a pyqtgraph item, a QObject's wrapper), whose
C++ destructor then runs on the wrong thread: a crash, or a deadlock (seen in this project's test
runs: the training thread collecting while the GUI thread painted a plot axis). The cure is
pyqtgraph's own (`pyqtgraph.util.garbage_collector.GarbageCollector`, after Erik Janssens): switch
automatic collection off and collect from a timer on the GUI thread, generation by generation, with
the same thresholds. Reference counting, which frees almost everything, is untouched; only cycles
wait for the next tick (half a second).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Slot

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Collects garbage cycles on the GUI thread (the thread of `app`) every INTERVAL_MS."""

    def __init__(self, app: QCoreApplication, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(app)
        self.setObjectName("convviz_gc_guard")
        self.threshold = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        gc.disable()
        self.timer.start()
        app.aboutToQuit.connect(self.stop)

    @Slot()
    def check(self) -> None:
        """Collect the generations whose counts are past their thresholds (as Python would)."""
        l0, l1, l2 = gc.get_count()
        if l0 > self.threshold[0]:
            gc.collect(0)
            if l1 > self.threshold[1]:
                gc.collect(1)
                if l2 > self.threshold[2]:
                    gc.collect(2)

    @Slot()
    def stop(self) -> None:
        """Back to Python's own collection (the app is quitting)."""
        self.timer.stop()
        gc.enable()


def collect_on_gui_thread(app: QCoreApplication) -> GuiThreadCollector:
    """Install the collector on `app` once (later calls return the one installed)."""
    found = app.findChild(GuiThreadCollector, "convviz_gc_guard")
    return found if found is not None else GuiThreadCollector(app)
