"""What the PyInstaller spec leaves out of the bundle, as plain functions (tested without PyInstaller).

`convviz.spec` loads this file by path (the folder is named `packaging`, like the PyPI package, so
it is not imported as `packaging.bundle_filter`) and keeps only the TOC entries `keep()` accepts:

- torch's own C++ test programs and tools: `torch/test/` and `torch/bin/` (test_api, test_jit,
  test_lazy, the *StoreTest programs, protoc, test models); the app never runs them. Only
  `torch/bin/torch_shm_manager` stays: `import torch` on Linux and macOS raises if it is missing.
- Qt modules ConvViz never uses: Pdf, Qml, Quick, VirtualKeyboard, Test (and their sub-libraries
  such as QmlModels or QuickControls2), their Python bindings, and the two plugins that drag them
  in: the PDF image-format plugin and the virtual-keyboard input-context plugin.

Entries are matched on their destination path inside the bundle, with / or \\ separators, so the
same rules serve Linux (libQt6Pdf.so.6), Windows (Qt6Pdf.dll) and macOS (QtPdf.framework/...).
"""

from __future__ import annotations

import re
from typing import Iterable

#: Folders (bundle-relative, / separators) dropped with everything under them …
DROPPED_FOLDERS = ("torch/test/", "torch/bin/")
#: … except these files (torch/__init__.py checks that torch_shm_manager exists).
KEPT_FILES = ("torch/bin/torch_shm_manager", "torch/bin/torch_shm_manager.exe")

#: Qt modules dropped: their libraries, Python bindings, plugins, QML files and translations.
DROPPED_QT_MODULES = ("Pdf", "Qml", "Quick", "VirtualKeyboard", "Test")

#: Plugins that link the dropped modules (they would pull them back in).
DROPPED_QT_PLUGINS = (
    "imageformats/libqpdf", "imageformats/qpdf",                        # QtPdf
    "platforminputcontexts/libqtvirtualkeyboardplugin",                 # QtVirtualKeyboard → Quick, Qml
    "platforminputcontexts/qtvirtualkeyboardplugin",
)

# A Qt library or binding named after a dropped module, including its sub-libraries (QmlModels,
# QuickControls2, PdfWidgets, VirtualKeyboardSettings …); "Test" is matched exactly. An optional
# "d" before the dot is Windows' debug build (Qt6Testd.dll).
_QT_LIBRARY = re.compile(
    r"(?:^|/)(?:lib)?(?:Qt6?|pyside6)(?:Pdf\w*|Qml\w*|Quick\w*|VirtualKeyboard\w*|Test)"
    r"(?:\.|d\.|/|$)",
    re.IGNORECASE,
)
# QML files and the Qt Quick/QML plugin folders (PySide6/Qt/qml/..., plugins/qmltooling/...).
_QT_FOLDERS = re.compile(r"(?:^|/)PySide6/(?:Qt/)?(?:qml/|plugins/qmltooling/|plugins/qmllint/)", re.IGNORECASE)
# Qt's translations of the dropped modules (qtquick*_de.qm, qtvirtualkeyboard_fr.qm …).
_QT_TRANSLATION = re.compile(r"(?:^|/)translations/qt(?:pdf|qml|quick|virtualkeyboard|test)\w*\.qm$", re.IGNORECASE)


def normalize(dest: str) -> str:
    return dest.replace("\\", "/")


def dropped(dest: str) -> bool:
    """True if the bundle entry with destination path `dest` is left out."""
    path = normalize(dest)
    if path.startswith(DROPPED_FOLDERS):
        return path not in KEPT_FILES
    if any(f"/{plugin}." in f"/{path}" for plugin in DROPPED_QT_PLUGINS):
        return True
    return bool(_QT_LIBRARY.search(path) or _QT_FOLDERS.search(path) or _QT_TRANSLATION.search(path))


def keep(entries: Iterable[tuple]) -> list[tuple]:
    """The TOC entries (dest, source, typecode) that stay in the bundle."""
    return [entry for entry in entries if not dropped(entry[0])]
