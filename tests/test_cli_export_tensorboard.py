"""`convviz export-tensorboard` (issue 27, item 7): what TensorBoard's own reader finds in the events."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from visualizer.cli import main
from visualizer.core import distributions as dist
from visualizer.core.runs import load_run, write_json

pytest.importorskip("tensorboard", reason="the tensorboard extra")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.plugins.hparams import plugin_data_pb2  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A run folder as `convviz train --distributions 256` writes it (the same RunWriter and
    recorder), trained for 2 epochs on 512 of the program's stand-in digits: no MNIST needed."""
    from visualizer.core.mnist import synthetic_mnist
    from visualizer.core.runs import RunWriter
    from visualizer.core.training import TrainConfig, Trainer

    out = tmp_path_factory.mktemp("runs") / "course"
    data = synthetic_mnist(512, 128, 128, seed=1)
    cfg = TrainConfig(epochs=2, batch_size=64, train_size=512, val_size=128, test_size=128, report_every=128,
                      device="cpu", num_threads=1)
    Trainer(cfg, data, [RunWriter(out), dist.recorder_for(out, 256, data.val_images)]).run()
    return out


def events(folder: Path) -> EventAccumulator:
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    acc.Reload()
    return acc


def plugin_content(acc: EventAccumulator, plugin: str) -> dict:
    try:
        return acc.PluginTagToContent(plugin)
    except KeyError:  # no tag of that plugin
        return {}


def steps_values(acc: EventAccumulator, tag: str) -> tuple[list[int], list[float]]:
    return [e.step for e in acc.Scalars(tag)], [e.value for e in acc.Scalars(tag)]


def test_a_run_reads_back_with_the_values_of_its_files(trained, tmp_path, capsys):
    out = tmp_path / "tb"
    assert main(["export-tensorboard", str(trained), "--out", str(out)]) == 0
    assert "tensorboard --logdir" in capsys.readouterr().out
    rec = load_run(trained)
    assert [p.name for p in out.iterdir()] == ["course"]  # one sub-folder per run, nothing else left
    assert len(list((out / "course").glob("events.out.tfevents.*"))) == 1
    acc = events(out / "course")
    for column, tag in (("train_loss", "loss/train"), ("train_accuracy", "accuracy/train"), ("epoch", "epoch")):
        steps, values = steps_values(acc, tag)
        assert steps == [r["examples_seen"] for r in rec.history]
        assert values == pytest.approx([r[column] for r in rec.history], rel=1e-6)
    for key, tag in (("val_loss", "loss/validation"), ("val_accuracy", "accuracy/validation")):
        steps, values = steps_values(acc, tag)
        assert steps == [e["examples_seen"] for e in rec.epochs] == [512, 1024]
        assert values == pytest.approx([e[key] for e in rec.epochs], rel=1e-6)
    for key in ("test_accuracy", "test_loss", "val_accuracy"):
        (step,), (value,) = steps_values(acc, f"final/{key}")
        assert step == 1024 and value == pytest.approx(rec.final[key], rel=1e-6)
    # the wall time is the run's own: its start plus the seconds history.csv gives
    first = acc.Scalars("loss/train")[0]
    last = acc.Scalars("loss/train")[-1]
    assert last.wall_time - first.wall_time == pytest.approx(rec.history[-1]["elapsed_s"] - rec.history[0]["elapsed_s"],
                                                             abs=1e-3)
    config = acc.Tensors("config/text_summary")[0].tensor_proto.string_val[0].decode()
    assert "| lr | 0.01 |" in config and "| net | mnist-net1 |" in config
    records = dist.read_distributions(trained / dist.FILE_NAME)
    conv1 = [r for r in records if r["layer"] == "conv1" and r["kind"] == "weight"]
    hist = acc.Histograms("weight/conv1")
    assert [h.step for h in hist] == [r["examples_seen"] for r in conv1] == [256, 512, 768, 1024]
    for h, r in zip(hist, conv1):
        v = h.histogram_value
        assert list(v.bucket) == r["counts"] and v.num == sum(r["counts"]) == 72
        assert list(v.bucket_limit) == pytest.approx(r["edges"][1:]) and v.min == pytest.approx(r["edges"][0])
    assert {t.split("/")[0] for t in acc.Tags()["histograms"]} == {"weight", "grad", "activation"}
    assert not plugin_content(acc, "hparams")  # a lone run has no hparams


def make_sweep(trained: Path, root: Path) -> Path:
    """A sweep folder of two runs (lr 0.1 and 0.01, seed 0) and one not run yet (lr 0.001)."""
    from visualizer.core.sweep import make_plan, write_sweep_files

    sweep = root / "lr"
    points = []
    for lr in (0.1, 0.01, 0.001):
        config = json.loads((trained / "config.json").read_text())
        config["lr"] = lr
        points.append(({"lr": lr}, 0, config))
    plan = make_plan(points, {"lr": [0.1, 0.01, 0.001]}, {}, [0])
    for run, test_acc in zip(plan.runs[:2], (0.5, 0.75)):
        folder = sweep / run.name
        shutil.copytree(trained, folder)
        write_json(folder / "config.json", run.config)
        metrics = json.loads((folder / "metrics.json").read_text())
        metrics["final"]["test_accuracy"] = test_acc
        write_json(folder / "metrics.json", metrics)
        run.status, run.final = "completed", metrics["final"]
    write_sweep_files(plan, sweep, "local", 1)
    return sweep


def hparams_of(acc: EventAccumulator) -> dict:
    content = acc.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    data = plugin_data_pb2.HParamsPluginData.FromString(content)
    return {k: v.number_value if v.HasField("number_value") else v.string_value
            for k, v in data.session_start_info.hparams.items()}


def test_a_sweep_gives_one_folder_per_run_with_its_hparams(trained, tmp_path, capsys):
    sweep = make_sweep(trained, tmp_path / "sweeps")
    out = tmp_path / "tb"
    assert main(["export-tensorboard", str(sweep), str(trained), f"{trained}/", "--out", str(out)]) == 0  # once
    captured = capsys.readouterr()
    assert "note:" in captured.err and "1 run(s) without curves (not run yet" in captured.err
    assert "exported 3 run(s)" in captured.out
    assert sorted(p.name for p in (out / "lr").iterdir()) == ["lr0.01_seed0", "lr0.1_seed0"]
    for name, lr, test_acc in (("lr0.1_seed0", 0.1, 0.5), ("lr0.01_seed0", 0.01, 0.75)):
        acc = events(out / "lr" / name)
        assert hparams_of(acc) == {"lr": pytest.approx(lr), "seed": 0}
        experiment = plugin_data_pb2.HParamsPluginData.FromString(
            acc.PluginTagToContent("hparams")["_hparams_/experiment"]).experiment
        assert {m.name.tag for m in experiment.metric_infos} == {
            "final/test_accuracy", "final/val_accuracy", "final/test_loss", "final/val_loss"}
        assert acc.Scalars("final/test_accuracy")[0].value == pytest.approx(test_acc)
    assert not plugin_content(events(out / "course"), "hparams")  # a lone run has no hparams


def write_bare_run(folder: Path, history: bool = True) -> Path:
    folder.mkdir(parents=True)
    write_json(folder / "config.json", {"run_id": folder.name, "net": "mnist-net1", "lr": 0.01,
                                        "started": "2026-11-28T10:00:00+00:00"})
    if history:
        (folder / "history.csv").write_text("examples_seen,iteration,epoch,train_loss,train_accuracy,elapsed_s,"
                                            "samples_per_second\n128,1,0.25,2.3,0.1,0.5,256.0\n256,2,0.5,,0.2,1.0,256.0\n")
    return folder


def error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("case", ["missing", "a-file", "not-a-run", "runs-folder", "no-history", "bad-sweep"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, case):
    if case == "missing":
        target, words = tmp_path / "nope", "no such folder"
    elif case == "a-file":
        target, words = tmp_path / "history.csv", "is a file; give a run folder or a sweep folder"
        target.write_text("examples_seen\n")
    elif case == "not-a-run":
        target, words = tmp_path / "photos", "neither a run folder"
        target.mkdir()
        (target / "a.png").write_bytes(b"x")
    elif case == "runs-folder":  # the app's runs folder: the runs inside it are named
        target, words = tmp_path / "runs", "it holds 2 run folder(s)"
        write_bare_run(target / "a")
        write_bare_run(target / "b")
    elif case == "no-history":
        target, words = write_bare_run(tmp_path / "r", history=False), "no history.csv"
    else:
        target, words = tmp_path / "sw", "not a ConvViz sweep file"
        target.mkdir()
        (target / "sweep.json").write_text('{"schema": "something else"}')
    assert main(["export-tensorboard", str(target), "--out", str(tmp_path / "tb")]) == 2
    assert words in error_line(capsys)
    assert not (tmp_path / "tb").exists()  # nothing written


def test_out_must_be_empty_unless_overwrite_which_replaces_only_the_events(tmp_path, capsys):
    run = write_bare_run(tmp_path / "runs" / "a")
    out = tmp_path / "tb"
    (out / "mine").mkdir(parents=True)
    assert main(["export-tensorboard", str(run), "--out", str(out)]) == 2
    assert "is not empty" in error_line(capsys) and not (out / "a").exists()
    (out / "file").write_text("x")
    assert main(["export-tensorboard", str(run), "--out", str(out / "file")]) == 2
    assert "is a file" in error_line(capsys)
    assert main(["export-tensorboard", str(run), "--out", str(out), "--overwrite"]) == 0
    (out / "a" / "notes.txt").write_text("kept")
    assert main(["export-tensorboard", str(run), "--out", str(out), "--overwrite"]) == 0
    assert len(list((out / "a").glob("events.out.tfevents.*"))) == 1  # the earlier one replaced
    assert (out / "a" / "notes.txt").read_text() == "kept" and (out / "mine").is_dir() and (out / "file").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary folder left
    steps, values = steps_values(events(out / "a"), "loss/train")
    assert steps == [128] and values == pytest.approx([2.3])  # the empty cell (a non-finite loss) left out


def test_without_tensorboard_it_says_what_to_install(tmp_path):
    run = write_bare_run(tmp_path / "a")
    code = ("import sys\n"
            "for name in ('tensorboard', 'torch.utils.tensorboard'): sys.modules[name] = None\n"
            "from visualizer.cli import main\n"
            f"sys.exit(main(['export-tensorboard', {str(run)!r}, '--out', {str(tmp_path / 'tb')!r}]))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        'convviz: error: export-tensorboard needs the tensorboard package: pip install "convviz[tensorboard]"']
    assert not (tmp_path / "tb").exists()


def test_hparams_keep_numbers_and_name_a_net_file_by_its_sweep_csv_text():
    from visualizer.core.tensorboard_export import _hparams

    config = {"lr": 0.1, "net": {"layers": []}, "seed": 3, "dropout": float("nan")}
    row = {"lr": "0.1", "net": "my_net", "seed": "3", "dropout": "0.5"}
    assert _hparams(["lr", "net", "dropout"], row, config) == {"lr": 0.1, "net": "my_net", "dropout": "0.5", "seed": 3}
