"""Unsaved work survives a crash: autosave, the 'clean shutdown' mark, and the offer to restore."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from tests.helpers.fake_panels import NotesPanel
from visualizer.ui.shell.main_window import MainWindow
from visualizer.ui.shell.session import AUTOSAVE_MS, CLEAN_SHUTDOWN_KEY
from visualizer.ui.shell.settings import app_settings


pytestmark = pytest.mark.usefixtures("fresh_settings")


def start(qtbot) -> tuple[MainWindow, NotesPanel]:
    panel = NotesPanel()
    window = MainWindow(panels=[panel])
    qtbot.addWidget(window)
    return window, panel


def test_clean_restart_restores_work_silently(qtbot):
    w, panel = start(qtbot)
    qtbot.keyClicks(panel.edit, "3x3 sharpen kernel")
    w.close()
    assert app_settings().value(CLEAN_SHUTDOWN_KEY) in (True, "true")
    w2, panel2 = start(qtbot)
    assert panel2.edit.text() == "3x3 sharpen kernel"
    assert w2.recovery_bar.isHidden()


def test_crash_restart_offers_the_work_back_and_restores_it(qtbot):
    w, panel = start(qtbot)
    qtbot.keyClicks(panel.edit, "my unsaved kernel")
    w.autosave()  # what the 30-second timer does
    # The app "crashes": its process dies (releasing the session lock) without closing the window.
    w.session_lock.unlock()
    w2, panel2 = start(qtbot)
    with qtbot.waitExposed(w2):
        w2.show()
    assert w2.recovery_bar.isVisible()
    assert "Restore your unsaved work from the last session?" in w2.recovery_bar.label.text()
    assert "Notes" in w2.recovery_bar.label.text()
    assert panel2.edit.text() == ""  # nothing applied behind the user's back
    qtbot.mouseClick(w2.recovery_bar.restore_button, Qt.MouseButton.LeftButton)
    assert panel2.edit.text() == "my unsaved kernel"
    assert w2.recovery_bar.isHidden()
    assert "recovery" not in app_settings().childGroups()
    w2.close()
    w.close()


def test_discarded_work_is_not_offered_again(qtbot):
    w, panel = start(qtbot)
    qtbot.keyClicks(panel.edit, "throw me away")
    w.autosave()
    w.session_lock.unlock()
    w2, panel2 = start(qtbot)
    with qtbot.waitExposed(w2):
        w2.show()
    qtbot.mouseClick(w2.recovery_bar.discard_button, Qt.MouseButton.LeftButton)
    assert panel2.edit.text() == ""
    assert w2.recovery_bar.isHidden()
    w.close()
    w2.close()
    w3, panel3 = start(qtbot)
    assert w3.recovery_bar.isHidden()
    assert panel3.edit.text() == ""  # w2 closed last, with an empty field


def test_offer_stays_until_answered(qtbot):
    w, panel = start(qtbot)
    qtbot.keyClicks(panel.edit, "keep me")
    w.autosave()
    w.session_lock.unlock()
    w2, _ = start(qtbot)
    assert not w2.recovery_bar.isHidden()
    w2.close()  # closed without answering: the work must not be lost
    w.close()
    w3, panel3 = start(qtbot)
    assert not w3.recovery_bar.isHidden()
    w3.restore_recovered_work()
    assert panel3.edit.text() == "keep me"


def test_autosave_runs_on_a_timer(qtbot):
    w, panel = start(qtbot)
    assert w.autosave_timer.isActive() and w.autosave_timer.interval() == AUTOSAVE_MS
    qtbot.keyClicks(panel.edit, "typed")
    w.autosave_timer.timeout.emit()
    assert json.loads(app_settings().value("panels/NotesPanel")) == {"text": "typed"}
    # While the window is open the session counts as not closed cleanly.
    assert app_settings().value(CLEAN_SHUTDOWN_KEY) in (False, "false")


def test_close_shuts_panels_down_and_saves(qtbot):
    w, panel = start(qtbot)
    qtbot.keyClicks(panel.edit, "last words")
    w.close()
    assert panel.shut_down
    assert json.loads(app_settings().value("panels/NotesPanel")) == {"text": "last words"}


def test_broken_saved_state_does_not_stop_the_start(qtbot):
    s = app_settings()
    s.setValue("panels/NotesPanel", "{this is not json")
    s.setValue(CLEAN_SHUTDOWN_KEY, True)
    s.sync()
    w, panel = start(qtbot)
    assert panel.edit.text() == ""
    assert "Could not restore Notes" in w.statusBar().currentMessage()


def test_crash_with_nothing_unsaved_offers_nothing(qtbot):
    w, _ = start(qtbot)
    w.autosave()  # the panel's state is empty
    w.session_lock.unlock()
    w2, _ = start(qtbot)
    assert w2.recovery_bar.isHidden()
    w.close()


def test_a_second_copy_running_is_not_taken_for_a_crash(qtbot):
    w, panel = start(qtbot)
    qtbot.keyClicks(panel.edit, "first copy's work")
    w.autosave()
    second, panel2 = start(qtbot)  # the first copy is alive and holds the session lock
    assert not second.primary and w.primary
    assert second.recovery_bar.isHidden()
    assert panel2.edit.text() == "first copy's work"  # its saved state, restored as usual
    second.close()
    assert app_settings().value(CLEAN_SHUTDOWN_KEY) in (False, "false")  # the first is still open
    w.close()
    assert app_settings().value(CLEAN_SHUTDOWN_KEY) in (True, "true")
