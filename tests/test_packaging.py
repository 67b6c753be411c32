"""Packaging files: icons at their sizes, a valid desktop entry, the installer script, the spec
and what it leaves out of the bundle."""

from __future__ import annotations

import configparser
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
VALIDATOR = shutil.which("desktop-file-validate")
needs_validator = pytest.mark.skipif(
    VALIDATOR is None, reason="desktop-file-validate is not installed (apt-get install desktop-file-utils)"
)
linux_bash = pytest.mark.skipif(sys.platform != "linux" or shutil.which("bash") is None, reason="Linux only")


def load_bundle_filter():
    # packaging/ shares its name with the PyPI package `packaging`, so load the file by path.
    spec = importlib.util.spec_from_file_location("convviz_bundle_filter", PACKAGING / "bundle_filter.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([VALIDATOR, str(path)], capture_output=True, text=True)


def fake_program(tmp_path: Path) -> Path:
    program = tmp_path / "my apps" / "Conv$Viz"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    return program


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
    assert entry["Version"] == "1.4"  # the newest version desktop-file-validate 0.26 knows
    categories = entry["Categories"].rstrip(";").split(";")
    # Exactly one main category, so the app appears once in a menu.
    main = {"AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics", "Network",
            "Office", "Science", "Settings", "System", "Utility"}
    assert [c for c in categories if c in main] == ["Education"]


@needs_validator
def test_desktop_entry_passes_desktop_file_validate():
    result = validate(PACKAGING / "convviz.desktop")
    # Not even a hint (such as "more than one main category").
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


@needs_validator
@linux_bash
def test_installed_desktop_entry_passes_desktop_file_validate(tmp_path):
    program = fake_program(tmp_path)
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "share"), PATH=f"{Path(VALIDATOR).parent}:/usr/bin:/bin")
    run = subprocess.run(["bash", str(PACKAGING / "install-desktop-entry.sh"), str(program)],
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    result = validate(tmp_path / "share" / "applications" / "convviz.desktop")
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


@needs_validator
@linux_bash
def test_install_refuses_an_invalid_entry_loudly(tmp_path):
    # A copy of the files the script uses, with a desktop entry the validator rejects.
    repo = tmp_path / "repo"
    shutil.copytree(PACKAGING / "icons", repo / "packaging" / "icons")
    shutil.copy2(PACKAGING / "install-desktop-entry.sh", repo / "packaging")
    (repo / "resources" / "icons").mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "icons" / "convviz.svg", repo / "resources" / "icons")
    entry = (PACKAGING / "convviz.desktop").read_text().replace("Version=1.4", "Version=1.5")
    (repo / "packaging" / "convviz.desktop").write_text(entry)
    program = fake_program(tmp_path)
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "share"), PATH=f"{Path(VALIDATOR).parent}:/usr/bin:/bin")
    run = subprocess.run(["bash", str(repo / "packaging" / "install-desktop-entry.sh"), str(program)],
                         env=env, capture_output=True, text=True)
    assert run.returncode == 1
    assert "desktop-file-validate rejects the entry" in run.stderr and '"1.5"' in run.stderr
    assert "added to the application menu" not in run.stdout
    applications = tmp_path / "share" / "applications"
    assert not (applications / "convviz.desktop").exists()
    assert not [p for p in applications.iterdir() if p.name.startswith(".convviz")]  # no leftovers


@linux_bash
def test_install_desktop_entry_for_the_user(tmp_path):
    program = fake_program(tmp_path)
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
    # The spec filters its TOCs through bundle_filter, and excludes the dropped Qt bindings.
    assert "bundle_filter.keep(a.binaries)" in spec and "bundle_filter.keep(a.datas)" in spec
    for module in ("QtPdf", "QtQml", "QtQuick", "QtTest"):
        assert f'"PySide6.{module}"' in spec


def test_bundle_filter_drops_torch_bin_and_the_unused_qt_modules():
    bf = load_bundle_filter()
    dropped = [
        # torch's C++ test programs and protoc
        "torch/bin/test_api", "torch/bin/test_jit", "torch/bin/test_lazy", "torch/bin/TCPStoreTest",
        "torch/bin/FileStoreTest", "torch/bin/HashStoreTest", "torch/bin/protoc", "torch/bin/protoc-3.13.0.0",
        "torch/bin/upgrader_models/test_versioned_div_tensor_v2.ptl", "torch/test/some_test",
        "torch\\bin\\protoc.exe",
        # Qt libraries (Linux, with the symlinks PyInstaller puts at the top), bindings, plugins
        "PySide6/Qt/lib/libQt6Pdf.so.6", "PySide6/Qt/lib/libQt6Qml.so.6", "PySide6/Qt/lib/libQt6QmlModels.so.6",
        "PySide6/Qt/lib/libQt6QmlMeta.so.6", "PySide6/Qt/lib/libQt6QmlWorkerScript.so.6",
        "PySide6/Qt/lib/libQt6Quick.so.6", "PySide6/Qt/lib/libQt6VirtualKeyboard.so.6",
        "PySide6/Qt/lib/libQt6VirtualKeyboardQml.so.6", "PySide6/Qt/lib/libQt6Test.so.6",
        "libQt6Qml.so.6", "libQt6Pdf.so.6", "PySide6/QtTest.abi3.so", "PySide6/QtQml.abi3.so",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "PySide6/Qt/qml/QtQuick/Controls/qmldir",
        # Windows and macOS names of the same
        "PySide6\\Qt6Pdf.dll", "PySide6\\Qt6Quick.dll", "PySide6\\Qt6Test.dll", "PySide6\\plugins\\imageformats\\qpdf.dll",
        "PySide6/Qt/lib/QtQml.framework/Versions/A/QtQml",
    ]
    kept = [
        "torch/bin/torch_shm_manager",  # import torch raises without it
        "torch/lib/libtorch_cpu.so", "torch/lib/libc10.so", "torch/_C.cpython-311-x86_64-linux-gnu.so",
        "torch/testing/_comparison.py",
        "PySide6/Qt/lib/libQt6Core.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6Svg.so.6", "PySide6/Qt/lib/libQt6OpenGL.so.6", "PySide6/Qt/lib/libQt6DBus.so.6",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6", "PySide6/Qt/lib/libQt6WaylandClient.so.6",
        "PySide6/QtCore.abi3.so", "PySide6/QtSvg.abi3.so", "PySide6/QtWidgets.abi3.so", "PySide6/libpyside6.abi3.so.6.11",
        "PySide6/Qt/plugins/imageformats/libqsvg.so", "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/Qt/translations/qtbase_de.qm", "PySide6/Qt/translations/qt_de.qm",
        "PySide6\\Qt6Core.dll", "PySide6\\plugins\\imageformats\\qsvg.dll",
        "visualizer/resources/guide/01-welcome.html", "pyqtgraph/graphicsItems/PlotItem/PlotItem.py",
        "scipy/linalg/_flapack.cpython-311-x86_64-linux-gnu.so",
    ]
    assert [d for d in dropped if not bf.dropped(d)] == []
    assert [k for k in kept if bf.dropped(k)] == []
    toc = [(name, f"/src/{name}", "BINARY") for name in dropped + kept]
    assert [entry[0] for entry in bf.keep(toc)] == kept
