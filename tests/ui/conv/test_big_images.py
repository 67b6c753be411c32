"""A picture too big for the explorer is refused from its header, at once and with a message, the
CLI's limit (40,000,000 values): a 100-megapixel image or an 8000×8000 RGB one froze the window
for 18–65 s while it decoded."""

from __future__ import annotations

import struct
import time
import zlib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.helpers.gui import launch_main_window
from visualizer.core.conv_job import MAX_INPUT_VALUES
from visualizer.core.errors import UserInputError
from visualizer.ui.conv.input_source import InputSource


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_header_only(path: Path, width: int, height: int, rgb: bool) -> Path:
    """A PNG whose header says width×height (8-bit grey or RGB) with almost no pixel data: the
    size is read from the header; decoding it would fail (and take long if it were real)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2 if rgb else 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
                     + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("width, height, rgb", [(10_000, 10_000, False), (8_000, 8_000, True)])
def test_a_huge_image_is_refused_with_a_message_before_decoding(qtbot, fresh_settings, tmp_path, monkeypatch,
                                                                width, height, rgb):
    big = png_header_only(tmp_path / "huge.png", width, height, rgb)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a, **k: shown.append((title, text)))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(big), ""))
    w = launch_main_window(qtbot)
    qtbot.keyClick(w, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    panel = w.tabs.currentWidget()
    assert panel.title == "Convolution"
    combo = panel.input_box.source_combo
    i = combo.findText("Image file…")
    t0 = time.monotonic()
    combo.setCurrentIndex(i)
    combo.activated.emit(i)  # the user picks "Image file…" and chooses huge.png
    qtbot.waitUntil(lambda: shown != [], timeout=2000)  # read off the GUI thread, refused from the header
    assert time.monotonic() - t0 < 2
    [(title, text)] = shown
    assert title == "Cannot open image"
    assert f"{width:,}×{height:,} pixels" in text and f"{MAX_INPUT_VALUES:,}" in text
    assert "shrink or crop it first" in text
    assert combo.currentText() == "Typed matrix"  # the input in use stays
    w.close()


def test_read_as_rgb_counts_three_values_a_pixel(tmp_path):
    # 4000×4000 = 16 M pixels: read as RGB that is 48 M values, over the limit, refused from the
    # header; read as "auto" it may turn out grey (16 M values), so it goes on to decoding (and
    # this file, which has no real pixels, then fails to decode).
    path = png_header_only(tmp_path / "wide.png", 4_000, 4_000, True)
    with pytest.raises(UserInputError, match=r"4,000×4,000 pixels × 3 colours \(48,000,000 values\)"):
        InputSource().load_image(path, "rgb")
    with pytest.raises(UserInputError, match="cannot read image wide.png"):
        InputSource().load_image(path, "auto")
