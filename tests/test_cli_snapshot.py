"""`convviz snapshot`: refusals (one line, exit 2, before Qt starts), a PNG of exactly W×H, the
report's keys, and the user's settings left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from visualizer.cli import main

REPO = Path(__file__).resolve().parent.parent


def _refused(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as exc:
        status = main(["snapshot", *args])
        raise SystemExit(status)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("args, words", [
    (["--tab", "sheets"], "unknown tab 'sheets'"),
    (["--tab", "conv", "--example", "vgg16"], "unknown example 'vgg16' for --tab conv"),
    (["--tab", "shapes", "--example", "course-example"], "unknown example 'course-example'"),
    (["--tab", "training", "--example", "x"], "this tab has no examples"),
    (["--tab", "conv", "--size", "1280"], "--size must be WIDTHxHEIGHT"),
    (["--tab", "conv", "--size", "10x10"], "--size must be from 320x240"),
    (["--tab", "conv", "--size", "99999x800"], "--size must be"),
    (["--tab", "conv", "--zoom", "-1"], "--zoom must be a whole number from 0 to 10"),
    (["--tab", "conv", "--zoom", "11"], "--zoom must be a whole number from 0 to 10"),
    (["--tab", "conv", "--step", "0"], "--step must be a whole number from 1"),
    (["--tab", "shapes", "--step", "3"], "--step goes with --tab conv"),
    (["--tab", "conv", "--open", "conv2:3"], "--open goes with --tab network"),
    (["--tab", "network", "--open", "conv2:0"], "--open must be LAYER:CHANNEL"),
    (["--tab", "network", "--open", "conv2"], "--open must be LAYER:CHANNEL"),
    (["--tab", "network", "--run", "/no/such/run"], "--run: /no/such/run is not a folder"),
    (["--tab", "network", "--explorer"], "--explorer goes with --tab network and --open LAYER:CHANNEL"),
    (["--tab", "conv", "--explorer"], "--explorer goes with --tab network and --open"),
])
def test_bad_views_are_refused_in_one_line_before_qt(capsys, tmp_path, args, words):
    err = _refused(capsys, *args, "--out", str(tmp_path / "a.png"))
    assert words in err
    assert not (tmp_path / "a.png").exists()


def test_out_must_be_a_png_and_not_the_report(capsys, tmp_path):
    assert "--out must name a .png file" in _refused(capsys, "--tab", "conv", "--out", str(tmp_path / "a.jpg"))
    same = str(tmp_path / "a.png")
    assert "the same file" in _refused(capsys, "--tab", "conv", "--out", same, "--report", same)
    nowhere = str(tmp_path / "no" / "a.png")
    assert f"--out: the folder of {nowhere} does not exist" in _refused(capsys, "--tab", "conv", "--out", nowhere)
    assert "--report: the folder of" in _refused(capsys, "--tab", "conv", "--out", same,
                                                  "--report", str(tmp_path / "no" / "r.json"))


def test_refusals_do_not_import_qt(tmp_path):
    code = ("import sys\nfrom visualizer.cli import main\n"
            f"status = main(['snapshot', '--tab', 'conv', '--example', 'nope', '--out', {str(tmp_path / 'a.png')!r}])\n"
            "print(status, 'PySide6' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["2", "False"], out.stderr


def _snapshot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "visualizer", "snapshot", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)


def test_a_snapshot_is_exactly_the_size_asked_with_its_report(tmp_path):
    from PySide6.QtGui import QImage

    home = Path(os.environ["XDG_CONFIG_HOME"]) / "ConvViz"
    before = sorted(p.name for p in home.glob("*")) if home.exists() else []
    out, rep = tmp_path / "conv.png", tmp_path / "conv.json"
    done = _snapshot(tmp_path, "--tab", "conv", "--example", "course-stride2-pad1", "--size", "1024x768",
                     "--step", "4", "--out", str(out), "--report", str(rep))
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1024, 768)
    report = json.loads(rep.read_text(encoding="utf-8"))
    assert set(report) == {"size", "window", "minimum_size", "clipped"}
    assert report["size"] == [1024, 768]
    assert report["window"] == [1024, 768]
    assert report["minimum_size"][0] <= 1024 and report["minimum_size"][1] <= 768
    assert report["clipped"] == []
    # the user's settings and session are neither written nor read
    after = sorted(p.name for p in home.glob("*")) if home.exists() else []
    assert after == before
    # a grid drawn, not an empty window: the picture has many colours
    colours = {image.pixel(x, y) for x in range(0, 1024, 16) for y in range(0, 768, 16)}
    assert len(colours) > 20


def test_a_view_that_cannot_be_shown_is_one_line(tmp_path):
    done = _snapshot(tmp_path, "--tab", "conv", "--step", "10", "--out", str(tmp_path / "a.png"))
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == ["convviz: error: --step 10: this output has 9 cells"]
    assert not (tmp_path / "a.png").exists()


def _untrained_run(folder: Path) -> Path:
    import torch

    from visualizer.core.runs import write_json
    from visualizer.core.training import TrainConfig, build_model

    folder.mkdir(parents=True)
    config = TrainConfig(net="mnist-net2").to_dict()
    config["run_id"] = folder.name
    write_json(folder / "config.json", config)
    torch.manual_seed(3)
    torch.save(build_model("mnist-net2").state_dict(), folder / "model.pt")
    return folder


def test_a_saved_run_with_an_opened_map(tmp_path):
    from PySide6.QtGui import QImage

    run = _untrained_run(tmp_path / "run7")
    out, rep = tmp_path / "net.png", tmp_path / "net.json"
    done = _snapshot(tmp_path, "--tab", "network", "--run", str(run), "--open", "conv2:3", "--size", "1280x800",
                     "--out", str(out), "--report", str(rep))
    assert done.returncode == 0, done.stderr
    assert (QImage(str(out)).width(), QImage(str(out)).height()) == (1280, 800)
    assert json.loads(rep.read_text(encoding="utf-8"))["clipped"] == []
    # channels count from 1: mnist-net2's conv2 has 4
    done = _snapshot(tmp_path, "--tab", "network", "--run", str(run), "--open", "conv2:5", "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["convviz: error: --open conv2:5: conv2 has channels 1 to 4"]
    # a layer that is not a convolution: the convolutions it has are named
    done = _snapshot(tmp_path, "--tab", "network", "--run", str(run), "--open", "fc1:1", "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "convviz: error: --open: 'fc1' is not a convolution layer of this net (conv1, conv2, conv3)"]


def test_a_run_that_cannot_be_loaded_is_one_line_not_another_net(tmp_path):
    (tmp_path / "empty").mkdir()
    done = _snapshot(tmp_path, "--tab", "network", "--run", str(tmp_path / "empty"), "--out", str(tmp_path / "a.png"))
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("convviz: error: Cannot load the net: ")
    assert "config.json" in lines[0]
    assert not (tmp_path / "a.png").exists()


@pytest.mark.parametrize("data", [None, "my mnist"])
def test_the_training_tabs_mnist_hint_names_one_folder_the_users(tmp_path, data):
    # the snapshot moves the app's data folder to a throwaway one; the hint still speaks of the
    # user's MNIST folder (--data, else the app's): where MNIST was looked for and where Download
    # MNIST would save it
    code = ("import sys\nfrom pathlib import Path\nfrom visualizer.ui.shell import snapshot as snap\n"
            "snap.isolate(Path(sys.argv[1]), (1280, 800), sys.argv[2] if len(sys.argv) > 2 else None)\n"
            "window = snap.open_window((1280, 800))\n"
            "snap.show_view(window, snap.ViewRequest(tab='training'), (1280, 800))\n"
            "print(window.tabs.currentWidget().model.mnist.text)\nsnap.close_window(window)\n")
    user = tmp_path / "user data"
    env = {k: v for k, v in os.environ.items() if k != "CONVVIZ_DATA"}
    env.update(XDG_DATA_HOME=str(user), QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1")
    folder = str(tmp_path / data) if data else str(user / "ConvViz" / "mnist")
    args = [str(tmp_path / "throwaway")] + ([folder] if data else [])
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    hint = done.stdout.strip().splitlines()[-1]
    assert hint.startswith(f"<b>MNIST not found</b> in {folder}.<br>"), hint
    assert f"into {folder})" in hint and "throwaway" not in hint, hint
