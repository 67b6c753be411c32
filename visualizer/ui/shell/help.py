"""Help: the built-in guide, the keyboard shortcuts table and the About box.

The guide is a set of HTML pages in `resources/guide/` (named `NN-topic.html`, ordered by NN, the
page title taken from `<title>`), shown offline in a QTextBrowser beside a contents list.
The shortcuts table is built from the actions themselves, so it cannot drift from the menus.
"""

from __future__ import annotations

import html
import platform
import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from visualizer import __version__
from visualizer.resources import resource_path
from visualizer.ui.shell.quietly import set_quietly

_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


# --- the guide ------------------------------------------------------------------------------
@dataclass(frozen=True)
class GuidePage:
    file_name: str
    title: str
    path: Path


def guide_dir() -> Path:
    return resource_path("guide")


def guide_pages() -> list[GuidePage]:
    """The guide's pages in reading order."""
    folder = guide_dir()
    pages = []
    for path in sorted(folder.glob("[0-9][0-9]-*.html")):
        text = path.read_text(encoding="utf-8")
        match = _TITLE.search(text)
        title = html.unescape(match.group(1).strip()) if match else path.stem[3:].replace("-", " ").title()
        pages.append(GuidePage(path.name, title, path))
    return pages


class GuideDialog(QDialog):
    """The guide: contents on the left, the page on the right; links between pages work."""

    def __init__(self, parent: QWidget | None = None, page: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GuideDialog")
        self.setWindowTitle("ConvViz Guide")
        self.setAccessibleName("ConvViz guide")
        self.resize(980, 720)
        self.pages = guide_pages()

        self.contents = QListWidget(self)
        self.contents.setObjectName("guide_contents")
        self.contents.setAccessibleName("Guide contents")
        self.contents.setToolTip("Topics of the guide; pick one to read it")
        self.contents.setSpacing(3)
        for p in self.pages:
            item = QListWidgetItem(p.title, self.contents)
            item.setData(Qt.ItemDataRole.UserRole, p.file_name)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("guide_text")
        self.browser.setAccessibleName("Guide page")
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([str(guide_dir())])
        self.browser.document().setDocumentMargin(14)
        self.browser.sourceChanged.connect(self._sync_contents)

        self.find = QLineEdit(self)
        self.find.setPlaceholderText("Find in page (Enter for next)")
        self.find.setAccessibleName("Find in guide page")
        self.find.setToolTip("Type a word and press Enter to find it in the page shown")
        self.find.returnPressed.connect(self.find_next)
        self.back = QPushButton("◀ Back", self)
        self.back.setToolTip("Go back to the page read before")
        self.back.setAccessibleName("Back")
        self.back.clicked.connect(self.browser.backward)
        self.browser.backwardAvailable.connect(self.back.setEnabled)
        self.back.setEnabled(False)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        close.button(QDialogButtonBox.StandardButton.Close).setToolTip("Close the guide")

        split = QSplitter(self)
        split.addWidget(self.contents)
        split.addWidget(self.browser)
        split.setStretchFactor(1, 1)
        split.setSizes([230, 750])
        top = QHBoxLayout()
        top.addWidget(self.back)
        top.addWidget(self.find, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(close)

        self.contents.currentRowChanged.connect(self._open_row)
        if self.pages:
            self.open_page(page or self.pages[0].file_name)
        else:  # a broken installation: say so instead of an empty window
            self.browser.setHtml("<h2>The guide is missing</h2><p>The folder "
                                 f"{html.escape(str(guide_dir()))} holds no pages.</p>")

    def open_page(self, file_name: str, anchor: str = "") -> None:
        url = QUrl.fromLocalFile(str(guide_dir() / file_name))
        if anchor:
            url.setFragment(anchor)
        self.browser.setSource(url)

    def current_page(self) -> str:
        return Path(self.browser.source().toLocalFile()).name

    @Slot(int)
    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.pages) and self.current_page() != self.pages[row].file_name:
            self.open_page(self.pages[row].file_name)

    @Slot(QUrl)
    def _sync_contents(self, url: QUrl) -> None:
        name = Path(url.toLocalFile()).name
        for row, p in enumerate(self.pages):
            if p.file_name == name and self.contents.currentRow() != row:
                set_quietly(self.contents, "setCurrentRow", row)

    @Slot()
    def find_next(self) -> None:
        text = self.find.text()
        if text and not self.browser.find(text):
            cursor = self.browser.textCursor()  # wrap around to the top
            cursor.movePosition(cursor.MoveOperation.Start)
            self.browser.setTextCursor(cursor)
            self.browser.find(text)


# --- keyboard shortcuts ---------------------------------------------------------------------
def action_keys(action: QAction) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()
                     if not s.isEmpty())


def clean_text(text: str) -> str:
    """An action's text as the user reads it: no '&' mnemonics (but '&&' is a real ampersand)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").replace("…", "").strip()


def shortcut_groups(menus: list[QMenu]) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(menu title, [(keys, action)])] for every action with a shortcut, submenus included."""
    groups = []
    for menu in menus:
        rows: list[tuple[str, str]] = []
        _collect(menu, rows, prefix="")
        if rows:
            groups.append((clean_text(menu.title()), rows))
    return groups


def _collect(menu: QMenu, rows: list[tuple[str, str]], prefix: str) -> None:
    for a in menu.actions():
        if a.isSeparator():
            continue
        if a.menu() is not None:
            _collect(a.menu(), rows, prefix + clean_text(a.menu().title()) + " › ")
            continue
        keys = action_keys(a)
        if keys:
            rows.append((keys, prefix + clean_text(a.text())))


class ShortcutsDialog(QDialog):
    """Every shortcut, grouped by menu, in a table that can be filtered."""

    def __init__(self, groups: list[tuple[str, list[tuple[str, str]]]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ShortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        self.resize(560, 620)
        self.groups = groups
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter, e.g. “zoom” or “Ctrl”")
        self.filter.setAccessibleName("Filter shortcuts")
        self.filter.setToolTip("Show only the shortcuts whose keys or action contain this text")
        self.filter.setClearButtonEnabled(True)
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("shortcuts_table")
        self.table.setAccessibleName("Shortcuts table")
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setShowGrid(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.filter.textChanged.connect(self.fill)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel("Shortcuts of a tool work while its tab is showing.", self))
        layout.addWidget(close)
        self.fill()

    @Slot()
    def fill(self, text: str = "") -> None:
        needle = (text or self.filter.text()).strip().lower()
        self.table.setRowCount(0)
        for group, rows in self.groups:
            shown = [r for r in rows if not needle or needle in r[0].lower() or needle in r[1].lower()]
            if not shown:
                continue
            row = self.table.rowCount()
            self.table.insertRow(row)
            header = QTableWidgetItem(group)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            header.setBackground(self.palette().color(QPalette.ColorRole.Button))
            header.setForeground(self.palette().color(QPalette.ColorRole.ButtonText))
            self.table.setItem(row, 0, header)
            self.table.setSpan(row, 0, 1, 2)
            for keys, action in shown:
                row = self.table.rowCount()
                self.table.insertRow(row)
                key_item = QTableWidgetItem(keys)
                key_font = key_item.font()
                key_font.setBold(True)
                key_item.setFont(key_font)
                self.table.setItem(row, 0, key_item)
                self.table.setItem(row, 1, QTableWidgetItem(action))

    def rows(self) -> list[tuple[str, str]]:
        """What the table shows, as (first column, second column) text; group rows have ''."""
        out = []
        for r in range(self.table.rowCount()):
            second = self.table.item(r, 1)
            out.append((self.table.item(r, 0).text(), second.text() if second else ""))
        return out


# --- about ----------------------------------------------------------------------------------
def version_info() -> dict[str, str]:
    """Versions and accelerators, as shown in About and copied for bug reports."""
    import PySide6
    from PySide6.QtCore import qVersion

    info = {
        "ConvViz": __version__,
        "Python": platform.python_version(),
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
    }
    try:
        import pyqtgraph

        info["pyqtgraph"] = pyqtgraph.__version__
    except Exception:
        info["pyqtgraph"] = "not found"
    try:
        import numpy

        info["NumPy"] = numpy.__version__
    except Exception:
        info["NumPy"] = "not found"
    from visualizer.core.devices import cached_devices

    report = cached_devices()
    if report is None:
        info["torch"] = "still loading (reopen this window in a moment)"
    elif report.error and not report.torch_version:
        info["torch"] = f"not usable ({report.error})"
    else:
        info["torch"] = report.torch_version
        info.update(report.describe())
    info["System"] = platform.platform()
    return info


#: The About box's sentence: its four tools, one per tab.
ABOUT_TEXT = ("Teach and learn convolutional neural networks with four tools in one desktop app: a convolution "
              "explorer, a CNN shape calculator, live MNIST training and a network view of every layer's maps.")


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        self.setWindowTitle("About ConvViz")
        self.setAccessibleName("About ConvViz")
        self.resize(520, 420)
        self.info = version_info()
        rows = "".join(
            f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in self.info.items()
        )
        self.text = QTextBrowser(self)
        self.text.setObjectName("about_text")
        self.text.setAccessibleName("Versions")
        self.text.setOpenExternalLinks(True)
        icon = resource_path("icons", "convviz-64.png")
        logo = (f"<img src='{QUrl.fromLocalFile(str(icon)).toString()}' width='64' height='64'>"
                if icon.is_file() else "")
        self.text.setHtml(
            f"<table cellpadding='4'><tr><td valign='middle'>{logo}</td><td valign='middle'>"
            f"<h2>ConvViz {html.escape(__version__)}</h2>"
            f"{ABOUT_TEXT}</td></tr></table>"
            f"<table cellspacing='4'>{rows}</table>"
            "<p>MIT licence. Qt and PySide6 are used under the LGPLv3; PyTorch under its BSD licence.</p>"
        )
        self.copy_button = QPushButton("&Copy versions", self)
        self.copy_button.setToolTip("Copy the versions as text, for a bug report")
        self.copy_button.setAccessibleName("Copy versions")
        self.copy_button.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)

    def plain_text(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.info.items())

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.plain_text())
        self.copy_button.setText("Copied")


if __name__ == "__main__":
    import sys

    from visualizer.ui.shell.application import create_application

    from visualizer.ui.shell.settings import load_settings
    from visualizer.ui.shell.theme import apply_theme

    _app = create_application()
    apply_theme(load_settings()["theme"])
    _dialog = GuideDialog(page=sys.argv[1] if len(sys.argv) > 1 else None)
    _dialog.show()
    sys.exit(_app.exec())
