"""No display, or a missing X11 library: one line and exit 2, before Qt can abort the process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from visualizer.ui.shell import preflight

REPO = Path(__file__).resolve().parents[3]


def test_no_display_is_one_line_and_exit_2():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "visualizer"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("convviz: error: no display found")


def test_the_choice_of_platform_is_respected():
    assert preflight.display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert preflight.display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert preflight.display_problem({}, "win32") is None and preflight.display_problem({}, "darwin") is None
    assert "no display" in preflight.display_problem({}, "linux")


def test_a_missing_xcb_library_names_the_package_to_install(monkeypatch):
    monkeypatch.setattr(preflight, "missing_xcb_libraries", lambda: ["libxcb-cursor.so.0"])
    text = preflight.display_problem({"DISPLAY": ":0"}, "linux")
    assert "libxcb-cursor.so.0" in text and "sudo apt install libxcb-cursor0" in text
    monkeypatch.setattr(preflight, "missing_xcb_libraries", lambda: [])
    assert preflight.display_problem({"DISPLAY": ":0"}, "linux") is None


def test_debian_package_names():
    assert preflight.debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert preflight.debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert preflight.debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"


def test_ldd_output_is_read_for_libraries_not_found(monkeypatch, tmp_path):
    plugin = tmp_path / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    plugin.parent.mkdir(parents=True)
    plugin.write_bytes(b"")
    monkeypatch.setattr(preflight, "_xcb_plugin", lambda: plugin)
    monkeypatch.setattr(preflight.shutil, "which", lambda name: "/usr/bin/ldd")

    class Done:
        stdout = ("\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x1)\n"
                  "\tlibxcb-cursor.so.0 => not found\n\tlibxcb-icccm.so.4 => not found\n")

    monkeypatch.setattr(preflight.subprocess, "run", lambda *a, **k: Done())
    assert preflight.missing_xcb_libraries() == ["libxcb-cursor.so.0", "libxcb-icccm.so.4"]
