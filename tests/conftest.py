"""Test set-up: no display, no user settings touched, no thread or window left behind."""

from __future__ import annotations

import os
import tempfile
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


@pytest.fixture(scope="session")
def fake_mnist(tmp_path_factory) -> Path:
    """Full-size gz files in the MNIST format whose images encode their index (written once)."""
    from tests.helpers.mnist import write_fake_mnist

    return write_fake_mnist(tmp_path_factory.mktemp("fake-mnist"))


# --- leak guards (napari-style): a test must not leave a running thread or an open window ---
@pytest.fixture(autouse=True)
def _no_leftover_threads_or_windows(request, monkeypatch):
    """Fails a test that leaves a thread it started running (naming where it was started) or a
    top-level window open. Runs after qtbot's teardown has closed the test's widgets."""
    from tests.helpers.leaks import ThreadWatch

    watch = ThreadWatch()
    uses_qt = "qtbot" in request.fixturenames or "qapp" in request.fixturenames
    if uses_qt:
        # As the app does (create_application): garbage cycles are collected on the GUI thread only,
        # so a worker thread never runs a Qt object's destructor (pytest-qt makes the QApplication).
        from visualizer.ui.shell.gc_guard import collect_on_gui_thread

        collect_on_gui_thread(request.getfixturevalue("qapp"))
    watch.install(monkeypatch)
    yield
    problems = _open_windows() if uses_qt else []
    problems = watch.leaked() + problems
    if problems:
        pytest.fail("; ".join(problems))


def _open_windows() -> list[str]:
    """Top-level windows still shown (each is closed), after the widgets the test let go of are
    deleted, on this thread and in a known order."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent, Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return []
    app.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    problems = []
    for w in app.topLevelWidgets():
        if w.isVisible() and w.windowType() not in (Qt.WindowType.ToolTip, Qt.WindowType.Popup):
            problems.append(f"window {type(w).__name__} ({w.windowTitle()!r}) left open")
            w.close()
    return problems
