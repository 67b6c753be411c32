"""The Training tab opens a sweep folder: its runs join the table grouped by the sweep, and the
Sweep plot's points, means and spreads are those of sweep.csv."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from tests.helpers.gui import open_training_tab
from visualizer.core import sweep
from visualizer.core.mnist import synthetic_mnist
from visualizer.core.runs import RunWriter
from visualizer.core.training import TrainConfig, Trainer



@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> Path:
    """A real 2 (lr) × 2 (loss) × 2 seeds sweep of tiny runs, trained in this process."""
    out = tmp_path_factory.mktemp("sweeps") / "lr-vs-loss"
    base = TrainConfig(epochs=1, batch_size=32, train_size=96, val_size=32, test_size=32, report_every=32,
                       device="cpu")
    points = []
    for lr in (0.1, 0.001):
        for loss in ("ce", "l2"):
            for seed in (0, 1):
                cfg = TrainConfig.from_dict({**base.to_dict(), "lr": lr, "loss": loss, "seed": seed})
                points.append(({"lr": lr, "loss": loss}, seed, cfg.to_dict()))
    plan = sweep.make_plan(points, {"lr": [0.1, 0.001], "loss": ["ce", "l2"]}, {"epochs": 1}, [0, 1])
    for r in plan.runs:
        cfg = TrainConfig.from_dict(r.config)
        data = synthetic_mnist(96, 32, 32, seed=r.seed)
        result = Trainer(cfg, data, [RunWriter(out / r.name, background=False)]).run()
        sweep.apply_outcome(plan, {"name": r.name, "status": result.final["status"], "final": result.final,
                                   "best_epoch": sweep.best_epoch(result.final, result.epochs)})
    sweep.write_sweep_files(plan, out, "local", 1)
    return out


def _csv(folder: Path) -> list[dict]:
    with open(folder / "sweep.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_open_a_sweep_folder_and_check_the_plot_against_sweep_csv(qtbot, fresh_settings, tmp_path, sweep_folder,
                                                                   monkeypatch):
    w, panel = open_training_tab(qtbot, tmp_path)
    assert panel.open_sweep_action in panel.panel_actions()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(sweep_folder))
    qtbot.mouseClick(panel.sweep_plot.open_button, Qt.MouseButton.LeftButton)

    # the runs join the table, named SWEEP/RUN
    assert panel.view_tabs.currentWidget() is panel.sweep_plot
    m = panel.runs.table_model
    ids = [m.data(m.index(i, 0)) for i in range(m.rowCount())]
    rows = _csv(sweep_folder)
    assert sorted(ids) == sorted(f"lr-vs-loss/{r['folder']}" for r in rows)
    from visualizer.core.run_table import COLUMNS

    status = COLUMNS.index("Status")
    assert {m.data(m.index(i, status)) for i in range(m.rowCount())} == {"completed"}

    # default view: test accuracy against lr (log axis), one line per loss
    view = panel.sweep_plot
    assert view.x_combo.currentText() == "lr" and view.group_combo.currentText() == "loss"
    assert "log axis" in view.hint.text()
    assert [d["group"] for d in view.drawn] == ["ce", "l2"]
    for d in view.drawn:
        mine = [r for r in rows if r["loss"] == d["group"]]
        expected = sorted((float(r["lr"]), 100 * float(r["test_accuracy"])) for r in mine)
        assert np.allclose(sorted(d["points"]), expected)
        for x, mean, spread in zip(d["xs"], d["means"], d["spreads"]):
            ys = [100 * float(r["test_accuracy"]) for r in mine if float(r["lr"]) == x]
            assert mean == pytest.approx(np.mean(ys)) and spread == pytest.approx(np.std(ys, ddof=1))
    # the scatter items hold the same points, x as log10(lr)
    from pyqtgraph import ScatterPlotItem

    scatters = [i for i in view.plot.getPlotItem().items if isinstance(i, ScatterPlotItem)]
    drawn = sorted((round(p.pos().x(), 9), round(p.pos().y(), 9)) for s in scatters for p in s.points())
    assert drawn == sorted((round(math.log10(x), 9), round(y, 9)) for d in view.drawn for x, y in d["points"])

    # validation loss against the loss, one line: words on the x axis
    view.choose(metric="val_loss", x="loss", group="")
    assert len(view.drawn) == 1 and view.drawn[0]["xs"] == [0.0, 1.0]
    expected = sorted(({"ce": 0.0, "l2": 1.0}[r["loss"]], float(r["val_loss"])) for r in rows)
    assert np.allclose(sorted(view.drawn[0]["points"]), expected)
    assert "log axis" not in view.hint.text()

    w.close()


def test_a_folder_that_is_no_sweep_says_so(qtbot, fresh_settings, tmp_path, monkeypatch):
    from visualizer.ui.training.panel import TrainingPanel

    panel = TrainingPanel(runs_dir=tmp_path / "runs")
    qtbot.addWidget(panel)
    assert not panel.open_sweep(tmp_path)
    assert "Cannot open the sweep" in panel.controls.message_label.text() and "sweep.json" in panel.controls.message_label.text()
    assert panel.runs.table_model.rowCount() == 0
    panel.shutdown()


def test_sweeps_in_the_runs_folder_are_listed_at_start_and_the_opened_one_comes_back(qtbot, tmp_path, sweep_folder):
    # A sweep the Training tab ran "with 3 seeds" lives in the runs folder: after a restart its runs
    # are listed again (as SWEEP/RUN, once, even when it is opened again), and the session brings
    # back the sweep that was shown in the Sweep plot.
    import shutil

    from visualizer.ui.training.model import TrainingModel

    runs = tmp_path / "runs"
    shutil.copytree(sweep_folder, runs / sweep_folder.name)
    (runs / ".hidden-sweep").mkdir()
    (runs / ".hidden-sweep" / "sweep.json").write_text("{}")
    model = TrainingModel(runs)
    model.reload_runs()
    names = sorted(e.run_id for e in model.runs)
    want = sorted(f"{sweep_folder.name}/{p.name}" for p in sweep_folder.iterdir() if p.is_dir())
    assert names == want and len(want) == 8
    assert model.sweep is None  # listed, not opened: the Sweep plot shows what the user opens
    assert model.open_sweep(runs / sweep_folder.name)
    assert sorted(e.run_id for e in model.runs) == want  # no second copy
    state = model.to_dict()
    assert state["sweep"] == str(runs / sweep_folder.name)

    again = TrainingModel(runs)
    again.reload_runs()
    again.from_dict(state)
    assert again.sweep is not None and again.sweep.folder == runs / sweep_folder.name
    # a sweep deleted since is quietly not shown
    gone = TrainingModel(runs)
    gone.from_dict({**state, "sweep": str(tmp_path / "deleted")})
    assert gone.sweep is None and not gone.message


def test_the_sweep_plot_reads_out_points_and_settings_and_tables_them(qtbot, fresh_settings, tmp_path, sweep_folder):
    """Issue 27, item 5: a hover readout per point (run, value) and per setting (mean, SD, SE, n),
    the same numbers in a table under the plot, long names elided in the middle."""
    from visualizer.ui.training.sweep_readout import elide_middle

    w, panel = open_training_tab(qtbot, tmp_path)
    assert panel.open_sweep(sweep_folder)
    view = panel.sweep_plot
    panel.view_tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.plot.isVisible() and view.plot.width() > 100)
    rows = _csv(sweep_folder)
    vb = view.plot.getPlotItem().getViewBox()
    view.plot.getPlotItem().autoRange()

    # the table: one row per loss and lr, the numbers of the seeds
    cells = view.stats.cells()
    assert len(cells) == 4
    for line, setting, mean, sd, se, n in cells:
        loss, lr = line.split(" = ")[1], float(setting.split(" = ")[1])
        ys = [100 * float(r["test_accuracy"]) for r in rows if r["loss"] == loss and float(r["lr"]) == lr]
        assert n == "2" and mean == f"{np.mean(ys):.4g} %"
        assert sd == f"{np.std(ys, ddof=1):.4g} %" and se == f"{np.std(ys, ddof=1) / math.sqrt(2):.4g} %"

    # a point: its run and its value
    d = view.drawn[0]
    (x, y), run = d["points"][0], d["runs"][0]
    text = view.readout.show_at(vb.mapViewToScene(pg_point(view.x_position(x), y)))
    same = [p for p in d["points"] if p == (x, y)]
    if len(same) == 1:  # two seeds at the very same accuracy would be one dot
        assert text.splitlines() == [run, f"test accuracy: {y:.4g} %"]
    assert run in {r["folder"] for r in rows}
    area = view.plot.mapFromScene(vb.sceneBoundingRect()).boundingRect()
    assert view.readout.label.isVisible() and area.contains(view.readout.label.geometry())

    # on a mean with no dot within reach: the setting's mean, SD, SE and n
    def scene(x, y):
        return vb.mapViewToScene(pg_point(view.x_position(x), y))

    clear = [(line, st) for line in view.drawn for st in line["stats"]
             if all(abs(scene(px, py).y() - scene(st[0], st[1]).y()) > 9  # a dot answers within 8 px
                    for px, py in line["points"] if px == st[0])]
    assert clear  # the fixture's seeds differ: a mean lies between its two dots
    line, (sx, mean, sd, se, n) = clear[0]
    text = view.readout.show_at(scene(sx, mean))
    assert text.splitlines()[1] == f"mean {mean:.4g} % · SD {sd:.4g} % · SE {se:.4g} % · n {n}"
    assert text.splitlines()[0].startswith("lr = ")
    # far from everything: nothing
    vr = vb.viewRange()[1]
    assert view.readout.show_at(scene(sx, vr[1] + 1000)) == ""
    assert not view.readout.label.isVisible()

    long = "lr-interesting-network_seed1"
    assert elide_middle(long, 18) == "lr-inter…ork_seed1" and elide_middle("short") == "short"
    w.close()


def pg_point(x: float, y: float):
    from PySide6.QtCore import QPointF

    return QPointF(x, y)
