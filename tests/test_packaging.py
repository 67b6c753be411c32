"""Packaging files: icons at their sizes, a valid desktop entry, the installer script, the spec."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_icons_have_every_hicolor_size():
    for n in SIZES:
        assert png_size(PACKAGING / "icons" / f"convviz-{n}.png") == (n, n)
    for n in (16, 32, 48, 64, 128, 256):
        assert png_size(ROOT / "resources" / "icons" / f"convviz-{n}.png") == (n, n)
    assert (PACKAGING / "icons" / "convviz.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert (PACKAGING / "icons" / "convviz.icns").read_bytes()[:4] == b"icns"


def test_desktop_entry_is_well_formed():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(PACKAGING / "convviz.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "ConvViz"
    assert entry["Icon"] == "convviz" and entry["Exec"] and entry["Terminal"] == "false"
    categories = entry["Categories"].rstrip(";").split(";")
    assert "Education" in categories and "Science" in categories


@pytest.mark.skipif(sys.platform != "linux" or shutil.which("bash") is None, reason="Linux only")
def test_install_desktop_entry_for_the_user(tmp_path):
    program = tmp_path / "my apps" / "Conv$Viz"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "share"), PATH="/usr/bin:/bin")
    script = str(PACKAGING / "install-desktop-entry.sh")
    subprocess.run(["bash", script, str(program)], check=True, env=env, capture_output=True)
    share = tmp_path / "share"
    for n in SIZES:
        assert png_size(share / "icons" / "hicolor" / f"{n}x{n}" / "apps" / "convviz.png") == (n, n)
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / "convviz.svg").is_file()
    desktop = (share / "applications" / "convviz.desktop").read_text()
    # Quoted, with $ escaped (and that backslash doubled by the string-value rule).
    assert f'Exec="{tmp_path}/my apps/Conv\\\\$Viz"' in desktop
    assert "Icon=convviz" in desktop
    subprocess.run(["bash", script, "--uninstall"], check=True, env=env, capture_output=True)
    assert not (share / "applications" / "convviz.desktop").exists()
    missing = subprocess.run(["bash", script, str(tmp_path / "nothing")], env=env, capture_output=True, text=True)
    assert missing.returncode == 2 and "not an executable" in missing.stderr


def test_spec_collects_resources_where_the_app_looks_and_torch_as_pyz_py():
    spec = (PACKAGING / "convviz.spec").read_text()
    assert '"visualizer/resources"' in spec and 'module_collection_mode={"torch": "pyz+py"}' in spec
    assert 'name="ConvViz"' in spec
    launcher = (PACKAGING / "convviz_launcher.py").read_text()
    assert "from visualizer.cli import main" in launcher
