"""Running a sweep's runs: `run_one` (one run, in whatever process a backend gives it), progress
lines, and the local backend (`run_local`: a pool of worker processes, torch threads per worker set
so the cores are not oversubscribed). A worker that crashes records its run as "failed" with the
reason; the others go on. The Ray backend is `visualizer.core.sweep_ray`.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from visualizer.core.sweep.files import best_epoch
from visualizer.core.sweep.plan import STATUSES, SweepPlan, SweepRun


def run_one(task: dict[str, Any], should_stop: Callable[[], bool] | None = None,
            callbacks: list[Any] | None = None) -> dict[str, Any]:
    """Train one run of a sweep into task["folder"] with the same engine and files as `convviz
    train`, holding the folder's RunLock. Never raises: the outcome says what happened
    ({"name", "status", "reason", "final", "best_epoch"})."""
    name = task["name"]
    try:
        return _run_one(task, should_stop, callbacks)
    except BaseException as exc:  # noqa: BLE001 - a run's failure is its outcome; the sweep goes on
        from visualizer.core.runs import failure_final

        if isinstance(exc, (SystemExit,)):
            raise
        final = failure_final(exc)
        return {"name": name, "status": final["status"], "reason": final.get("error", ""), "final": {},
                "best_epoch": None}


def _run_one(task, should_stop, callbacks) -> dict[str, Any]:
    from visualizer.core.mnist import load_mnist
    from visualizer.core.run_lock import RunLock, discard_if_unused
    from visualizer.core.runs import RunWriter
    from visualizer.core.training import TrainConfig, Trainer, TrainingFailed

    name = task["name"]
    folder = Path(task["folder"])
    threads = int(task.get("threads") or 0)
    if threads:
        import torch

        torch.set_num_threads(threads)
    cfg = TrainConfig.from_dict(task["config"])
    lock = RunLock(folder)
    lock.acquire()
    trainer = None
    done = threading.Event()
    try:
        if should_stop is not None and should_stop():
            return {"name": name, "status": "pending", "reason": "", "final": {}, "best_epoch": None}
        # a task may carry its data (MnistSplits: the app's data override, for tests and demos)
        data = task.get("data")
        if data is None:
            data = load_mnist(cfg.data_dir or None, cfg.train_size, cfg.val_size, cfg.test_size, cfg.seed)
        from visualizer.core.distributions import recorder_for

        recorder = recorder_for(folder, task.get("distributions"), data.val_images)
        trainer = Trainer(cfg, data, [RunWriter(folder), recorder, *(callbacks or [])])
        if should_stop is not None:
            def watch() -> None:
                while not done.wait(0.2):
                    if should_stop():
                        trainer.request_stop()
                        return

            threading.Thread(target=watch, name=f"stop watcher {name}", daemon=True).start()
        try:
            result = trainer.run()
        except TrainingFailed as exc:
            return {"name": name, "status": "failed", "reason": str(exc), "final": {}, "best_epoch": None}
        final = dict(result.final)
        return {"name": name, "status": final.get("status", "completed"), "reason": final.get("reason", ""),
                "final": final, "best_epoch": best_epoch(final, result.epochs)}
    finally:
        done.set()
        discard_if_unused(folder, held=lock)  # nothing trained (it failed or stopped before): no folder left


# ---------------------------------------------------------------------------------------------
# Running a sweep, with progress

class SweepProgress:
    """Runs done, running and left, and the best so far, as lines on a stream."""

    def __init__(self, plan: SweepPlan, stream=None, quiet: bool = False):
        import sys

        self.plan = plan
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.running: set[str] = set()
        self.t0 = time.monotonic()

    def _say(self, text: str) -> None:
        if self.quiet:
            return
        try:
            self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            self.quiet = True

    def counts(self) -> tuple[int, int, int]:
        done = sum(1 for r in self.plan.runs if r.status not in ("pending",))
        running = len(self.running)
        return done, running, len(self.plan.runs) - done - running

    def best(self) -> str:
        best = None
        for r in self.plan.runs:
            if r.status != "completed":
                continue
            acc = r.final.get("test_accuracy")
            if acc is None:
                acc = r.final.get("val_accuracy")
            if isinstance(acc, (int, float)) and (best is None or acc > best[0]):
                best = (acc, r.name)
        return f"best test accuracy {best[0] * 100:.2f}% ({best[1]})" if best else "no run completed yet"

    def line(self, event: str) -> None:
        done, running, left = self.counts()
        elapsed = time.monotonic() - self.t0
        m, s = divmod(int(elapsed), 60)
        self._say(f"sweep: {event} | {done} done, {running} running, {left} left | {self.best()} | {m}:{s:02d}")

    def started(self, name: str) -> None:
        self.running.add(name)
        self.line(f"started {name}")

    def finished(self, name: str, status: str, reason: str = "") -> None:
        self.running.discard(name)
        why = f" ({reason})" if reason and status != "completed" else ""
        self.line(f"{status} {name}{why}")


def apply_outcome(plan: SweepPlan, outcome: dict[str, Any]) -> SweepRun | None:
    r = next((x for x in plan.runs if x.name == outcome.get("name")), None)
    if r is None:
        return None
    r.status = str(outcome.get("status") or "failed")
    if r.status not in STATUSES:
        r.status = "failed"
    r.reason = str(outcome.get("reason") or "")
    r.final = dict(outcome.get("final") or {})
    r.best_epoch = outcome.get("best_epoch")
    return r


def tasks_for(plan: SweepPlan, out: Path, threads: int, distributions: int | None = None) -> list[dict[str, Any]]:
    """The runs still to do (not completed), as picklable tasks. A caller may add "data" to a task
    (MnistSplits to train on instead of loading MNIST, as the app's data override does in tests).
    `distributions`: each run also records distributions.jsonl every that many examples."""
    base = out.resolve()  # absolute: a Ray trial runs in a folder of its own
    return [{"name": r.name, "folder": str(base / r.name), "config": r.config, "threads": threads,
             "distributions": distributions} for r in plan.runs if r.status != "completed"]


# ---------------------------------------------------------------------------------------------
# The local backend: a pool of worker processes

def default_workers(device_names: Iterable[str], threads: int | None) -> tuple[int, int, list[str]]:
    """(workers, torch threads per run, CUDA_VISIBLE_DEVICES of each worker or []): one worker per
    GPU when the runs use CUDA, else CPU cores ÷ threads per run (1 thread per run by default:
    small nets gain little from more, and the runs then share the cores without contention)."""
    cores = os.cpu_count() or 1
    names = set(device_names)
    wants_cuda = any(n == "cuda" or n.startswith("cuda") for n in names)
    if names & {"auto"} or wants_cuda:
        from visualizer.core.devices import probe_devices

        report = probe_devices()
        if report.cuda and (wants_cuda or report.auto == "cuda") and "cpu" not in names:
            gpus = len(report.cuda_devices)
            t = threads or max(1, cores // max(1, gpus))
            return gpus, t, [str(i) for i in range(gpus)]
    t = threads or 1
    return max(1, cores // t), t, []


def _worker_main(conn, stop_event, threads: int) -> None:  # pragma: no cover - runs in a child process
    import signal

    # Ctrl+C reaches the whole process group: the parent decides; the worker stops when told.
    for name in ("SIGINT", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, signal.SIG_IGN)
    if threads:
        import torch

        torch.set_num_threads(threads)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        outcome = run_one(task, stop_event.is_set)
        try:
            conn.send(outcome)
        except (OSError, ValueError):
            return


@dataclass
class _Slot:
    process: Any
    conn: Any
    env: dict[str, str]
    task: dict[str, Any] | None = None


class _Pool:
    """Worker processes (spawned: torch and fork do not mix), each fed one task at a time."""

    def __init__(self, threads: int, gpu_ids: list[str]):
        import multiprocessing as mp

        self.ctx = mp.get_context("spawn")
        self.stop_event = self.ctx.Event()
        self.threads = threads
        self.gpu_ids = gpu_ids
        self.slots: list[_Slot] = []

    def start_slot(self, i: int) -> _Slot:
        env = {"CUDA_VISIBLE_DEVICES": self.gpu_ids[i % len(self.gpu_ids)]} if self.gpu_ids else {}
        parent, child = self.ctx.Pipe()
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            p = self.ctx.Process(target=_worker_main, args=(child, self.stop_event, self.threads), daemon=True,
                                 name=f"convviz sweep worker {i}")
            p.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        child.close()
        return _Slot(p, parent, env)

    def feed(self, pending, on_start: Callable[[str], None], stopping: bool) -> None:
        """Give each idle worker the next task (none once stopping)."""
        for slot in self.slots:
            if slot.task is None and pending and not stopping:
                task = pending.popleft()
                try:
                    slot.conn.send(task)
                except (OSError, ValueError):
                    pending.appendleft(task)
                    continue
                slot.task = task
                on_start(task["name"])

    def collect(self, pending, on_done: Callable[[dict[str, Any]], None], stop: threading.Event) -> bool:
        """Wait up to half a second for outcomes and pass them on; a worker that died fails its run
        and is replaced while tasks are left. False when no worker has a task."""
        from multiprocessing.connection import wait

        busy = [s for s in self.slots if s.task is not None]
        if not busy:
            return False
        ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=0.5)
        for i, slot in enumerate(self.slots):
            if slot.task is None:
                continue
            outcome = None
            if slot.conn in ready:
                try:
                    outcome = slot.conn.recv()
                except (EOFError, OSError):
                    outcome = None
            if outcome is None and (slot.conn in ready or slot.process.sentinel in ready):
                slot.process.join(1.0)
                if slot.process.is_alive():
                    continue
                code = slot.process.exitcode
                how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
                outcome = {"name": slot.task["name"], "status": "failed",
                           "reason": f"the worker process died ({how})", "final": {}, "best_epoch": None}
                self.slots[i] = (self.start_slot(i) if pending and not stop.is_set()
                                 else _Slot(slot.process, slot.conn, slot.env))
            if outcome is not None:
                self.slots[i].task = None
                on_done(outcome)
        return True

    def close(self, clean: bool) -> None:
        for slot in self.slots:
            try:
                slot.conn.send(None)
            except (OSError, ValueError):
                pass
        for slot in self.slots:
            slot.process.join(5.0 if clean else 0.0)
            if slot.process.is_alive():
                slot.process.terminate()
                slot.process.join(2.0)
            try:
                slot.conn.close()
            except OSError:
                pass


def run_local(tasks: list[dict[str, Any]], workers: int, threads: int, gpu_ids: list[str],
              on_start: Callable[[str], None], on_done: Callable[[dict[str, Any]], None],
              stop: threading.Event) -> None:
    """Run `tasks` on `workers` processes (spawned: torch and fork do not mix). `stop` set (by
    the caller's signal handler): running runs stop after their batch and are saved "stopped";
    tasks not started stay pending. A worker that dies fails its run and is replaced."""
    from collections import deque

    pending = deque(tasks)
    pool = _Pool(threads, gpu_ids)
    clean = False
    try:
        pool.slots = [pool.start_slot(i) for i in range(max(1, min(workers, len(tasks))))]
        while True:
            if stop.is_set():
                pool.stop_event.set()
            pool.feed(pending, on_start, stop.is_set())
            if not pool.collect(pending, on_done, stop):
                break
        clean = True
    finally:
        pool.close(clean)
