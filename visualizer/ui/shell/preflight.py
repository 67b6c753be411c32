"""Can a window be shown here? Asked before the QApplication exists, because Qt aborts the whole
process (exit 134, with its own multi-line message) when it finds no display or its X11 platform
plugin cannot load its libraries. No Qt import here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


def display_problem(env: dict[str, str] | None = None, platform: str | None = None) -> str | None:
    """One sentence saying why no window can open, or None when it can (or when we cannot tell)."""
    env = dict(os.environ if env is None else env)
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None  # Windows and macOS always have their native platform plugin
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if chosen and chosen != "xcb":
        return None  # offscreen, wayland, vnc, …: the user chose; Qt will say if that fails
    if not chosen and env.get("WAYLAND_DISPLAY"):
        return None  # a Wayland session: Qt uses its wayland plugin
    if not env.get("DISPLAY"):
        return ("no display found (neither DISPLAY nor WAYLAND_DISPLAY is set): start ConvViz from a "
                "desktop session, or use its command-line tools (convviz --help)")
    missing = missing_xcb_libraries()
    if missing:
        packages = " ".join(debian_package(name) for name in missing)
        return (f"the Qt X11 platform plugin cannot load {', '.join(missing)}; on Debian or Ubuntu "
                f"install it with: sudo apt install {packages}")
    return None


def missing_xcb_libraries() -> list[str]:
    """Shared libraries that Qt's xcb plugin needs and the system lacks (by `ldd`; [] if unknown)."""
    plugin = _xcb_plugin()
    ldd = shutil.which("ldd")
    if plugin is None or ldd is None:
        return []
    missing: list[str] = []
    for lib in (plugin, *plugin.parent.parent.parent.glob("lib/libQt6XcbQpa.so*")):
        try:
            out = subprocess.run([ldd, str(lib)], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        for name in re.findall(r"^\s*(\S+)\s*=>\s*not found", out, re.MULTILINE):
            if name not in missing:
                missing.append(name)
    return missing


def debian_package(soname: str) -> str:
    """Debian's package for a library soname: libxcb-cursor.so.0 -> libxcb-cursor0,
    libxkbcommon-x11.so.0 -> libxkbcommon-x11-0 (a name ending in a digit takes a dash)."""
    m = re.match(r"(lib[\w+.-]+?)\.so\.(\d+)", soname)
    if not m:
        return soname
    base, major = m.groups()
    return f"{base}-{major}" if base[-1].isdigit() else f"{base}{major}"


def _xcb_plugin() -> Path | None:
    try:
        import importlib.util

        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        plugin = Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None
