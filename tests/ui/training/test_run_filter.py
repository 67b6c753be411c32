"""The runs filter (issue 27, item 2): typed in a fresh main window it hides the runs it leaves out
in the table and on the plots together, an invalid expression is marked and hides nothing, and
the filter comes back with the session."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.helpers.training_plots import saved_run
from tests.helpers.gui import open_training_tab

A, B, C = "2026-11-28_100000_lr0.1", "2026-11-28_100001_lr0.01", "2026-11-28_100002_adam"


def shown_rows(panel) -> list[str]:
    return [e.run_id for row, e in enumerate(panel.model.runs) if not panel.runs.table.isRowHidden(row)]


def drawn(panel) -> set[str]:
    return {r for r, c in panel.plots.runs.items() if c.visible}


def test_the_filter_hides_runs_in_the_table_and_the_plots_together(qtbot, fresh_settings, tmp_path):
    for i, name in enumerate((A, B, C)):
        saved_run(tmp_path / "runs", name, 0.2 * i)
    w, panel = open_training_tab(qtbot, tmp_path)
    box = panel.runs.filter_box
    assert "regular expression" in box.placeholderText()
    qtbot.mouseClick(panel.runs.show_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: drawn(panel) == {A, B, C})

    box.setFocus()
    qtbot.keyClicks(box, r"lr0\.1$")
    qtbot.waitUntil(lambda: shown_rows(panel) == [A])
    assert drawn(panel) == {A} and panel.model.ticked_ids() == [A, B, C]  # ticks are kept

    box.clear()
    qtbot.keyClicks(box, "LR0")  # case-insensitive, anywhere in the name
    qtbot.waitUntil(lambda: shown_rows(panel) == [A, B])
    assert drawn(panel) == {A, B}

    box.clear()
    qtbot.keyClicks(box, "lr0(")  # not a valid expression: marked, every run shown, no traceback
    qtbot.waitUntil(lambda: box.error != "")
    assert "Not a valid regular expression" in box.toolTip() and "border" in box.styleSheet()
    assert shown_rows(panel) == [A, B, C] and drawn(panel) == {A, B, C}

    box.clear()
    qtbot.keyClicks(box, "adam")
    qtbot.waitUntil(lambda: shown_rows(panel) == [C])
    assert box.error == "" and box.styleSheet() == ""
    # Untick all, then Tick all while filtered: only the runs shown are ticked
    qtbot.mouseClick(panel.runs.hide_all_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.runs.show_all_button, Qt.MouseButton.LeftButton)
    assert panel.model.ticked_ids() == [C] and drawn(panel) == {C}
    w.close()

    # the filter is saved with the session and applied again
    w2, panel2 = open_training_tab(qtbot, tmp_path)
    assert panel2.runs.filter_box.text() == "adam"
    qtbot.waitUntil(lambda: shown_rows(panel2) == [C])
    w2.close()
