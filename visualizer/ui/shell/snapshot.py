"""Render one view of the app as a screen of a given size shows it: `convviz snapshot` and the
layout tests.

`ViewRequest` names the view (tab, example, net, digit, opened map, lecture mode, zoom, step);
`check_request` judges it without Qt, so the CLI refuses a bad one before Qt starts.
`isolate(folder, size)` must run before Qt is imported: it points the app's settings, session and
lock at a throwaway folder (the user's are never read or written) and, unless QT_QPA_PLATFORM asks
for a display, gives Qt an offscreen virtual screen of exactly `size`. Then `open_window(size)` builds a fresh main window,
`show_view(window, request, size)` brings the view up as a user would (the tab, the example, F5,
Ctrl+plus, the step), and `render(window, size)` grabs exactly size[0]×size[1] pixels.

Qt and the tools are imported inside the functions: this module is imported by the CLI.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visualizer.core.errors import UserInputError

TABS = ("conv", "shapes", "training", "network")
TAB_INDEX = {name: i for i, name in enumerate(TABS)}  # the main window's tab order
#: The Convolution tab's examples: (what to load, stride, padding).
CONV_EXAMPLES = {
    "course-example": ("course", 2, 1),
    "course-stride2-pad1": ("course", 2, 1),
    "course-stride1-pad2": ("course", 1, 2),
    "course-1x1x3": ("rgb", 1, 0),
}
#: Screen sizes the app is held to (the layout tests), and the bounds `--size` accepts.
SCREENS = ((1024, 768), (1280, 800), (1920, 1080))
SIZE_RANGE = ((320, 7680), (240, 4320))
MAX_ZOOM = 10
#: Seconds a view may take to settle (a net loaded and run, a picture convolved).
SETTLE_S = 90.0
_OPEN = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*:\s*(\d{1,6})\s*$")


def examples(tab: str) -> tuple[str, ...]:
    """The examples `--example` takes on `tab` (the Shapes tab: its presets)."""
    if tab == "conv":
        return tuple(CONV_EXAMPLES)
    if tab == "shapes":
        from visualizer.core.architecture import preset_names

        return tuple(preset_names())
    return ()


@dataclass(frozen=True)
class ViewRequest:
    tab: str = "conv"
    example: str | None = None
    run: str | None = None  # network: a saved run folder
    net: str | None = None  # network: an untrained preset, seed 0
    index: int | None = None  # network: MNIST test image (from 0)
    open: str | None = None  # network: "LAYER:CHANNEL", the channel counted from 1
    explorer: bool = False  # network: the opened map handed to the Convolution tab, which is shown
    lecture: bool = False
    zoom: int = 0  # Ctrl+plus presses
    step: int | None = None  # conv: output cell (from 1) the step shows


def parse_size(text: str) -> tuple[int, int]:
    """'1280x800' (or ×) -> (1280, 800); UserInputError for anything else or out of bounds."""
    m = re.fullmatch(r"\s*(\d{1,5})\s*[x×X]\s*(\d{1,5})\s*", str(text))
    if not m:
        raise UserInputError(f"--size must be WIDTHxHEIGHT, e.g. 1280x800, got {text!r}")
    w, h = int(m.group(1)), int(m.group(2))
    (w0, w1), (h0, h1) = SIZE_RANGE
    if not (w0 <= w <= w1 and h0 <= h <= h1):
        raise UserInputError(f"--size must be from {w0}x{h0} to {w1}x{h1}, got {w}x{h}")
    return w, h


def parse_open(text: str) -> tuple[str, int]:
    """'conv2:3' -> ('conv2', 3); the channel counts from 1."""
    m = _OPEN.match(str(text))
    if not m or int(m.group(2)) < 1:
        raise UserInputError(f"--open must be LAYER:CHANNEL with the channel from 1, e.g. conv2:3, got {text!r}")
    return m.group(1), int(m.group(2))


def check_request(req: ViewRequest) -> None:
    """UserInputError (one sentence) for a request that cannot be shown; no Qt needed."""
    if req.tab not in TABS:
        raise UserInputError(f"unknown tab {req.tab!r}; choose one of {', '.join(TABS)}")
    if req.example is not None:
        known = examples(req.tab)
        if req.example not in known:
            offer = f"choose one of {', '.join(known)}" if known else "this tab has no examples"
            raise UserInputError(f"unknown example {req.example!r} for --tab {req.tab}; {offer}")
    network_only = {"--run": req.run, "--net": req.net, "--index": req.index, "--open": req.open}
    for option, value in network_only.items():
        if value is not None and req.tab != "network":
            raise UserInputError(f"{option} goes with --tab network")
    if req.step is not None and req.tab != "conv":
        raise UserInputError("--step goes with --tab conv")
    if req.explorer and (req.tab != "network" or req.open is None):
        raise UserInputError("--explorer goes with --tab network and --open LAYER:CHANNEL")
    if req.run is not None and req.net is not None:
        raise UserInputError("--run and --net are two nets: give one")
    if req.run is not None and not Path(req.run).is_dir():
        raise UserInputError(f"--run: {req.run} is not a folder")
    if req.open is not None:
        parse_open(req.open)
    if req.step is not None and req.step < 1:
        raise UserInputError(f"--step counts output cells from 1, got {req.step}")
    if not 0 <= req.zoom <= MAX_ZOOM:
        raise UserInputError(f"--zoom must be from 0 to {MAX_ZOOM}, got {req.zoom}")


def isolate(folder: Path, size: tuple[int, int], mnist_dir: str | None = None) -> None:
    """Before Qt starts: settings, session and lock in `folder`, MNIST still found where the user
    keeps it, and (with no display asked for) an offscreen screen of exactly `size`."""
    from visualizer.core import appdirs

    # read before the data folder moves: the user's MNIST folder, not one in `folder`
    data = mnist_dir or os.environ.get(appdirs.DATA_ENV) or str(appdirs.mnist_dir())
    os.environ[appdirs.DATA_ENV] = str(data)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "APPDATA"):
        path = folder / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(path)
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not platform or platform.startswith("offscreen"):  # a display only when one is asked for
        screen = {"screens": [{"name": "snapshot", "x": 0, "y": 0, "width": size[0], "height": size[1],
                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}
        config = folder / "screen.json"
        config.write_text(json.dumps(screen), encoding="utf-8")
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


def open_window(size: tuple[int, int]):
    """A fresh main window on the app's QApplication, shown at `size`."""
    import pyqtgraph as pg

    from visualizer.core import appdirs
    from visualizer.ui.shell.application import create_application
    from visualizer.ui.shell.settings import load_settings, save_settings, use_settings_file

    app = create_application()
    _quiet_offscreen_warnings()
    pg.setConfigOptions(antialias=True)
    use_settings_file(Path(os.environ["XDG_CONFIG_HOME"]) / "ConvViz.ini")  # set by isolate()
    data = os.environ.get(appdirs.DATA_ENV)  # set by isolate(): the user's MNIST folder
    if data:  # the fresh settings name it, so the tabs look there and Download MNIST saves there
        save_settings({**load_settings(), "mnist_dir": data})
    from visualizer.ui.shell.main_window import MainWindow

    window = MainWindow()
    window.setGeometry(0, 0, *size)
    window.show()
    settle(window)
    del app
    return window


_MESSAGES: dict[str, Any] = {}  # the message handler installed, and the one it replaced


def _quiet_offscreen_warnings() -> None:
    """The offscreen platform says "does not support propagateSizeHints()" at every layout change;
    that is not the user's concern (Qt's other messages still show)."""
    from PySide6.QtCore import qInstallMessageHandler

    if "handler" in _MESSAGES:
        return

    def handler(kind, context, message) -> None:
        if "propagateSizeHints" in message:
            return
        previous = _MESSAGES.get("previous")
        if previous is not None:
            previous(kind, context, message)
        else:
            print(message, file=sys.stderr)

    _MESSAGES["handler"] = handler
    _MESSAGES["previous"] = qInstallMessageHandler(handler)


def show_view(window, req: ViewRequest, size: tuple[int, int]) -> None:
    """Bring `req`'s view up in `window` as a user would; UserInputError when it cannot be shown."""
    display = window.display
    if display.lecture and not req.lecture:
        display.set_lecture_mode(False)
    display.set_font_scale(1.0)
    window.tabs.setCurrentIndex(TAB_INDEX[req.tab])  # first: the tab shown sets the smallest size
    window.panels  # every tab built: nothing changes the layout after the picture is taken
    settle(window)
    if not req.lecture:
        window.showNormal()
        window.setGeometry(0, 0, *size)
    elif display.lecture:
        window.showFullScreen()
        window.setGeometry(0, 0, *size)  # a window a wide view pushed out comes back to the screen
    panel = window.tabs.currentWidget()
    if req.tab == "conv":
        _show_conv(panel, req)
    elif req.tab == "shapes" and req.example:
        panel.load_preset(req.example)
    elif req.tab == "network":
        _show_network(panel, req)
        if req.explorer:
            _hand_to_explorer(window, panel)
    if req.lecture:
        if not display.lecture:
            display.set_lecture_mode(True)
        else:  # F5's type again (the scale was reset above)
            from visualizer.ui.shell.display import LECTURE_SCALE

            display.set_font_scale(LECTURE_SCALE)
    for _ in range(req.zoom):
        display.zoom_in()
    settle(window)
    if req.tab == "conv" and req.step is not None:
        stepper = panel.stepper
        if req.step > stepper.total:
            raise UserInputError(f"--step {req.step}: this output has {stepper.total} cells")
        stepper.jump_to(req.step - 1)
        settle(window)


def _show_conv(panel, req: ViewRequest) -> None:
    kind, stride, padding = CONV_EXAMPLES[req.example or "course-example"]
    if kind == "rgb":
        panel.course_rgb_action.trigger()
    else:
        panel.load_course_example(stride, padding)


def _show_network(panel, req: ViewRequest) -> None:
    from visualizer.ui.network.picker import trainable_presets

    if req.net is not None and req.net not in trainable_presets():
        raise UserInputError(f"--net must be one of {', '.join(trainable_presets())}, got {req.net!r}")
    model = panel.model
    before, said = model.net, []
    hear = said.append  # the tab's messages: a net that cannot be loaded says so there

    def failed() -> str | None:
        return next((m for m in said if m.startswith("Cannot load the net")), None)

    model.message.connect(hear)
    try:
        if req.run is not None:
            panel.open_request({"run": str(Path(req.run).resolve())})
        else:
            panel.open_request({"net": req.net or "mnist-net1", "seed": 0})
        _wait(lambda: not model.busy and (model.net is not before or failed() is not None), "the net")
    finally:
        model.message.disconnect(hear)
    if model.net is before:  # never the net shown before in place of the one asked for
        raise UserInputError(failed() or "the net could not be loaded")
    if req.index is not None:
        model.show_test_image(req.index)
        _wait(lambda: model.test_images is not None or bool(model.error), "the MNIST test set")
        if model.test_images is None:
            from visualizer.core import appdirs

            raise UserInputError(f"--index needs the MNIST test set, and {os.environ.get(appdirs.DATA_ENV)} does "
                                 "not hold it; give --data DIR, the folder of the four MNIST .gz files")
        model.show_test_image(req.index)
        if model.image_ref != req.index:
            raise UserInputError(model.error or f"--index {req.index}: no such test image")
    _wait(lambda: model.acts is not None, "the layers' outputs")
    if req.open is not None:
        name, channel = parse_open(req.open)
        layers = [i for i, la in enumerate(model.net.layers) if la.name == name]
        if not layers or not model.is_conv(layers[0]):
            convs = [la.name for k, la in enumerate(model.net.layers) if model.is_conv(k)]
            raise UserInputError(f"--open: {name!r} is not a convolution layer of this net ({', '.join(convs)})")
        count = model.acts.layers[layers[0]].values.shape[0]
        if channel > count:
            raise UserInputError(f"--open {req.open}: {name} has channels 1 to {count}")
        model.open_map(layers[0], channel - 1)


def _hand_to_explorer(window, panel) -> None:
    """*Open in Convolution explorer* clicked on the opened map, as a user would; the Convolution
    tab comes to the front with that convolution (every input channel: the multi-channel sum)."""
    conv = window.tabs.widget(TAB_INDEX["conv"])
    before = conv.model.result
    panel.opened.explorer_button.click()
    _wait(lambda: window.tabs.currentIndex() == TAB_INDEX["conv"] and conv.model.result is not before
          and conv.model.result is not None, "the convolution in the explorer")
    settle(window)


def _wait(ready, what: str, timeout: float = SETTLE_S) -> None:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise UserInputError(f"gave up waiting for {what} after {timeout:.0f} s")
        QApplication.processEvents()
        time.sleep(0.005)


def settle(window, quiet_s: float = 0.15) -> None:
    """Run the event loop until the window's work is done (tabs built, pictures computed, nets
    run) and a further `quiet_s` has passed, so layouts and deferred fits have happened."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    def idle() -> bool:
        tabs = window.tab_entries()
        if any(t.panel is None for t in tabs):
            return False
        for panel in window.built_panels():
            busy = getattr(panel, "is_busy", None)
            if callable(busy) and busy():
                return False
            model = getattr(panel, "model", None)
            if getattr(model, "busy", False) is True:
                return False
        return True

    _wait(idle, "the window to settle")
    end = time.monotonic() + quiet_s
    while time.monotonic() < end:
        QApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        time.sleep(0.01)
    # A font change reaches the status bar's height only at the window's next relayout (within
    # about a second on screen): do it now rather than wait.
    window.layout().activate()
    QApplication.processEvents()


def render(window, size: tuple[int, int]):
    """The screen's picture: the window's top-left size[0]×size[1] pixels (a QImage of exactly
    that size, background where the window is smaller)."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtGui import QImage, QPainter

    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(window.palette().window().color())
    shot = window.grab(QRect(0, 0, min(size[0], window.width()), min(size[1], window.height())))
    painter = QPainter(image)
    painter.drawPixmap(QPoint(0, 0), shot)
    painter.end()
    return image


def report(window, size: tuple[int, int]) -> dict[str, Any]:
    from visualizer.ui.shell.layout_report import layout_report

    return layout_report(window, size)


def close_window(window) -> None:
    """Close as the user would (each panel stops its workers), into the throwaway settings."""
    from PySide6.QtWidgets import QApplication

    window.close()
    QApplication.processEvents()


def survey(size: tuple[int, int], requests: list[ViewRequest]) -> list[dict[str, Any]]:
    """One window at `size`, each request shown in turn: [{"view": request's fields, **report}].
    For the layout tests (one window per screen size, not one per view)."""
    from dataclasses import asdict

    window = open_window(size)
    results = []
    try:
        for req in requests:
            check_request(req)
            show_view(window, req, size)
            results.append({"view": asdict(req), **report(window, size)})
    finally:
        close_window(window)
    return results


def survey_main(argv: list[str]) -> int:
    """`python -m visualizer.ui.shell.snapshot WxH REQUESTS.json`: the survey as JSON on stdout,
    in a process of its own (Qt's virtual screen is chosen once per process)."""
    import tempfile

    size = parse_size(argv[0])
    requests = [ViewRequest(**r) for r in json.loads(Path(argv[1]).read_text(encoding="utf-8"))]
    folder = Path(tempfile.mkdtemp(prefix="convviz-survey-"))
    isolate(folder, size)
    print(json.dumps(survey(size, requests)))
    return 0


if __name__ == "__main__":
    sys.exit(survey_main(sys.argv[1:]))
