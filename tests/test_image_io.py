"""Image loading for the explorer and the conv CLI."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from visualizer.core.errors import UserInputError
from visualizer.image_io import load_image, qimage_to_array


def _image(w, h, colour):
    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor(*colour))
    return img


def test_gray_image_gives_one_channel(tmp_path):
    img = _image(5, 3, (10, 10, 10))
    img.setPixelColor(4, 2, QColor(200, 200, 200))
    path = tmp_path / "g.bmp"
    assert img.save(str(path))
    arr = load_image(path)
    assert arr.shape == (1, 3, 5)
    assert arr[0, 2, 4] == 200 and arr[0, 0, 0] == 10


def test_colour_image_gives_rgb_and_luma(tmp_path):
    img = _image(4, 2, (255, 0, 0))
    path = tmp_path / "c.png"
    assert img.save(str(path))
    rgb = load_image(path)
    assert rgb.shape == (3, 2, 4)
    np.testing.assert_array_equal(rgb[:, 0, 0], [255, 0, 0])
    gray = load_image(path, "gray")
    assert gray.shape == (1, 2, 4) and gray[0, 0, 0] == pytest.approx(0.299 * 255)


def test_odd_width_rows_are_not_skewed():
    # RGB888 rows are padded to 4 bytes; a 3-pixel-wide image must still read row by row
    img = _image(3, 2, (0, 0, 0))
    img.setPixelColor(0, 1, QColor(0, 255, 0))
    arr = qimage_to_array(img, "rgb")
    assert arr[1, 1, 0] == 255 and arr[1, 0, 0] == 0 and arr[1, 0, 2] == 0


def test_errors(tmp_path):
    with pytest.raises(UserInputError, match="not found"):
        load_image(tmp_path / "missing.png")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"this is not a jpeg")
    with pytest.raises(UserInputError, match="cannot read image bad.jpg"):
        load_image(bad)
    with pytest.raises(UserInputError, match="channels"):
        qimage_to_array(_image(1, 1, (0, 0, 0)), "cmyk")
