"""The package, the CLI entry point, resources and the core/Qt split."""

from __future__ import annotations

import configparser
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from visualizer import __version__
from visualizer.cli import main
from visualizer.resources import resource_path, resource_root

REPO = Path(__file__).resolve().parent.parent


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"ConvViz {__version__}"


def test_unknown_subcommand_is_one_line_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "frobnicate" in err


def test_python_dash_m_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "visualizer", "--version"], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0
    assert out.stdout.strip() == f"ConvViz {__version__}"


def test_core_imports_without_qt():
    """visualizer.core must import with PySide6 and pyqtgraph blocked (the napari-style contract)."""
    code = (
        "import sys, pkgutil, importlib\n"
        "for name in ('PySide6', 'pyqtgraph', 'shiboken6'): sys.modules[name] = None\n"
        "import visualizer.core as core\n"
        "mods = [m.name for m in pkgutil.walk_packages(core.__path__, 'visualizer.core.')]\n"
        "for m in mods: importlib.import_module(m)\n"
        "print(len(mods))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= 2


def test_resources_found():
    assert resource_root().is_dir()
    assert resource_path("icons", "convviz.svg").read_text().lstrip().startswith("<svg")


def test_wheel_ships_resources(tmp_path):
    pytest.importorskip("hatchling", reason="hatchling (from the test extra) builds the wheel")
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), "-q"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    wheel = next(tmp_path.glob("convviz-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "visualizer/resources/icons/convviz.svg" in names
    assert "visualizer/core/__init__.py" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    entry = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    # `convviz` keeps its console on every OS; `convviz-gui` is the launcher for menus (issue 29).
    groups = configparser.ConfigParser(interpolation=None)
    groups.read_string(entry)
    assert dict(groups["console_scripts"]) == {"convviz": "visualizer.cli:main"}
    assert dict(groups["gui_scripts"]) == {"convviz-gui": "visualizer.cli:launch"}
