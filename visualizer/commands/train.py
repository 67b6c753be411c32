"""`convviz train`: train an MNIST net headless, with the same engine and files as the app.

    convviz train [--net NAME|FILE] [--loss ce|l2] [--optimizer sgdm|sgd|adam] [--lr X]
                  [--momentum X] [--epochs N] [--batch-size N] [--train-size N] [--val-size N]
                  [--test-size N] [--seed N] [--device auto|cpu|cuda|mps] [--data DIR] --out DIR

Writes DIR/config.json, DIR/metrics.json, DIR/history.csv (rewritten at every reporting point, so
an interrupted run keeps what it logged), DIR/model.pt and DIR/results.npz at the end. A progress
bar goes to stderr; a one-line summary to stdout. Ctrl+C stops after the current batch, evaluates,
writes everything with status "stopped" and exits with 130; a second Ctrl+C quits at once.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

from visualizer.commands import COMMANDS
from visualizer.core.errors import UserInputError

_DEFAULTS = None


def _defaults():
    global _DEFAULTS
    if _DEFAULTS is None:
        from visualizer.core.training import TrainConfig

        _DEFAULTS = TrainConfig()
    return _DEFAULTS


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    d = _defaults()
    p = subparsers.add_parser(
        "train", help=COMMANDS["train"],
        description="Train a CNN on MNIST with the course's setup (defaults: mnist-net1,\n"
        "cross-entropy, SGD with momentum 0.5, lr 0.01, 8 epochs, batch 128, 50,000/10,000\n"
        "train/validation split, 10,000 test images). Writes metrics.json, history.csv and\n"
        "model.pt to --out, with a progress bar on stderr.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  convviz train --out runs/course                      # the course's run\n"
        "  convviz train --lr 0.1 --out runs/lr0.1              # the learning-rate experiment\n"
        "  convviz train --loss l2 --out runs/l2                # cross-entropy against L2\n"
        "  convviz train --net mnist-net2 --out runs/net2       # fewer kernels\n"
        "  convviz train --net my_net.json --epochs 2 --train-size 5000 --out runs/quick\n"
        "Ctrl+C stops after the current batch and still writes the files (status \"stopped\", exit 130).")
    p.add_argument("--net", default=d.net, metavar="NAME|FILE",
                   help="a preset (mnist-net1, mnist-net2) or an architecture JSON file with 1×28×28 input "
                   "and 10 outputs (default: %(default)s)")
    p.add_argument("--loss", choices=("ce", "l2"), default=d.loss,
                   help="ce: cross-entropy; l2: mean squared error of the softmax output against the "
                   "one-hot label (default: %(default)s)")
    p.add_argument("--optimizer", choices=("sgdm", "sgd", "adam"), default=d.optimizer,
                   help="sgdm: SGD with momentum; sgd; adam (default: %(default)s)")
    p.add_argument("--lr", type=float, default=d.lr, metavar="X", help="learning rate (default: %(default)s)")
    p.add_argument("--momentum", type=float, default=d.momentum, metavar="X",
                   help="momentum for sgdm (default: %(default)s)")
    p.add_argument("--epochs", type=int, default=d.epochs, metavar="N", help="default: %(default)s")
    p.add_argument("--batch-size", type=int, default=d.batch_size, metavar="N", help="default: %(default)s")
    p.add_argument("--train-size", type=int, default=d.train_size, metavar="N",
                   help="training images, taken from the 60,000 (default: %(default)s)")
    p.add_argument("--val-size", type=int, default=d.val_size, metavar="N",
                   help="validation images, also from the 60,000 (default: %(default)s)")
    p.add_argument("--test-size", type=int, default=d.test_size, metavar="N",
                   help="test images, from the 10,000 (default: %(default)s)")
    p.add_argument("--seed", type=int, default=d.seed, metavar="N",
                   help="fixes the split, the initial weights and the batch order (default: %(default)s)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default=d.device,
                   help="auto: CUDA, then MPS, then CPU (default: %(default)s)")
    p.add_argument("--data", metavar="DIR", default=None,
                   help="folder with the four MNIST files (default: $CONVVIZ_DATA, then the app's data folder)")
    p.add_argument("--report-every", type=int, default=d.report_every, metavar="N",
                   help="examples between history.csv rows (default: %(default)s)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for metrics.json, history.csv and model.pt")
    p.add_argument("--download", action="store_true",
                   help="if MNIST is not found, download it first (into --data DIR, else the app's data "
                   "folder), md5-checked")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _net_argument(value: str):
    """A preset name stays a name (even if a file of that name lies in the current folder); a
    *.json path or another existing file is read as an architecture document."""
    from visualizer.core.architecture import preset_names

    path = Path(value).expanduser()
    if value.lower().endswith(".json") or (path.is_file() and value not in preset_names()):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserInputError(f"net file {value} not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UserInputError(f"cannot read net file {value}: {exc}") from None
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserInputError(f"net file {value} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
        if not isinstance(doc, dict):
            raise UserInputError(f"net file {value} must hold a JSON object (an architecture)")
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
            self.stream.write("\r" + text + "\x1b[K")
            self._open_line = True
        else:
            step = int(20 * seen / self.total)
            if not force and step == self._last_step:
                return
            self._last_step = step
            self.stream.write(text + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        if self._open_line:
            self.stream.write("\r\x1b[K")
            self._open_line = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._open_line:
            self.stream.write("\n")
            self._open_line = False
        self.stream.flush()


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
    from visualizer.core import appdirs
    from visualizer.core.mnist import MnistNotFound, load_mnist

    try:
        return load_mnist(cfg.data_dir or None, cfg.train_size, cfg.val_size, cfg.test_size, cfg.seed)
    except MnistNotFound as exc:
        if not args.download:
            raise MnistNotFound(f"{exc} Or add --download to fetch it now.") from None
    dest = Path(cfg.data_dir).expanduser() if cfg.data_dir else appdirs.mnist_dir()
    _download(dest, args.quiet)
    return load_mnist(dest, cfg.train_size, cfg.val_size, cfg.test_size, cfg.seed)


def run(args: argparse.Namespace) -> int:
    from visualizer.core.runs import RunWriter
    from visualizer.core.training import Trainer

    cfg = build_config(args)
    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        raise UserInputError(f"--out {out} is a file, not a folder")
    data = _load_data(cfg, args)
    bar = ProgressBar(sys.stderr, cfg.epochs * cfg.train_size, cfg.epochs)
    callbacks = [RunWriter(out)]
    if not args.quiet:
        callbacks.append(_progress_callback(bar))
    trainer = Trainer(cfg, data, callbacks)
    if not args.quiet:
        bar.message(f"training {cfg.net_name} on {trainer.device}: {cfg.train_size:,} training / "
                    f"{cfg.val_size:,} validation / {cfg.test_size:,} test images, {cfg.epochs} epochs")

    interrupted = False

    def on_sigint(signum, frame):  # first Ctrl+C: stop cleanly; second: the default (quit now)
        nonlocal interrupted
        interrupted = True
        trainer.request_stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        bar.message("stopping after this batch (Ctrl+C again to quit at once)…")

    old = None
    try:
        old = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread (e.g. called from a test thread): no handler
        pass
    try:
        result = trainer.run()
    finally:
        bar.close()
        if old is not None:
            signal.signal(signal.SIGINT, old)

    f = result.final

    def pct(v):
        return "n/a" if v is None else f"{v * 100:.2f}%"

    print(f"{f['status']}: train {pct(f['train_accuracy'])}, validation {pct(f['val_accuracy'])}, "
          f"test {pct(f['test_accuracy'])} after {f['epochs_completed']} epoch(s), "
          f"{_fmt_time(f['wall_time_s'])}, {f['samples_per_second']:,.0f} samples/s on {f['device']} -> {out}")
    if interrupted:
        return 130
    return 0
