"""Where the Training tab finds MNIST, and its download: the folder chosen in the tab, then
$CONVVIZ_DATA, then the MNIST folder of the settings, then the app's own data folder (the one rule
of finding it is `core.mnist.locate_mnist`). State only; the DataBox view shows it, the runner's
download worker reports into it."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from visualizer.core import appdirs
from visualizer.core.errors import UserInputError


class MnistSource(QObject):
    changed = Signal()  # the folder or whether MNIST is there
    download_changed = Signal()
    found = Signal(str)  # MNIST was found after the user chose or fetched it: a status line

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.chosen_dir: str | None = None  # chosen in the tab
        self.settings_dir: str | None = None  # from the settings
        self.override = None  # MnistSplits to train on instead of MNIST (tests, benchmarks)
        self.available = False
        self.text = ""
        self.tip = ""
        self.downloading = False
        self.cancelling = False
        self.progress: tuple[float, float, str] | None = None

    @property
    def folder(self) -> str | None:
        """The folder to load MNIST from, or None for $CONVVIZ_DATA / the app's folder."""
        if self.chosen_dir:
            return self.chosen_dir
        if os.environ.get(appdirs.DATA_ENV):
            return None
        return self.settings_dir

    def download_folder(self) -> Path:
        return Path(self.chosen_dir or self.settings_dir or appdirs.mnist_dir())

    def refresh(self) -> bool:
        """Look for MNIST again; True when it is there."""
        from visualizer.core.mnist import MnistNotFound, locate_mnist

        if self.override is not None:
            self.available, self.tip = True, ""
            self.text = "Training on data given by the program (not MNIST files)."
        else:
            try:
                folder = locate_mnist(self.folder or None)
            except MnistNotFound as exc:
                looked = self.folder or os.environ.get(appdirs.DATA_ENV) or str(appdirs.mnist_dir())
                self.available, self.tip = False, str(exc)
                self.text = (
                    f"<b>MNIST not found</b> in {html.escape(str(looked))}.<br>Press <i>Download MNIST</i> "
                    f"(about 11 MB, into {html.escape(str(self.download_folder()))}) or <i>Choose data "
                    "folder…</i> to pick a folder holding the four MNIST .gz files.")
            except UserInputError as exc:
                self.available, self.tip = False, ""
                self.text = f"<b>MNIST unusable:</b> {exc}"
            else:
                self.available, self.tip = True, str(folder)
                self.text = f"MNIST: {folder}"
        self.changed.emit()
        return self.available

    def choose(self, folder: str | Path | None) -> bool:
        """The folder chosen in the tab (None: back to the usual places); True when MNIST is there."""
        self.chosen_dir = str(folder) if folder else None
        ok = self.refresh()
        if ok:
            self.found.emit(f"MNIST folder: {folder}")
        return ok

    def set_override(self, data: Any) -> None:
        self.override = data
        self.refresh()

    # -- download (the worker's signals land here) -----------------------------------------
    def set_downloading(self, on: bool) -> None:
        self.downloading, self.cancelling = on, False
        self.progress = None
        self.download_changed.emit()

    def cancel_download(self) -> None:
        if self.downloading:
            self.cancelling = True
            self.download_changed.emit()

    @Slot(float, float, str)
    def download_step(self, done: float, total: float, name: str) -> None:
        self.progress = (done, total, name)
        self.download_changed.emit()

    @Slot(str)
    def download_succeeded(self, folder: str) -> None:
        if not self.refresh():
            self.chosen_dir = folder  # CONVVIZ_DATA points elsewhere: use what was just fetched
            self.refresh()
        self.found.emit(f"MNIST downloaded to {folder}")
