"""Help: the guide (content for each tool, links, F1 at the current tab), shortcuts, About."""

from __future__ import annotations

import re

import PySide6
import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QApplication

from tests.helpers.fake_panels import ArchitecturePanel, NotesPanel
from visualizer import __version__
from visualizer.ui.shell.help import AboutDialog, GuideDialog, ShortcutsDialog, guide_dir, guide_pages
from visualizer.ui.shell.main_window import MainWindow

COURSE_INPUT = [[4, 1, 6, 1, 3], [3, 2, 7, 7, 2], [2, 5, 7, 3, 7], [1, 4, 7, 1, 3], [0, 1, 6, 4, 4]]
COURSE_KERNEL = [[0.1, 0.2, 0.05], [0.05, 0.2, 0.1], [0.15, 0.1, 0.05]]


pytestmark = pytest.mark.usefixtures("fresh_settings")


def page_text(dialog: GuideDialog, title: str) -> str:
    row = [p.title for p in dialog.pages].index(title)
    dialog.contents.setCurrentRow(row)
    return dialog.browser.toPlainText()


def test_guide_has_a_page_per_tool_with_its_formulas(qtbot):
    dialog = GuideDialog()
    qtbot.addWidget(dialog)
    titles = [dialog.contents.item(i).text() for i in range(dialog.contents.count())]
    assert titles[:5] == ["Welcome to ConvViz", "Convolution explorer", "Shape calculator",
                          "Training", "Formulas"]
    conv = page_text(dialog, "Convolution explorer")
    assert "⌊(N + 2P − D·(K − 1) − 1) / S⌋ + 1" in conv
    assert "Space" in conv and "cross-correlation" in conv.lower()
    shapes = page_text(dialog, "Shape calculator")
    assert "receptive field" in shapes.lower() and "FLOPs = 2 × MACs" in shapes
    training = page_text(dialog, "Training")
    assert "momentum 0.5" in training and "learning rate 0.01" in training
    formulas = page_text(dialog, "Formulas")
    flat = re.sub(r"\s+", " ", formulas)  # subscripts read as plain text: C<sub>out</sub> is "Cout"
    for needle in ("Cout · (Cin / groups) · Kh · Kw + Cout", "nin · nout + nout", "FLOPs = 2 × MACs",
                   "rl = rl−1 + Dl·(Kl − 1) · jl−1", "jl = jl−1 · Sl", "−log pt",
                   "vt = μ · vt−1 + gt", "flipped by 180°"):
        assert needle in flat, needle


def test_guide_worked_examples_agree_with_torch(qtbot):
    """The numbers the guide quotes, checked against torch (an independent oracle)."""
    text = (guide_dir() / "02-convolution.html").read_text(encoding="utf-8")
    x = torch.tensor(COURSE_INPUT, dtype=torch.float64)[None, None]
    k = torch.tensor(COURSE_KERNEL, dtype=torch.float64)[None, None]
    s2p1 = F.conv2d(x, k, stride=2, padding=1)[0, 0]
    s1p2 = F.conv2d(x, k, stride=1, padding=2)[0, 0]
    assert tuple(s2p1.shape) == (3, 3) and "a 3×3 output" in text
    assert tuple(s1p2.shape) == (7, 7) and "a 7×7 output" in text
    assert float(s2p1[0, 0]) == pytest.approx(1.3) and "= 1.3</pre>" in text
    formulas = (guide_dir() / "05-formulas.html").read_text(encoding="utf-8")
    net1 = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, 10),
    )
    total = sum(p.numel() for p in net1.parameters())
    assert f"= {total:,} parameters" in formulas
    steps = -(-50_000 // 128)
    assert f"= {steps} steps" in formulas


def test_guide_links_lead_to_existing_pages(qtbot):
    names = {p.file_name for p in guide_pages()}
    for page in guide_pages():
        text = page.path.read_text(encoding="utf-8")
        for target in re.findall(r'href="([^"#:]+\.html)', text):
            assert target in names, f"{page.file_name} links to missing {target}"
        for target, anchor in re.findall(r'href="([^"#:]+\.html)#([\w-]+)"', text):
            assert f'name="{anchor}"' in (guide_dir() / target).read_text(encoding="utf-8")


def test_following_a_link_updates_the_contents(qtbot):
    dialog = GuideDialog(page="01-welcome.html")
    qtbot.addWidget(dialog)
    assert dialog.contents.currentRow() == 0
    dialog.open_page("05-formulas.html", "losses")
    assert dialog.current_page() == "05-formulas.html"
    assert dialog.contents.currentItem().text() == "Formulas"
    assert dialog.back.isEnabled()
    qtbot.mouseClick(dialog.back, Qt.MouseButton.LeftButton)
    assert dialog.current_page() == "01-welcome.html"


def test_find_in_page(qtbot):
    dialog = GuideDialog(page="05-formulas.html")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.find, "momentum")
    qtbot.keyClick(dialog.find, Qt.Key.Key_Return)
    assert dialog.browser.textCursor().selectedText().lower() == "momentum"


def show_active(qtbot, w: MainWindow) -> None:
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()


def test_f1_opens_the_guide_at_the_current_tool(qtbot):
    notes = NotesPanel()  # its guide_page is the training page
    w = MainWindow(panels=[ArchitecturePanel(), notes])
    qtbot.addWidget(w)
    show_active(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: w.dialogs.guide is not None and w.dialogs.guide.isVisible())
    assert w.dialogs.guide.current_page() == "01-welcome.html"  # a panel without a page
    w.dialogs.guide.close()
    show_active(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert w.tabs.currentWidget() is notes
    qtbot.keyClick(w, Qt.Key.Key_F1)
    qtbot.waitUntil(w.dialogs.guide.isVisible)
    assert w.dialogs.guide.current_page() == "04-training.html"
    assert "Training" in w.dialogs.guide.browser.toPlainText()
    w.close()
    assert not w.dialogs.guide.isVisible()


def test_shortcuts_dialog_lists_every_shortcut_by_menu(qtbot):
    w = MainWindow(panels=[NotesPanel()])
    qtbot.addWidget(w)
    show_active(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.dialogs.shortcuts is not None and w.dialogs.shortcuts.isVisible())
    rows = w.dialogs.shortcuts.rows()
    groups = [keys for keys, action in rows if action == ""]
    assert groups == ["File", "View", "Notes", "Help"]
    assert ("F1", "Guide") in rows
    assert ("Ctrl+,", "Settings") in rows
    assert ("F5", "Lecture mode") in rows
    assert ("Alt+1", "Show Notes") in rows
    assert ("Ctrl+Shift+K", "Clear notes") in rows  # a panel's own action
    # Every action with a shortcut is listed, so the page cannot drift from the menus.
    listed = {action for _, action in rows}
    for a in w.all_actions():
        if not a.shortcut().isEmpty():
            assert a.text().replace("&", "").replace("…", "") in listed
    qtbot.keyClicks(w.dialogs.shortcuts.filter, "text")
    filtered = w.dialogs.shortcuts.rows()
    assert ("Ctrl+0", "Normal text size") in filtered and ("F1", "Guide") not in filtered
    w.dialogs.shortcuts.close()


def test_shortcuts_dialog_on_its_own(qtbot):
    dialog = ShortcutsDialog([("Edit", [("Ctrl+Z", "Undo")])])
    qtbot.addWidget(dialog)
    assert dialog.rows() == [("Edit", ""), ("Ctrl+Z", "Undo")]
    assert dialog.table.item(1, 0).font().bold()


def test_about_shows_versions_and_copies_them(qtbot):
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    for needle in (f"ConvViz {__version__}", qVersion(), PySide6.__version__, torch.__version__, "CUDA", "MPS"):
        assert needle in text
    cuda = "available" if torch.cuda.is_available() else "not available"
    assert re.search(r"CUDA\s+" + cuda, text)
    assert dialog.text.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QApplication.clipboard().text()
    assert f"torch: {torch.__version__}" in copied and f"PySide6: {PySide6.__version__}" in copied


def test_about_from_the_help_menu(qtbot):
    w = MainWindow(panels=[NotesPanel()])
    qtbot.addWidget(w)
    w.about_action.trigger()
    qtbot.waitUntil(lambda: w.dialogs.about is not None and w.dialogs.about.isVisible())
    assert "About ConvViz" == w.dialogs.about.windowTitle()
    w.dialogs.about.close()
