"""Packaging files: icons at their sizes, a valid desktop entry, the installer script, the spec
and what it leaves out of the bundle."""

from __future__ import annotations

import configparser
import importlib
import importlib.metadata
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
    assert entry["Icon"] == "convviz" and entry["Terminal"] == "false"
    # The GUI launcher (a gui-script: no console window on Windows), not the console command.
    assert entry["Exec"] == "convviz-gui" and entry["TryExec"] == "convviz-gui"
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
    assert "from visualizer.cli import launch" in launcher and "sys.exit(launch())" in launcher
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


# --- entry points: `convviz` keeps its console on every OS; `convviz-gui` is for menus ---------------
CONSOLE_SCRIPTS = {"convviz": "visualizer.cli:main"}
GUI_SCRIPTS = {"convviz-gui": "visualizer.cli:launch"}


def test_pyproject_declares_convviz_a_console_script_and_convviz_gui_a_gui_script():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"] == CONSOLE_SCRIPTS
    assert project["gui-scripts"] == GUI_SCRIPTS
    for target in (*CONSOLE_SCRIPTS.values(), *GUI_SCRIPTS.values()):
        module, _, name = target.partition(":")
        assert callable(getattr(importlib.import_module(module), name)), target


def test_installed_distribution_lists_convviz_among_console_scripts():
    try:
        dist = importlib.metadata.distribution("convviz")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("convviz is not installed in this environment (pip install -e .)")
    groups: dict[str, dict[str, str]] = {}
    for ep in dist.entry_points:
        groups.setdefault(ep.group, {})[ep.name] = ep.value
    console, gui = groups.get("console_scripts", {}), groups.get("gui_scripts", {})
    if "convviz" in gui and "convviz" not in console:
        pytest.skip(f"the installed metadata of convviz {dist.version} predates `convviz` as a console "
                    f"script (it lists it as a gui-script); reinstall: pip install -e .")
    assert {name: console.get(name) for name in CONSOLE_SCRIPTS} == CONSOLE_SCRIPTS
    assert {name: gui.get(name) for name in GUI_SCRIPTS} == GUI_SCRIPTS
    assert "convviz" not in gui


def test_gui_launcher_runs_without_a_console():
    # A Windows gui-script (pythonw) or windowed bundle starts with sys.stdout and sys.stderr None;
    # main() then failed on its last flush (exit 1 after a good run). launch() must not.
    code = ("import sys; sys.stdout = sys.stderr = None; sys.argv = ['convviz-gui'] + sys.argv[1:]\n"
            "from visualizer.cli import launch\nraise SystemExit(launch())\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))))
    for args, status in ((["--version"], 0), (["frobnicate"], 2)):
        run = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == status, run.stderr


# --- build.sh's options (no build: --help and --dry-run) ---------------------------------------------
def build_sh(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **(env_extra or {}))
    env.pop("CONVVIZ_VENV", None)
    if not env_extra or "TORCH_INDEX_URL" not in env_extra:
        env.pop("TORCH_INDEX_URL", None)
    return subprocess.run(["bash", str(PACKAGING / "build.sh"), *args], env=env, capture_output=True,
                          text=True, timeout=60)


@linux_bash
def test_build_sh_cpu_installs_torch_from_the_cpu_index_first():
    run = build_sh("--cpu", "--dry-run")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    torch_line = next(i for i, line in enumerate(lines) if " install -q torch " in line)
    assert lines[torch_line].endswith("--index-url https://download.pytorch.org/whl/cpu")
    # printf %q escapes the brackets of ".[package]"
    package_line = next(i for i, line in enumerate(lines) if line.endswith(("[package]", "[package\\]")))
    assert torch_line < package_line < next(i for i, line in enumerate(lines) if "PyInstaller" in line)
    default = build_sh("--dry-run")
    assert default.returncode == 0 and "--index-url" not in default.stdout


@linux_bash
def test_build_sh_help_and_bad_options():
    run = build_sh("--help")
    assert run.returncode == 0 and "--cpu" in run.stdout and "--dry-run" in run.stdout
    assert "831 MB" in run.stdout and "4.3 GB" in run.stdout
    for args, env_extra, words in ((["--gpu"], None, "unknown option '--gpu'"),
                                   (["--cpu", "--dry-run"], {"TORCH_INDEX_URL": "https://example.org/whl/cu128"},
                                    "give one of them")):
        bad = build_sh(*args, env_extra=env_extra)
        assert bad.returncode == 2 and bad.stdout == ""
        assert len(bad.stderr.splitlines()) == 1 and words in bad.stderr, bad.stderr
