"""Render the app icon's PNG sizes (and .ico / .icns) from resources/icons/convviz.svg.

Run after changing the SVG:  python packaging/render_icons.py
Writes packaging/icons/convviz-<N>.png (hicolor sizes), resources/icons/convviz-<N>.png (the
sizes the running app uses for its window icon), packaging/icons/convviz.ico (Windows) and
packaging/icons/convviz.icns (macOS).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "convviz.svg"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
APP_SIZES = (16, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def save(image: QImage, path: Path, fmt: bytes) -> None:
    writer = QImageWriter(str(path), fmt)
    if not writer.write(image):
        raise SystemExit(f"could not write {path}: {writer.errorString()}")
    print("wrote", path.relative_to(ROOT))


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG} is not a valid SVG")
    out = ROOT / "packaging" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    for size in HICOLOR_SIZES:
        image = render(renderer, size)
        save(image, out / f"convviz-{size}.png", b"png")
        if size in APP_SIZES:
            save(image, ROOT / "resources" / "icons" / f"convviz-{size}.png", b"png")
    big = render(renderer, 256)
    save(big, out / "convviz.ico", b"ico")
    if b"icns" in QImageWriter.supportedImageFormats():
        save(render(renderer, 512), out / "convviz.icns", b"icns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
