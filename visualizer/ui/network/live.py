"""The Network tab's "Current run (live)" source: the net the Training tab is training.

The Training tab sends plain-data events (through the main window, to
`NetworkPanel.follow_live_net`): "started" when a run is launched, "snapshot" with the model's
weights at a reporting point (`visualizer.core.live`), "ended" when its thread is over. `LiveRun`
keeps the newest snapshot and, while the tab follows the run, has the net rebuilt from each one off
the GUI thread (the model's `load_requested("net", {"kind": "live", ...})`, run by the Loader),
one rebuild at a time and at most one per `MIN_GAP_S` (each also redraws the tab; a run of tiny
epochs sends a snapshot at every epoch's end): a snapshot that arrives in between waits, and only
the newest waiting one is built next. After the run has ended the last snapshot stays shown, and
says so.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

STATES = ("none", "training", "ended")
MIN_GAP_S = 0.2  # at most five rebuilds (and redraws) a second


class LiveRun(QObject):
    changed = Signal()  # the state, the newest snapshot or the run changed

    def __init__(self, model, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.state = "none"
        self.run_id = ""
        self.run_folder = ""
        self.status = ""  # how the run ended: "completed", "stopped", "diverged", "failed"
        self.has_model = False  # the ended run saved model.pt
        self.latest: dict[str, Any] | None = None  # the newest snapshot (with weights)
        self.reason = ""  # why this run cannot be followed (a net too large), else ""
        self.shown: dict[str, Any] | None = None  # the snapshot whose net is shown
        self._building: dict[str, Any] | None = None
        self._waiting = False  # a newer snapshot than the one being built arrived
        self.min_gap_s = MIN_GAP_S
        self._last_start = -float("inf")
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._build_waiting)

    # -- events from the Training tab ---------------------------------------------------------
    def receive(self, ev: dict) -> None:
        if not isinstance(ev, dict):
            return
        kind, run_id = ev.get("event"), str(ev.get("run_id") or "")
        if kind == "started":
            self.state, self.run_id, self.run_folder = "training", run_id, str(ev.get("run_folder") or "")
            self.status, self.has_model, self.latest, self.reason = "", False, None, ""
            self.changed.emit()
        elif kind == "snapshot" and self.state == "training" and run_id == self.run_id:
            if ev.get("state") is None:
                self.reason = str(ev.get("reason") or "this run cannot be followed live")
                self.changed.emit()
                if self.following():
                    self.model.report(f"Current run: {self.reason}")
                return
            self.latest = ev
            self.changed.emit()
            if self.following():
                self.build()
        elif kind == "ended" and run_id == self.run_id and self.state == "training":
            self.state = "ended"
            self.status = str(ev.get("status") or "")
            self.has_model = bool(ev.get("has_model"))
            self.changed.emit()
            if self.following():
                self.model.message.emit(f"Run {self.run_id} has ended ({self.status or 'ended'}); "
                                        f"its last weights stay shown")

    # -- what the picker shows ----------------------------------------------------------------
    def following(self) -> bool:
        return self.model.net_request.get("kind") == "live"

    def available(self) -> bool:
        return self.state == "training" or self.latest is not None

    def unavailable_reason(self) -> str:
        if self.state == "none":
            return "No run is training: start one in the Training tab, then pick this to watch its net learn"
        return ""

    def describe(self, snapshot: dict | None = None) -> str:
        """The net line: which run, and which point of training its weights are from."""
        from visualizer.core.live import snapshot_label

        s = snapshot if snapshot is not None else self.shown
        if s is None or (self.state == "training" and s.get("run_id") != self.run_id):
            return f"run {self.run_id} (training): waiting for its first weights…" if self.run_id else ""
        text = f"run {s.get('run_id')}, {snapshot_label(s)}"
        if self.state == "ended" and s.get("run_id") == self.run_id:
            text += f" — the run has ended ({self.status})" if self.status else " — the run has ended"
            if self.has_model:
                text += "; Saved run shows its saved model"
        else:
            text += " — live"
        return text

    # -- rebuilding the net -------------------------------------------------------------------
    def follow(self) -> bool:
        """Show the run's newest weights from now on; False (with a message) when there are none."""
        if self.latest is None:
            if self.state == "training" and not self.reason:
                self.model.message.emit(f"Following run {self.run_id}: waiting for its first weights…")
                return True
            self.model.report(self.reason and f"Current run: {self.reason}"
                              or self.unavailable_reason() or "The run shows no weights")
            return False
        self.model.message.emit(f"Following run {self.run_id} as it trains" if self.state == "training"
                                else f"Showing the last weights of run {self.run_id} ({self.status or 'ended'})")
        self.build()
        return True

    def build(self) -> None:
        if self.latest is None:
            return
        if self._building is not None:
            self._waiting = True  # built when the one in progress is in
            return
        wait = self._last_start + self.min_gap_s - time.monotonic()
        if wait > 0:
            self._waiting = True
            if not self._later.isActive():
                self._later.start(max(1, int(wait * 1000)))
            return
        self._building, self._waiting = self.latest, False
        self._last_start = time.monotonic()
        self.model.load_requested.emit("net", {"kind": "live", "snapshot": self.latest, "quiet": True})

    def built(self, request: dict) -> dict | None:
        """A rebuild is in (or failed): start the newest waiting one; the snapshot that was built."""
        snapshot = request.get("snapshot")
        self._building = None
        if self._waiting and self.following():
            self.build()
        return snapshot

    @Slot()
    def _build_waiting(self) -> None:
        if self._waiting and self.following():
            self.build()

    def left(self) -> None:
        """The tab picked another net: forget the rebuild in progress (its answer is dropped)."""
        self._building, self._waiting = None, False
        self._later.stop()
