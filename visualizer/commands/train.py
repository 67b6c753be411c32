"""`convviz train`: train an MNIST net headless, with the same engine and files as the app.

    convviz train [--net NAME|FILE] [--loss ce|l2] [--optimizer sgdm|sgd|adam] [--lr X]
                  [--momentum X] [--epochs N] [--batch-size N] [--train-size N] [--val-size N]
                  [--test-size N] [--seed N] [--weight-decay X] [--dropout P] [--early-stopping N]
                  [--device auto|cpu|cuda[:N]|mps] [--threads N] [--data DIR] [--distributions [N]] --out DIR

Writes DIR/config.json, DIR/metrics.json, DIR/history.csv (rewritten at every reporting point, so
an interrupted run keeps what it logged), DIR/model.pt and DIR/results.npz at the end. A progress
bar goes to stderr; a one-line summary to stdout.

DIR must be new or empty; --overwrite replaces a ConvViz run in it (its files only, once the new
run is ready to write). While a run writes into DIR it holds a lock there (run_lock.RunLock): a second
run into the same DIR is refused. --distributions N also writes DIR/distributions.jsonl
(visualizer.core.distributions), a record appended and flushed every N examples.

Ctrl+C, SIGTERM and SIGHUP stop after the current batch, evaluate, write everything with status
"stopped" and exit with 130, 143 and 129 (128 + the signal); a second signal quits at once.

Exit status: 0 completed; 2 bad input or a file/disk error (one line on stderr); 3 the run
diverged or failed in training (the reason on stderr; metrics.json says "diverged" or "failed");
128 + N stopped by signal N.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from visualizer.commands import command_parser
from visualizer.commands import stop_signals
from visualizer.core.errors import UserInputError
from visualizer.core.parsing import argparse_type, device_arg, number_arg, parse_whole_number, whole_number_arg
from visualizer.core.safe_json import excerpt, read_json_file

_DEFAULTS = None
EXIT_RUN_FAILED = 3


def _defaults():
    global _DEFAULTS
    if _DEFAULTS is None:
        from visualizer.core.training import TrainConfig

        _DEFAULTS = TrainConfig()
    return _DEFAULTS


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = command_parser(
        subparsers, "train",
        description="Train a CNN on MNIST with the course's setup (defaults: mnist-net1,\n"
        "cross-entropy, SGD with momentum 0.5, lr 0.01, 8 epochs, batch 128, 50,000/10,000\n"
        "train/validation split, 10,000 test images). Writes metrics.json, history.csv and\n"
        "model.pt to --out, with a progress bar on stderr.",
        epilog="examples:\n"
        "  convviz train --out runs/course                      # the course's run\n"
        "  convviz train --lr 0.1 --out runs/lr0.1              # the learning-rate experiment\n"
        "  convviz train --loss l2 --out runs/l2                # cross-entropy against L2\n"
        "  convviz train --net mnist-net2 --out runs/net2       # fewer kernels\n"
        "  convviz train --train-size 1000 --epochs 40 --early-stopping 5 --out runs/es  # overfitting\n"
        "  convviz train --net my_net.json --epochs 2 --train-size 5000 --out runs/quick\n"
        "Ctrl+C (or SIGTERM, SIGHUP) stops after the current batch and still writes the files\n"
        "(status \"stopped\", exit 130; 143, 129); a second one quits at once.\n"
        "--out must be a new or empty folder; --overwrite replaces the ConvViz run in it.\n"
        "exit status: 0 completed; 2 bad input or a disk error; 3 the run diverged (the loss\n"
        "became non-finite, or stayed above 10x an untrained net's for a whole reporting interval)\n"
        "or failed in training; 128+N stopped by signal N.")
    add_train_options(p)
    p.add_argument("--threads", type=threads_arg, default=0, metavar="N",
                   help="CPU threads for torch (default: the cores free when the run starts, at most 4: "
                   "see the README's \"Threads\")")
    from visualizer.core.distributions import DEFAULT_EVERY

    p.add_argument("--distributions", type=_distributions_arg, nargs="?", const=DEFAULT_EVERY, default=None,
                   metavar="N", help="every N examples (default N: %(const)s), write each layer's weights, "
                   "gradients and activations (on 64 validation images) as TensorBoard summarises them "
                   "(9 percentiles, a 30-bin histogram) to distributions.jsonl")
    p.set_defaults(func=run)


def _distributions_parse(text: str) -> int:
    from visualizer.core.distributions import check_every

    return check_every(parse_whole_number(text, ""))


_distributions_arg = argparse_type(_distributions_parse, "whole number")


def add_train_options(p: argparse.ArgumentParser) -> None:
    """The options of a run (shared with `convviz sweep`, which lets each take a comma list)."""
    d = _defaults()
    p.add_argument("--net", default=d.net, metavar="NAME|FILE",
                   help="a preset (mnist-net1, mnist-net2) or an architecture JSON file with 1×28×28 input "
                   "and 10 outputs (default: %(default)s)")
    p.add_argument("--loss", choices=("ce", "l2"), default=d.loss,
                   help="ce: cross-entropy; l2: mean squared error of the softmax output against the "
                   "one-hot label (default: %(default)s)")
    p.add_argument("--optimizer", choices=("sgdm", "sgd", "adam"), default=d.optimizer,
                   help="sgdm: SGD with momentum; sgd; adam (default: %(default)s)")
    p.add_argument("--lr", type=number_arg, default=d.lr, metavar="X", help="learning rate (default: %(default)s)")
    p.add_argument("--momentum", type=number_arg, default=d.momentum, metavar="X",
                   help="momentum for sgdm (default: %(default)s)")
    p.add_argument("--epochs", type=whole_number_arg, default=d.epochs, metavar="N", help="default: %(default)s")
    p.add_argument("--batch-size", type=whole_number_arg, default=d.batch_size, metavar="N", help="default: %(default)s")
    p.add_argument("--train-size", type=whole_number_arg, default=d.train_size, metavar="N",
                   help="training images, taken from the 60,000 (default: %(default)s)")
    p.add_argument("--val-size", type=whole_number_arg, default=d.val_size, metavar="N",
                   help="validation images, also from the 60,000 (default: %(default)s)")
    p.add_argument("--test-size", type=whole_number_arg, default=d.test_size, metavar="N",
                   help="test images, from the 10,000 (default: %(default)s)")
    p.add_argument("--seed", type=whole_number_arg, default=d.seed, metavar="N",
                   help="fixes the split, the initial weights and the batch order (default: %(default)s)")
    p.add_argument("--weight-decay", type=number_arg, default=d.weight_decay, metavar="X",
                   help="weight decay λ, L2 regularisation (a penalty (λ/2)·Σw², not the l2 loss): the "
                   "optimizer adds λ·w to each gradient (PyTorch's weight_decay; with adam it is scaled "
                   "like the gradient, not AdamW's decoupled decay; e.g. 1e-3; default: %(default)s)")
    p.add_argument("--dropout", type=number_arg, default=d.dropout, metavar="P",
                   help="insert Dropout(P) before each Linear layer, 0 ≤ P < 1 (active in training only; "
                   "default: %(default)s)")
    p.add_argument("--early-stopping", type=whole_number_arg, default=d.early_stopping, metavar="N",
                   help="stop after N epochs without a lower validation loss and keep the best epoch's "
                   "weights (0: off; default: %(default)s)")
    p.add_argument("--device", type=device_arg, default=d.device, metavar="auto|cpu|cuda[:N]|mps",
                   help="auto: CUDA, then MPS, then CPU; cuda:N the N-th GPU (default: %(default)s)")
    p.add_argument("--data", metavar="DIR", default=None,
                   help="folder with the four MNIST files (default: $CONVVIZ_DATA, then the app's data folder)")
    p.add_argument("--report-every", type=whole_number_arg, default=d.report_every, metavar="N",
                   help="examples between history.csv rows (default: %(default)s)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder for metrics.json, history.csv and model.pt: a new or empty one")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the ConvViz run already in --out (its run files only; other files stay), "
                   "once the new run is ready to write")
    p.add_argument("--download", action="store_true",
                   help="if MNIST is not found, download it first (into --data DIR, else the app's data "
                   "folder), md5-checked")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _threads_parse(text: str) -> int:
    """--threads: a whole number from 1 to TrainConfig's largest thread count."""
    from visualizer.core.training import MAX_THREADS

    return parse_whole_number(text, "", minimum=1, maximum=MAX_THREADS)


threads_arg = argparse_type(_threads_parse, "whole number")


#: Architecture numbers above this (channels, kernel sizes, …) are typos that torch cannot build.
MAX_NET_NUMBER = 10**9


def _check_net_numbers(doc, what: str) -> None:
    stack = [doc]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_NET_NUMBER:
            raise UserInputError(f"{what} holds the number {excerpt(str(v), 30)}; numbers in an architecture "
                                 f"must be at most {MAX_NET_NUMBER:,}")


def _net_argument(value: str):
    """A preset name stays a name (even if a file of that name lies in the current folder); a
    *.json path or another existing file is read as an architecture document."""
    from visualizer.core.architecture import preset_names

    path = Path(value).expanduser()
    if value.lower().endswith(".json") or (path.is_file() and value not in preset_names()):
        if not path.exists():
            raise UserInputError(f"net file {value} not found")
        doc = read_json_file(path, f"net file {value}")
        if not isinstance(doc, dict):
            raise UserInputError(f"net file {value} must hold a JSON object (an architecture)")
        _check_net_numbers(doc, f"net file {value}")
        if not doc.get("name"):
            doc["name"] = path.stem
        return doc
    return value


def _fmt_time(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressBar:
    """A text progress bar on a stream. On a terminal it redraws one line (at most 10 times a
    second); in a pipe or a log file it prints a full line every 5 % and at each epoch."""

    WIDTH = 24

    def __init__(self, stream=None, total: int = 1, epochs: int = 1):
        self.stream = stream if stream is not None else sys.stderr
        self.total = max(1, total)
        self.epochs = epochs
        try:
            self.tty = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.tty = False
        self._last_draw = 0.0
        self._last_step = -1
        self._open_line = False
        self._broken = False  # stderr full or closed: the run goes on without a progress bar

    def _emit(self, text: str) -> None:
        if self._broken:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self._broken = True

    def line(self, seen: int, loss: float | None, acc: float | None, sps: float, extra: str = "") -> str:
        frac = min(1.0, seen / self.total)
        filled = int(frac * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        epoch = min(self.epochs, int(seen * self.epochs / self.total) + 1) if frac < 1 else self.epochs
        parts = [f"[{bar}] {frac * 100:5.1f}%", f"epoch {epoch}/{self.epochs}"]
        if loss is not None:
            parts.append(f"loss {loss:.4f}")
        if acc is not None:
            parts.append(f"acc {acc * 100:.1f}%")
        if sps > 0:
            parts.append(f"{sps:,.0f} samples/s")
            parts.append(f"ETA {_fmt_time((self.total - seen) / sps)}")
        if extra:
            parts.append(extra)
        return "  ".join(parts)

    def update(self, seen: int, loss, acc, sps, extra: str = "", force: bool = False) -> None:
        text = self.line(seen, loss, acc, sps, extra)
        if self.tty:
            now = time.monotonic()
            if not force and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            self._emit("\r" + text + "\x1b[K")
            self._open_line = True
        else:
            step = int(20 * seen / self.total)
            if not force and step == self._last_step:
                return
            self._last_step = step
            self._emit(text + "\n")

    def message(self, text: str) -> None:
        if self._open_line:
            self._open_line = False
            self._emit("\r\x1b[K" + text + "\n")
        else:
            self._emit(text + "\n")

    def close(self) -> None:
        if self._open_line:
            self._open_line = False
            self._emit("\n")
        else:
            self._emit("")


def _progress_callback(bar: ProgressBar):
    from visualizer.core.training import Callback

    class _Progress(Callback):
        def on_batch_end(self, trainer, record):
            bar.update(record["examples_seen"], record["train_loss"], record["train_accuracy"],
                       record["samples_per_second"], "stopping…" if trainer.stop_requested else "")

        def on_epoch_end(self, trainer, record):
            bar.message(
                f"epoch {record['epoch']}/{trainer.config.epochs}: train loss {record['train_loss']:.4f} "
                f"acc {record['train_accuracy'] * 100:.2f}%  val loss {record['val_loss']:.4f} "
                f"acc {record['val_accuracy'] * 100:.2f}%  ({_fmt_time(record['elapsed_s'])})")

    return _Progress()


def build_config(args: argparse.Namespace):
    from visualizer.core.training import TrainConfig

    cfg = TrainConfig(
        net=_net_argument(args.net), loss=args.loss, optimizer=args.optimizer, lr=args.lr,
        momentum=args.momentum, epochs=args.epochs, batch_size=args.batch_size,
        train_size=args.train_size, val_size=args.val_size, test_size=args.test_size, seed=args.seed,
        device=args.device, report_every=args.report_every, data_dir=str(args.data or ""),
        weight_decay=args.weight_decay, dropout=args.dropout, early_stopping=args.early_stopping,
        num_threads=getattr(args, "threads", 0) or 0,
    )
    cfg.validate()
    return cfg


def _download(dest: Path, quiet: bool) -> None:
    from visualizer.core.mnist import download_mnist

    state = {"last": -1}

    def progress(done: int, total: int, name: str) -> None:
        if quiet or total <= 0:
            return
        pct = int(100 * done / total)
        if pct // 10 != state["last"] // 10 or done >= total:  # every 10 %, fine in a pipe too
            state["last"] = pct
            print(f"downloading MNIST into {dest}: {pct}% ({done / 1e6:.1f} of {total / 1e6:.1f} MB)",
                  file=sys.stderr, flush=True)

    download_mnist(dest, progress)


def _load_data(cfg, args):
    from visualizer.core.mnist import MnistNotFound, load_mnist

    try:
        return load_mnist(cfg.data_dir or None, cfg.train_size, cfg.val_size, cfg.test_size, cfg.seed)
    except MnistNotFound as exc:
        dest = fetch_mnist(exc, cfg.data_dir, args.download, args.quiet)
    return load_mnist(dest, cfg.train_size, cfg.val_size, cfg.test_size, cfg.seed)


def fetch_mnist(not_found: Exception, data: str | None, download: bool, quiet: bool) -> Path:
    """After MNIST was not found (`not_found`, a MnistNotFound): without --download, that error
    with the hint to add it; with --download, MNIST downloaded into `data` (--data DIR), else the
    app's data folder, and that folder returned (shared with `convviz sweep`)."""
    from visualizer.core import appdirs
    from visualizer.core.mnist import MnistNotFound

    if not download:
        raise MnistNotFound(f"{not_found} Or add --download to fetch it now.") from None
    dest = Path(data).expanduser() if data else appdirs.mnist_dir()
    _download(dest, quiet)
    return dest


def _check_out(out: Path, overwrite: bool) -> None:
    """--out must be new or empty, or (with --overwrite) hold a ConvViz run; never in use."""
    from visualizer.core.run_lock import RunLock
    from visualizer.core.runs import folder_contents, holds_run

    if out.exists() and not out.is_dir():
        raise UserInputError(f"--out {out} is a file, not a folder")
    busy = RunLock.busy(out, f"--out {out}")
    if busy is not None:
        raise busy
    if not out.is_dir():
        return
    contents = folder_contents(out)
    if not contents:
        return
    if not overwrite:
        shown = ", ".join(contents[:3]) + (", …" if len(contents) > 3 else "")
        raise UserInputError(f"--out {out} is not empty (it holds {shown}); choose a new folder, or add "
                             f"--overwrite to replace the ConvViz run in it")
    if not holds_run(out):
        raise UserInputError(f"--out {out} does not hold a ConvViz run (no config.json or metrics.json of ours); "
                             f"--overwrite replaces only a run: choose another folder")


def run(args: argparse.Namespace) -> int:
    """Train, with the run folder locked and SIGINT/SIGTERM/SIGHUP stopping cleanly."""
    cfg = build_config(args)
    out = Path(args.out).expanduser()
    _check_out(out, args.overwrite)
    state = {"signum": None, "trainer": None, "bar": None}

    def on_signal(signum, frame):
        trainer = state["trainer"]
        if state["signum"] is not None or trainer is None:
            raise stop_signals.QuitNow(signum)  # a second signal, or nothing to stop cleanly yet: quit at once
        state["signum"] = signum
        trainer.request_stop()
        name = stop_signals.signal_name(signum)
        if state["bar"] is not None:
            state["bar"].message(f"{name}: stopping after this batch "
                                 f"({stop_signals.second_signal_words(signum)} quits at once)…")

    def work(lock) -> int:
        lock.acquire()
        _check_out_after_lock(out, args.overwrite)
        return _train(cfg, args, out, state)

    return stop_signals.run_in_folder(out, on_signal, work)


def _check_out_after_lock(out: Path, overwrite: bool) -> None:
    """The same check once the lock is ours (a run that finished just before we took the lock)."""
    from visualizer.core.runs import folder_contents, holds_run

    contents = folder_contents(out)
    if contents and not overwrite:
        raise UserInputError(f"--out {out} is not empty (another run just wrote into it); choose a new folder, "
                             f"or add --overwrite")
    if contents and not holds_run(out):
        raise UserInputError(f"--out {out} does not hold a ConvViz run; --overwrite replaces only a run")


def _preload_torch() -> None:
    """Import torch and torch._dynamo (which the optimizer imports at its first use: 1.5 s and
    more) while the main thread reads MNIST, whose file reads let this thread run. Imports only:
    no tensors, no random numbers, so the run's numbers cannot depend on it."""
    try:
        import torch
        import torch._dynamo  # noqa: F401
    except Exception:  # noqa: BLE001  (the run itself reports a broken torch)
        pass


def _train(cfg, args, out: Path, state: dict) -> int:
    from visualizer.core.runs import RunWriter
    from visualizer.core.threads import CpuWindow
    from visualizer.core.training import Trainer, TrainingFailed

    window = CpuWindow()  # counts the free cores while MNIST loads (core.threads)
    threading.Thread(target=_preload_torch, name="preload torch", daemon=True).start()
    data = _load_data(cfg, args)
    if not cfg.num_threads:
        cfg.num_threads = window.default_threads()
    bar = ProgressBar(sys.stderr, cfg.epochs * cfg.train_size, cfg.epochs)
    from visualizer.core.distributions import recorder_for

    callbacks = [RunWriter(out), recorder_for(out, getattr(args, "distributions", None), data.val_images)]
    if not args.quiet:
        callbacks.append(_progress_callback(bar))
    trainer = Trainer(cfg, data, callbacks)
    if not args.quiet:
        bar.message(f"training {cfg.net_name} on {trainer.device}: {cfg.train_size:,} training / "
                    f"{cfg.val_size:,} validation / {cfg.test_size:,} test images, {cfg.epochs} epochs")
    state["bar"] = bar
    state["trainer"] = trainer
    try:
        result = trainer.run()
    except TrainingFailed as exc:
        bar.close()
        stop_signals.say_line(f"convviz: error: training failed: {exc} (status \"failed\" in {out / 'metrics.json'})")
        return EXIT_RUN_FAILED
    finally:
        state["trainer"] = None
        bar.close()

    f = result.final

    def pct(v):
        return "n/a" if v is None else f"{v * 100:.2f}%"

    print(f"{f['status']}: train {pct(f['train_accuracy'])}, validation {pct(f['val_accuracy'])}, "
          f"test {pct(f['test_accuracy'])} after {f['epochs_completed']} epoch(s), "
          f"{_fmt_time(f['wall_time_s'])}, {f['samples_per_second']:,.0f} samples/s on {f['device']}"
          + (f", stopped early: best epoch {f.get('best_epoch')} kept" if f.get("stopped_early") else "")
          + f" -> {out}")
    if state["signum"] is not None:
        return 128 + int(state["signum"])
    if f["status"] == "diverged":
        stop_signals.say_line(f"convviz: the run diverged: {f.get('reason') or 'the loss is not a finite number'}")
        return EXIT_RUN_FAILED
    return 0
