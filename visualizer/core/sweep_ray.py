"""The Ray Tune backend of `convviz sweep` (ray is imported only inside functions: an optional extra).

The sweep's runs become the trials of a Tune grid search over their index. Each trial runs
`sweep.run_one`, the same engine, files and RunLock as the local backend and `convviz train`, and
reports to Tune: every epoch (epoch, train/val loss and accuracy) and at the end (the final
numbers, plus the whole outcome as JSON for the sweep's files). The driver hears of trials
starting and ending through a Tune callback, which keeps sweep.json/sweep.csv and the progress
lines up to date.

`--ray-address auto|ADDR` joins a running cluster (`ray start --head` on one machine, `ray start
--address HEAD:6379` on the others); without it a local Ray instance starts and stops with the
sweep. A Ray already initialised in this process (tests) is used as it is. Every node writes run
folders to the --out path, so on several machines --out must be a shared folder (NFS), and each
node needs convviz and MNIST (--data, or the same data folder) installed.

Stopping: the driver's Ctrl+C sets a flag in a small Ray actor; each trial polls it once a second
and stops its run after the current batch (status "stopped"); trials that had not started yet
return without touching their folder (left pending for the next invocation).
"""

from __future__ import annotations

import json
import math
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable

from visualizer.core.errors import UserInputError
from visualizer.core.parsing import is_whole_number_text

INSTALL_HINT = 'pip install "convviz[cluster]"'
#: The driver's handlers of a running sweep, by key (see RayBackend._run).
_DRIVER: dict[str, tuple] = {}


def _driver(key: str) -> tuple:
    """(tasks, on_start, on_done) of the sweep `key` (a module function: pickled by name)."""
    return _DRIVER[key]


def _import_ray():
    try:
        import ray  # noqa: F401
        from ray import tune  # noqa: F401
    except ImportError:
        raise UserInputError(f"--backend ray needs Ray Tune, which is not installed: {INSTALL_HINT}") from None
    return ray


def _host_port(address: str) -> tuple[str, int] | None:
    a = address.strip()
    for prefix in ("ray://", "http://", "https://"):
        if a.startswith(prefix):
            a = a[len(prefix):]
    a = a.split("/")[0]
    if not a:
        return None
    host, sep, port = a.rpartition(":")
    if not sep:
        return (a, 6379)  # Ray's default GCS port
    if not is_whole_number_text(port) or not 0 < int(port) < 65536:
        raise UserInputError(f"--ray-address {address!r}: the port must be a number from 1 to 65535")
    return (host.strip("[]"), int(port))


class _StopFlag:
    """A flag the driver sets and the trials read (a Ray actor)."""

    def __init__(self) -> None:
        self.on = False

    def set(self) -> None:
        self.on = True

    def is_set(self) -> bool:
        return self.on


class RayBackend:
    def __init__(self, address: str | None, gpus_per_run: float = 0.0, workers: int | None = None,
                 threads: int | None = None):
        self.address = address
        self.gpus = float(gpus_per_run or 0.0)
        self.workers = workers
        self.threads = threads
        self._started = False

    # --- joining Ray ---------------------------------------------------------------------------
    def check(self) -> None:
        """Ray installed and its cluster reachable (joined now): one plain sentence if not."""
        ray = _import_ray()
        if self.address and self.address != "auto":
            hp = _host_port(self.address)
            if hp is None:
                raise UserInputError(f"--ray-address {self.address!r} is not an address (HOST:PORT or auto)")
            try:
                socket.create_connection(hp, timeout=3.0).close()
            except OSError as exc:
                raise UserInputError(
                    f"cannot reach the Ray cluster at {self.address} ({exc.strerror or exc}); start it with "
                    f"`ray start --head` on the head machine, or check the address") from None
        if ray.is_initialized():  # a Ray this process joined already (tests): used as it is
            return
        os.environ.setdefault("TUNE_DISABLE_SIGINT_HANDLER", "1")  # the sweep handles Ctrl+C itself
        os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
        os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}
        try:
            ray.init(address=self.address or None, **kwargs)
        except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            where = "a running Ray cluster (auto)" if self.address == "auto" else f"Ray at {self.address or 'this machine'}"
            raise UserInputError(f"cannot join {where}: {first}; start one with `ray start --head`") from None
        self._started = True

    def describe(self, threads: int) -> str:
        where = f"Ray cluster {self.address}" if self.address else "a local Ray instance"
        gpu = f" + {self.gpus:g} GPU" if self.gpus else ""
        limit = f", at most {self.workers} at once" if self.workers else ""
        return f"{where}, {threads} CPU{gpu} per run{limit}"

    def shutdown(self) -> None:
        if self._started:
            import ray

            self._started = False
            ray.shutdown()

    # --- the grid search ------------------------------------------------------------------------
    def run(self, tasks: list[dict[str, Any]], threads: int, on_start: Callable[[str], None],
            on_done: Callable[[dict[str, Any]], None], stop: threading.Event) -> None:
        try:
            self._run(tasks, threads, on_start, on_done, stop)
        finally:
            self.shutdown()

    def _run(self, tasks, threads, on_start, on_done, stop) -> None:
        import ray
        from ray import tune

        out = Path(tasks[0]["folder"]).parent
        flag = ray.remote(num_cpus=0)(_StopFlag).remote()
        reported: set[str] = set()
        lock = threading.Lock()

        def done(outcome: dict) -> None:
            with lock:
                if outcome.get("name") in reported:
                    return
                reported.add(outcome.get("name"))
            on_done(outcome)

        # Tune pickles its run config (callbacks too) for restoring: the callback holds a key only.
        key = f"{id(self)}-{time.monotonic()}"
        _DRIVER[key] = (tasks, on_start, done)

        class Progress(tune.Callback):
            def __init__(self, key: str) -> None:
                self.key = key

            def on_trial_start(self, iteration, trials, trial, **info):
                tasks, on_start, _ = _driver(self.key)
                on_start(tasks[trial.config["index"]]["name"])

            def on_trial_complete(self, iteration, trials, trial, **info):
                tasks, _, done = _driver(self.key)
                name = tasks[trial.config["index"]]["name"]
                try:
                    outcome = json.loads((trial.last_result or {}).get("outcome") or "null")
                except (TypeError, ValueError):
                    outcome = None
                if not isinstance(outcome, dict):
                    outcome = {"name": name, "status": "failed", "reason": "the Ray trial reported no result"}
                done(outcome)

            def on_trial_error(self, iteration, trials, trial, **info):
                tasks, _, done = _driver(self.key)
                name = tasks[trial.config["index"]]["name"]
                msg = str(getattr(trial, "error_msg", "") or "").strip().splitlines()
                reason = next((line for line in reversed(msg) if line.strip()), "the Ray trial failed")
                done({"name": name, "status": "failed", "reason": f"the Ray trial failed: {reason[:300]}"})

        resources = {"cpu": threads, "gpu": self.gpus}
        trainable = tune.with_resources(tune.with_parameters(_trial, tasks=tasks, stop_flag=flag, threads=threads),
                                        resources)
        tuner = tune.Tuner(
            trainable,
            param_space={"index": tune.grid_search(list(range(len(tasks))))},
            tune_config=tune.TuneConfig(max_concurrent_trials=self.workers or None, reuse_actors=False),
            run_config=tune.RunConfig(
                name=f"convviz-sweep-{int(time.time())}", storage_path=str((out / ".ray-tune").resolve()),
                verbose=0, callbacks=[Progress(key)], failure_config=tune.FailureConfig(max_failures=0)),
        )
        failure: list[BaseException] = []

        def fit() -> None:
            try:
                tuner.fit()
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                failure.append(exc)

        thread = threading.Thread(target=fit, name="convviz ray sweep", daemon=True)
        thread.start()
        told = False
        try:
            while thread.is_alive():
                thread.join(0.3)
                if stop.is_set() and not told:
                    told = True
                    flag.set.remote()
        finally:
            _DRIVER.pop(key, None)
        if failure:
            first = (str(failure[0]).strip().splitlines() or [type(failure[0]).__name__])[0][:300]
            for t in tasks:
                done({"name": t["name"], "status": "failed", "reason": f"Ray Tune failed: {first}"})


def _trial(config: dict, tasks=None, stop_flag=None, threads: int = 1) -> None:  # pragma: no cover - in Ray
    """One Tune trial: one run of the sweep."""
    import ray
    from ray import tune

    from visualizer.core.sweep import run_one
    from visualizer.core.training import Callback

    task = dict(tasks[config["index"]], threads=threads)
    state = {"t": 0.0, "stop": False}

    def should_stop() -> bool:
        now = time.monotonic()
        if not state["stop"] and now - state["t"] >= 1.0:
            state["t"] = now
            try:
                state["stop"] = bool(ray.get(stop_flag.is_set.remote(), timeout=10))
            except Exception:  # noqa: BLE001 - the driver is gone or slow: keep training
                pass
        return state["stop"]

    class Report(Callback):
        def on_epoch_end(self, trainer, record):
            tune.report({k: v for k, v in record.items() if isinstance(v, (int, float))})

    outcome = run_one(task, should_stop, [Report()])
    metrics: dict[str, Any] = {"outcome": json.dumps(outcome, default=str)}
    for k, v in (outcome.get("final") or {}).items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            metrics[k] = v
    tune.report(metrics)
