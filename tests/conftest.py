"""Test set-up: no display, no user settings touched, no thread or window left behind."""

from __future__ import annotations

import os
import tempfile
import weakref
from pathlib import Path

# Before anything imports Qt: render offscreen, keep settings and data in a throwaway home.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
_TMP_HOME = Path(tempfile.mkdtemp(prefix="convviz-tests-"))
os.environ["XDG_CONFIG_HOME"] = str(_TMP_HOME / "config")
os.environ["XDG_DATA_HOME"] = str(_TMP_HOME / "data")
os.environ["XDG_CACHE_HOME"] = str(_TMP_HOME / "cache")
os.environ.pop("CONVVIZ_DATA", None)

import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
_MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def find_real_mnist() -> Path | None:
    """The real MNIST folder (../shared/data/mnist beside the checkout), or None."""
    candidates = [os.environ.get("CONVVIZ_TEST_MNIST"), REPO_ROOT.parent / "shared" / "data" / "mnist"]
    for c in candidates:
        if c and all((Path(c) / f).is_file() for f in _MNIST_FILES):
            return Path(c)
    return None


@pytest.fixture
def mnist_dir() -> Path:
    """Folder with the four original MNIST files; the test is skipped when they are absent."""
    found = find_real_mnist()
    if found is None:
        pytest.skip("real MNIST not found (set CONVVIZ_TEST_MNIST or place it in ../shared/data/mnist)")
    return found


# --- leak guards (napari-style): a test must not leave a running QThread or an open window ---
_threads: "weakref.WeakSet" = weakref.WeakSet()
_patched = False


def _patch_qthread_start() -> None:
    global _patched
    if _patched:
        return
    from PySide6.QtCore import QThread

    original = QThread.start

    def start(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _threads.add(self)
        return original(self, *args, **kwargs)

    QThread.start = start  # type: ignore[method-assign]
    _patched = True


@pytest.fixture(autouse=True)
def _no_leftover_threads_or_windows(request):
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    _patch_qthread_start()
    # As the app does (create_application): garbage cycles are collected on the GUI thread only,
    # so a worker thread never runs a Qt object's destructor (pytest-qt makes the QApplication).
    from visualizer.ui.shell.gc_guard import collect_on_gui_thread

    collect_on_gui_thread(request.getfixturevalue("qapp"))
    yield
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    problems = []
    for t in list(_threads):
        try:
            running = t.isRunning()
        except RuntimeError:  # already deleted on the C++ side
            continue
        if running:
            t.wait(5000)
            if t.isRunning():
                problems.append(f"QThread {t!r} still running after the test")
    if app is not None:
        import gc

        from PySide6.QtCore import QCoreApplication, QEvent

        app.processEvents()
        # Widgets the test let go of (qtbot's deleteLater, dropped wrappers) go now, on this thread
        # and in a known order, before the walk over the windows that are left.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        for w in app.topLevelWidgets():
            if w.isVisible() and w.windowType() not in (Qt.WindowType.ToolTip, Qt.WindowType.Popup):
                problems.append(f"window {type(w).__name__} ({w.windowTitle()!r}) left open")
                w.close()
    if problems:
        pytest.fail("; ".join(problems))
