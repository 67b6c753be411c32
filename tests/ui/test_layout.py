"""Every tab whole on a lecture-hall screen (issue 26): each tab and example (every Shapes preset,
the explorer's course examples, the Network tab's nets, an opened map and its hand-over to the
explorer) at 1024×768, 1280×800 and 1920×1080, in normal mode and in lecture mode at Ctrl+plus ×0
to ×3, has a minimum size within the screen and nothing off
screen, cut or elided, as `convviz snapshot --report` sees it. One window per screen size, each
in a process of its own (Qt's offscreen screen size is fixed when Qt starts); the three run at once.

The inspector itself (`layout_report.clipped_widgets`) is held to widgets cut on purpose."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from visualizer.core.architecture import preset_names
from visualizer.ui.shell.layout_report import clipped_widgets, layout_report
from visualizer.ui.shell.snapshot import SCREENS

REPO = Path(__file__).resolve().parents[2]

VIEWS = [
    {"tab": "conv", "example": "course-example"},
    {"tab": "conv", "example": "course-stride2-pad1", "step": 4},
    {"tab": "conv", "example": "course-stride1-pad2", "step": 13},
    {"tab": "conv", "example": "course-1x1x3"},
    {"tab": "conv", "example": "course-1x1x3", "step": 5300},  # the window's neighbourhood, numbered
    {"tab": "shapes"},
    *({"tab": "shapes", "example": name} for name in preset_names()),  # every preset
    {"tab": "training"},
    {"tab": "network"},
    {"tab": "network", "net": "mnist-net1", "open": "conv2:3"},
    {"tab": "network", "net": "mnist-net2", "open": "conv2:1"},
    # the hand-over: that map's 8-channel convolution in the explorer
    {"tab": "network", "net": "mnist-net1", "open": "conv2:3", "explorer": True},
]
#: Every view in normal mode and in lecture mode at Ctrl+plus ×0 to ×3 (the issue's "zoom 0 to 3").
ALL_VIEWS = [dict(v) for v in VIEWS] + [dict(v, lecture=True, zoom=z) for z in range(4) for v in VIEWS]


def known_fault(size: tuple[int, int], view: dict) -> str | None:
    """Why `view` is cut at `size` today (a strict xfail: it turns into a failure once fixed, so the
    mark must go then), or None when it fits. None are known today."""
    return None


def _view_id(view: dict) -> str:
    return "-".join(str(v) if not isinstance(v, bool) else k for k, v in view.items())


def _cases():
    for size in SCREENS:
        for i, view in enumerate(ALL_VIEWS):
            why = known_fault(size, view)
            marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
            yield pytest.param(size, i, marks=marks, id=f"{size[0]}x{size[1]}-{_view_id(view)}")


@pytest.fixture(scope="module")
def surveys(tmp_path_factory) -> dict:
    """Each screen size's reports, in ALL_VIEWS order (three processes at once)."""
    folder = tmp_path_factory.mktemp("layout")
    views = folder / "views.json"
    views.write_text(json.dumps(ALL_VIEWS), encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1")
    runs = {size: subprocess.Popen([sys.executable, "-m", "visualizer.ui.shell.snapshot", f"{size[0]}x{size[1]}",
                                    str(views)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True) for size in SCREENS}
    out = {}
    for size, run in runs.items():
        stdout, stderr = run.communicate(timeout=240)
        assert run.returncode == 0, stderr[-2000:]
        out[size] = json.loads(stdout)
    return out


@pytest.mark.parametrize("size, i", list(_cases()))
def test_every_view_fits_the_screen(surveys, size, i):
    report = surveys[size][i]
    assert report["size"] == list(size)
    w, h = report["minimum_size"]
    assert w <= size[0] and h <= size[1], f"minimum size {w}×{h} on a {size[0]}×{size[1]} screen"
    assert report["window"] == list(size)
    assert report["clipped"] == [], "\n".join(f"{c['widget']}: {c['why']}" for c in report["clipped"])


# -- the inspector ------------------------------------------------------------------------------
def _row(qtbot, *widgets, width=400):
    root = QWidget()
    qtbot.addWidget(root)
    row = QHBoxLayout(root)
    for w in widgets:
        row.addWidget(w)
    root.resize(width, 60)
    root.show()
    qtbot.waitExposed(root)
    return root


def test_the_inspector_names_cut_text_and_nothing_else(qtbot):
    long_text = "a label far too long for the fifty pixels it is given"
    cut_label, ok_label = QLabel(long_text), QLabel("fits")
    cut_label.setFixedWidth(50)
    cut_button = QPushButton("A button with a long caption")
    cut_button.setFixedWidth(40)
    combo = QComboBox()
    combo.addItem("learning rates: 0.1, 0.01, 0.0001")
    combo.setFixedWidth(60)
    root = _row(qtbot, cut_label, ok_label, cut_button, combo)
    found = {c["widget"]: c["why"] for c in clipped_widgets(root)}
    combo_name = "QComboBox 'learning rates: 0.1, 0.01, 0.0001'"
    assert set(found) == {f"QLabel '{long_text[:40]}…'", "QPushButton 'A button with a long caption'", combo_name}
    assert found[f"QLabel '{long_text[:40]}…'"].startswith("text cut")
    assert found["QPushButton 'A button with a long caption'"].startswith("text wider than the button")
    assert found[combo_name].startswith("current text 'learning rates")
    cut_label.setFixedWidth(400)
    cut_button.setFixedWidth(300)
    combo.setFixedWidth(300)
    root.resize(1100, 60)
    qtbot.waitUntil(lambda: root.width() == 1100)
    root.layout().activate()
    assert clipped_widgets(root) == []


def test_the_inspector_names_what_is_off_screen_or_outside_its_parent(qtbot):
    inner = QLabel("x")
    inner.setObjectName("inner")
    box = QWidget()
    box.setObjectName("box")
    box.setFixedSize(100, 40)
    root = _row(qtbot, box, width=300)
    inner.setParent(box)
    inner.setGeometry(80, 0, 50, 20)  # sticks out of the 100 px box
    inner.show()
    found = clipped_widgets(root)
    assert [c["widget"] for c in found] == ["box/inner"]
    assert found[0]["why"].startswith("extends beyond its parent box")
    inner.setGeometry(0, 0, 20, 20)
    assert clipped_widgets(root) == []
    # a screen narrower than the window: what lies beyond its edge is named
    report = layout_report(root, (box.geometry().right() - 20, 200))
    assert report["window"] == [root.width(), root.height()]
    assert [c["widget"] for c in report["clipped"]] == ["box"]
    assert "partly outside" in report["clipped"][0]["why"]
    assert QSize(*report["size"]) == QSize(box.geometry().right() - 20, 200)
