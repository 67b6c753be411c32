"""`convviz snapshot`: one view of the app as a screen of a given size shows it, as a PNG.

    convviz snapshot --tab conv|shapes|training|network [--example NAME] [--run DIR | --net NAME]
                     [--index I] [--open LAYER:CHANNEL [--explorer]] [--size WxH] [--lecture] [--zoom N]
                     [--step K] [--data DIR] --out FILE.png [--report FILE.json]

A fresh main window (fresh settings in a throwaway folder: the user's settings and session are
neither read nor changed), offscreen on a virtual screen of WxH when no display is asked for,
the window WxH (lecture mode: F5's full screen), the tab and example opened, Ctrl+plus pressed N
times, the step at output cell K. The PNG is exactly WxH and written atomically. --report writes
{"size", "window", "minimum_size", "clipped": [{"widget", "why"}]}: every visible widget off
screen, cut or elided (empty when everything fits).

Exit status: 0 done; 2 a bad option, a view that cannot be shown, a file that cannot be written.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from visualizer.commands import command_parser
from visualizer.core.errors import UserInputError
from visualizer.core.parsing import counting_arg


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from visualizer.ui.shell.snapshot import MAX_ZOOM, TABS

    p = command_parser(
        subparsers, "snapshot",
        description="Render one view of the app at a screen size, offscreen, as a PNG (for slides, "
        "handouts and layout checks), with an optional report of what does not fit.",
        epilog="examples:\n"
        "  convviz snapshot --tab conv --example course-stride2-pad1 --step 4 --out step4.png\n"
        "  convviz snapshot --tab conv --size 1920x1080 --lecture --zoom 1 --out lecture.png\n"
        "  convviz snapshot --tab shapes --example resnet18 --out resnet.png --report resnet.json\n"
        "  convviz snapshot --tab network --run runs/course --index 7 --open conv2:3 --out net.png\n"
        "conv examples: course-example, course-stride2-pad1, course-stride1-pad2, course-1x1x3; "
        "shapes examples: the presets (vgg16, resnet18, ...).\n"
        "exit status: 0 done; 2 a bad option, a view that cannot be shown or a file not written.",
    )
    p.add_argument("--tab", required=True, metavar="|".join(TABS), help="the tab to show")
    p.add_argument("--example", metavar="NAME", help="an example of the tab (see below)")
    net = p.add_mutually_exclusive_group()
    net.add_argument("--run", metavar="DIR", help="network: a saved run folder")
    net.add_argument("--net", metavar="NAME", help="network: an untrained preset (seed 0), e.g. mnist-net1")
    p.add_argument("--index", type=counting_arg("--index"), metavar="I",
                   help="network: image I of the MNIST test set (from 0)")
    p.add_argument("--open", metavar="LAYER:CHANNEL", help="network: open one map, e.g. conv2:3 (channels from 1)")
    p.add_argument("--explorer", action="store_true",
                   help="network: hand the opened map to the Convolution explorer and show that tab")
    p.add_argument("--data", metavar="DIR", help="network: the MNIST folder (default: the usual places)")
    p.add_argument("--size", default="1280x800", metavar="WxH", help="the screen size (default: 1280x800)")
    p.add_argument("--lecture", action="store_true", help="lecture mode (F5): full screen, large type")
    p.add_argument("--zoom", type=counting_arg("--zoom", 0, MAX_ZOOM), default=0, metavar="N",
                   help=f"press Ctrl+plus N times (0 to {MAX_ZOOM})")
    p.add_argument("--step", type=counting_arg("--step", 1), metavar="K", help="conv: step to output cell K (from 1)")
    p.add_argument("--out", required=True, metavar="FILE.png", help="the PNG to write")
    p.add_argument("--report", metavar="FILE.json", help="also write what does not fit, as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from visualizer.ui.shell import snapshot as snap

    size = snap.parse_size(args.size)
    request = snap.ViewRequest(tab=args.tab, example=args.example, run=args.run, net=args.net, index=args.index,
                               open=args.open, explorer=args.explorer, lecture=args.lecture, zoom=args.zoom, step=args.step)
    snap.check_request(request)
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise UserInputError(f"--out must name a .png file, got {args.out!r}")
    if args.report is not None and Path(args.report).resolve() == out.resolve():
        raise UserInputError("--report and --out name the same file")
    for option, path in (("--out", out), ("--report", args.report)):
        if path is not None and not Path(path).resolve().parent.is_dir():
            raise UserInputError(f"{option}: the folder of {path} does not exist")
    folder = Path(tempfile.mkdtemp(prefix="convviz-snapshot-"))
    try:
        snap.isolate(folder, size, args.data)
        return _render(snap, request, size, out, args.report)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _render(snap, request, size: tuple[int, int], out: Path, report_path: str | None) -> int:
    from visualizer.ui.shell.files import png_bytes, save_bytes, save_text

    window = snap.open_window(size)
    try:
        snap.show_view(window, request, size)
        image = snap.render(window, size)
        report = snap.report(window, size) if report_path else None
    finally:
        snap.close_window(window)
    save_bytes(out, png_bytes(image))
    if report is not None:
        save_text(report_path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0
