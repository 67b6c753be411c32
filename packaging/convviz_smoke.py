"""Smoke test of ConvViz as a user starts it: the frozen bundle (`packaging/build.sh`) and, unfrozen,
the test suite (`tests/test_smoke.py`) run the same checks from this file.

Two halves:

- **The driver** (`python packaging/convviz_smoke.py [options] -- PROGRAM …`; standard library only,
  it runs outside the app). It runs PROGRAM's headless commands and checks what they print and write:
  `--version`; `conv` on the course example; `shapes --check` on a right table (exit 0) and on the
  table with two mistakes (exit 1, both named); a one-epoch `train` (skipped, and said so, without
  MNIST). Then it starts PROGRAM with no command, `CONVVIZ_SMOKE_GUI=1` and Qt's offscreen platform,
  and requires `smoke-gui: OK` and exit status 0 (a crash report makes it 1). Settings and data go to
  throwaway folders. build.sh passes the bundled binary; the test passes
  `python packaging/convviz_launcher.py`, the bundle's own entry script.
- **The GUI check** (`install()`), which `convviz_launcher.py` calls when `CONVVIZ_SMOKE_GUI=1` and
  there are no arguments; the app runs as always otherwise. Once the main window is up, its timer:
  shows every tab in turn (which builds it) and renders it to a pixmap; opens Help → Guide and every
  page of it, checking each page has text; loads the SVG app icon through Qt's image plugins (the
  bundle must still carry the SVG plugin). It prints one line per check and `smoke-gui: OK` at the
  end; on any failure the traceback and `smoke-gui: FAILED: …`, and the process exits at once with
  status 1. On success the window is closed by `CONVVIZ_QUIT_AFTER_MS` as in a plain run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

ENV = "CONVVIZ_SMOKE_GUI"
QUIT_AFTER_ENV = "CONVVIZ_QUIT_AFTER_MS"  # visualizer.app.QUIT_AFTER_ENV (not imported: see above)
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
               "t10k-labels-idx1-ubyte")


# --- the driver -----------------------------------------------------------------------------------
class SmokeFailure(Exception):
    """A check failed; the message says which and why."""


class SmokeSkipped(Exception):
    """A check could not run here (no MNIST); the message says why."""


@dataclass
class Smoke:
    """What the checks run and where: `program` is the command that starts ConvViz."""

    program: list[str]
    workdir: Path
    tables: Path
    mnist: Path | None = None
    train_sizes: tuple[int, int, int] = (1000, 200, 200)  # train, validation, test images
    quit_after_ms: int = 10000
    gui_timeout_s: float = 180
    command_timeout_s: float = 600
    extra_env: dict[str, str] = field(default_factory=dict)
    log: Callable[[str], None] = print

    def env(self) -> dict[str, str]:
        """The environment of every run: offscreen Qt and throwaway settings and data folders."""
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(self.workdir / "config"),
                   XDG_DATA_HOME=str(self.workdir / "data"))
        for name in (ENV, QUIT_AFTER_ENV):
            env.pop(name, None)
        env.update(self.extra_env)
        return env

    def run(self, args: Sequence[str], env: dict[str, str] | None = None,
            timeout: float | None = None) -> subprocess.CompletedProcess:
        self.log(f"== {' '.join(self.program)} {' '.join(args)}".rstrip())
        try:
            done = subprocess.run([*self.program, *args], env=env or self.env(), capture_output=True,
                                  text=True, encoding="utf-8", errors="replace",
                                  timeout=timeout or self.command_timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise SmokeFailure(f"{' '.join(args) or 'the GUI'} did not finish within {exc.timeout:.0f} s") from None
        except OSError as exc:
            raise SmokeFailure(f"cannot start {self.program[0]}: {exc.strerror or exc}") from None
        for text in (done.stdout, done.stderr):
            if text.strip():
                self.log(text.rstrip("\n"))
        return done

    def expect(self, args: Sequence[str], status: int = 0) -> subprocess.CompletedProcess:
        done = self.run(args)
        if done.returncode != status:
            raise SmokeFailure(f"`{' '.join(args)}` exited {done.returncode}, not {status}")
        return done


def check_version(smoke: Smoke) -> None:
    out = smoke.expect(["--version"]).stdout.strip()
    if not out.startswith("ConvViz "):
        raise SmokeFailure(f"--version printed {out!r}, not 'ConvViz <version>'")


def check_conv(smoke: Smoke) -> None:
    out = smoke.expect(["conv", "--input", "course-example", "--kernel", "course-normalized",
                        "--stride", "2", "--padding", "1"]).stdout
    rows = [line.split() for line in out.splitlines() if line.split() and all(map(is_number, line.split()))]
    if len(rows) != 3 or any(len(row) != 3 for row in rows):
        raise SmokeFailure(f"conv printed {out!r}, not the 3×3 output of the course example")


def is_number(word: str) -> bool:
    try:
        float(word.replace("\u2212", "-"))  # the app may print a true minus sign
    except ValueError:
        return False
    return True


def check_shapes(smoke: Smoke) -> None:
    right = smoke.tables / "mnist-net1.tsv"
    smoke.expect(["shapes", "mnist-net1", "--check", str(right), "--against", "mnist-net1"], status=0)
    wrong = smoke.tables / "mnist-net1-with-mistakes.csv"
    out = smoke.expect(["shapes", "mnist-net1", "--check", str(wrong)], status=1).stdout
    named = [line for line in out.splitlines() if line.startswith("row ")]
    if len(named) != 2:
        raise SmokeFailure(f"the check of {wrong.name} named {len(named)} mistakes, not 2")


def check_train(smoke: Smoke) -> None:
    if smoke.mnist is None:
        raise SmokeSkipped("no MNIST found (set CONVVIZ_SMOKE_DATA to a folder with the four MNIST files)")
    out = smoke.workdir / "run"
    train, val, test = (str(n) for n in smoke.train_sizes)
    smoke.expect(["train", "--data", str(smoke.mnist), "--epochs", "1", "--train-size", train,
                  "--val-size", val, "--test-size", test, "--quiet", "--out", str(out)])
    for name in ("metrics.json", "history.csv", "model.pt"):
        if not (out / name).is_file() or (out / name).stat().st_size == 0:
            raise SmokeFailure(f"train wrote no {name}")
    try:
        final = json.loads((out / "metrics.json").read_text(encoding="utf-8"))["final"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SmokeFailure(f"train wrote an unreadable metrics.json ({exc})") from None
    status = final.get("status") if isinstance(final, dict) else None
    if status != "completed":
        raise SmokeFailure(f"the training run ended {status!r}, not 'completed' (metrics.json)")


def check_gui(smoke: Smoke) -> None:
    env = dict(smoke.env(), **{ENV: "1", QUIT_AFTER_ENV: str(smoke.quit_after_ms)})
    done = smoke.run([], env=env, timeout=smoke.gui_timeout_s)
    if "smoke-gui: OK" not in done.stdout.splitlines():
        raise SmokeFailure("the GUI smoke test did not report OK")
    if done.returncode != 0:
        raise SmokeFailure(f"the GUI exited {done.returncode}, not 0 (a crash report?)")


#: The checks in the order build.sh runs them.
CHECKS: dict[str, Callable[[Smoke], None]] = {
    "version": check_version,
    "conv": check_conv,
    "shapes": check_shapes,
    "train": check_train,
    "gui": check_gui,
}


def find_mnist(candidates: Sequence[str | os.PathLike | None]) -> Path | None:
    """The first folder that holds the four MNIST files (gzipped or not), or None."""
    for folder in candidates:
        if folder and all((Path(folder) / f).is_file() or (Path(folder) / f"{f}.gz").is_file()
                          for f in MNIST_FILES):
            return Path(folder).resolve()
    return None


def run_all(smoke: Smoke) -> None:
    for name, check in CHECKS.items():
        try:
            check(smoke)
        except SmokeSkipped as exc:
            smoke.log(f"== {name}: SKIPPED, {exc}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="convviz_smoke.py", description="Run ConvViz's smoke checks on PROGRAM.")
    parser.add_argument("--tables", type=Path, required=True, help="folder of the homework tables to check")
    parser.add_argument("--mnist", type=Path, help="MNIST folder for the one-epoch train (default: "
                        "$CONVVIZ_SMOKE_DATA, $CONVVIZ_DATA, ../shared/data/mnist beside the repository; "
                        "the step is skipped when none holds MNIST)")
    parser.add_argument("--quit-after-ms", type=int, default=10000, help="the GUI closes after this (default 10000)")
    parser.add_argument("program", nargs="+", help="the command that starts ConvViz, e.g. dist/ConvViz/ConvViz")
    args = parser.parse_args(argv)
    if not args.tables.is_dir():
        parser.error(f"--tables {args.tables} is not a folder")
    if args.quit_after_ms < 1:
        parser.error(f"--quit-after-ms must be a positive number of milliseconds, not {args.quit_after_ms}")
    if args.mnist is not None and find_mnist([args.mnist]) is None:
        parser.error(f"--mnist {args.mnist} does not hold the four MNIST files")
    mnist = args.mnist or find_mnist([os.environ.get("CONVVIZ_SMOKE_DATA"), os.environ.get("CONVVIZ_DATA"),
                                      Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mnist"])
    with tempfile.TemporaryDirectory(prefix="convviz-smoke-") as work:
        smoke = Smoke(program=args.program, workdir=Path(work), tables=args.tables, mnist=mnist,
                      quit_after_ms=args.quit_after_ms, log=lambda line: print(line, flush=True))
        try:
            run_all(smoke)
        except SmokeFailure as exc:
            print(f"convviz_smoke.py: FAILED: {exc}", file=sys.stderr, flush=True)
            return 1
    return 0


# --- the GUI check, inside the app ----------------------------------------------------------------
def say(text: str) -> None:
    print(f"smoke-gui: {text}", flush=True)


def main_window(app):
    for widget in app.topLevelWidgets():
        if widget.objectName() == "MainWindow" and widget.isVisible():
            return widget
    return None


def check_tabs(window) -> None:
    tabs = window.tabs
    if tabs.count() == 0:
        raise RuntimeError("the main window has no tabs")
    for i in range(tabs.count()):
        tabs.setCurrentIndex(i)  # builds the tab if it is not built yet
        widget = tabs.widget(i)
        pixmap = widget.grab()
        if pixmap.isNull():
            raise RuntimeError(f"tab {tabs.tabText(i)!r} did not render")
        say(f"tab {i + 1} {tabs.tabText(i)!r}: {type(widget).__name__}, drawn {pixmap.width()}×{pixmap.height()}")
    panels = window.panels
    if len(panels) != tabs.count():
        raise RuntimeError(f"{len(panels)} panels for {tabs.count()} tabs")


def check_guide(window) -> None:
    window.dialogs.show_guide()  # what Help → Guide (F1) calls
    guide = window.dialogs.guide
    if guide is None or not guide.isVisible():
        raise RuntimeError("Help → Guide did not open")
    if not guide.pages:
        raise RuntimeError("the guide has no pages")
    for page in guide.pages:
        guide.open_page(page.file_name)
        if guide.current_page() != page.file_name:
            raise RuntimeError(f"guide page {page.file_name} did not open")
        if len(guide.browser.toPlainText().strip()) < 100:
            raise RuntimeError(f"guide page {page.file_name} is empty")
    if guide.grab().isNull():
        raise RuntimeError("the guide did not render")
    say(f"guide: {len(guide.pages)} pages opened ({', '.join(p.file_name for p in guide.pages)})")
    guide.close()


def check_icon() -> None:
    from PySide6.QtGui import QImage

    from visualizer.resources import resource_path

    svg = resource_path("icons") / "convviz.svg"
    image = QImage(str(svg))
    if image.isNull():
        raise RuntimeError(f"Qt cannot load {svg} (SVG image plugin missing?)")
    say(f"icon: {svg.name} loads ({image.width()}×{image.height()})")


def check(app) -> None:
    window = main_window(app)
    check_tabs(window)
    check_guide(window)
    check_icon()


def run(app, deadline: float) -> None:
    from PySide6.QtCore import QTimer

    if main_window(app) is None:  # still starting (or the event loop turned during start-up)
        if time.monotonic() < deadline:
            QTimer.singleShot(200, lambda: run(app, deadline))
            return
        fail("no visible main window after 60 s")
    try:
        check(app)
    except Exception:
        traceback.print_exc()
        fail("see the traceback above")
    say("OK")


def fail(reason: str) -> None:
    print(f"smoke-gui: FAILED: {reason}", file=sys.stderr, flush=True)
    sys.stdout.flush()
    # Exit at once: a clean quit could wait on the app's worker threads or on a crash dialog.
    os._exit(1)


def install(delay_ms: int = 500, wait_s: float = 60) -> None:
    """Create the QApplication (the app reuses it) and schedule the checks once the window shows."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    deadline = time.monotonic() + wait_s
    QTimer.singleShot(delay_ms, lambda: run(app, deadline))


if __name__ == "__main__":
    sys.exit(main())
