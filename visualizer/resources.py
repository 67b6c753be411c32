"""Find files in `resources/`, from a source checkout, an installed wheel or a frozen bundle.

In the repository the folder sits at the top level; the wheel ships it as
`visualizer/resources` (see pyproject.toml) and the PyInstaller spec does the same.
"""

from __future__ import annotations

from importlib import resources as _ir
from pathlib import Path


def resource_root() -> Path:
    """The folder that holds icons, sample images, kernel presets and example architectures."""
    packaged = Path(str(_ir.files("visualizer"))) / "resources"
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parent.parent / "resources"
    if source.is_dir():
        return source
    raise FileNotFoundError("ConvViz resources folder not found (broken installation)")


def resource_path(*parts: str) -> Path:
    """The path of one resource file, e.g. ``resource_path("icons", "convviz.svg")``."""
    return resource_root().joinpath(*parts)
