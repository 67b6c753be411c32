"""How long one drawing update of the Network tab takes, next to the bare forward pass.

    python benchmarks/bench_network.py [--net mnist-net1] [--repeat 30]

For mnist-net1 on the CPU it times, in the same run:
  * forward: the bare `module(x)` of the same net on one 1×28×28 input, under no_grad (the baseline);
  * update: what one mouse move over the drawing canvas costs on the GUI thread: the stroke edits the
    model's drawing, MNIST's preprocessing, the forward pass with hooks, the per-layer colour images,
    and painting the whole tab offscreen (the layer maps, the canvas, the input and the bars);
and prints the update in ms (target: under 50 ms) and as a ratio to the forward pass. Best of --repeat.
No display is needed.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _timing import best_of  # noqa: E402

TARGET_MS = 50.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--net", default="mnist-net1")
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args(argv)

    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from visualizer.core import activations as act
    from visualizer.ui.network.panel import NetworkPanel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    panel = NetworkPanel()
    panel.resize(1280, 800)
    panel.model.set_net(act.untrained_net(args.net, 0))
    panel._started = True
    panel.show()
    app.processEvents()

    net = panel.model.net
    x = torch.from_numpy(act.normalize(act.mnist_preprocess(np.eye(28) * 255)))[None, None]

    def bare() -> None:
        with torch.no_grad():
            net.module(x)

    canvas = panel.canvas
    r = canvas.square()
    step = [0]

    def update() -> None:
        # one mouse move of a stroke going round a circle, then everything repainted at once
        k = step[0] = step[0] + 1
        y = r.center().y() + r.height() * 0.3 * np.sin(k / 5)
        xx = r.center().x() + r.width() * 0.3 * np.cos(k / 5)
        QTest.mouseMove(canvas, QPoint(int(xx), int(y)))
        app.processEvents()  # the coalesced forward pass runs here
        panel.repaint()  # paint every view now, offscreen

    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=r.center().toPoint())
    for _ in range(5):  # warm up
        bare()
        update()
    before = panel.maps.canvas.redraws
    t_forward = best_of(args.repeat, bare)
    t_update = best_of(args.repeat, update)
    import time

    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        update()
        times.append(time.perf_counter() - t0)
    median_ms = float(np.median(times)) * 1000
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=r.center().toPoint())
    assert panel.maps.canvas.redraws > before, "the maps were not redrawn"
    ms = t_update * 1000
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, net {args.net}, best of {args.repeat}")
    print(f"bare forward pass        {t_forward * 1000:8.2f} ms")
    print(f"drawing update + redraw  {ms:8.2f} ms   {t_update / t_forward:6.1f}× the forward pass   "
          f"target < {TARGET_MS:.0f} ms {'✓' if ms < TARGET_MS else '✗'}")
    print(f"  (median of {args.repeat} updates {median_ms:.2f} ms)")
    panel.shutdown()
    return 0 if ms < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
