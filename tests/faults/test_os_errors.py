"""Issue 9, item 7: OS errors (disk full, read-only, I/O error, a folder for a file, stdout full)
are one line on stderr with exit status 2, and a run folder stays consistent."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

import pytest

from tests.helpers.cli import convviz, one_error_line
from tests.helpers.faults import TINY
from visualizer.cli import main
from visualizer.core.run_lock import RunLock

_real_replace = os.replace


def _failing_replace(target_name: str, code: int):
    def replace(src, dst, *a, **kw):
        if Path(dst).name == target_name:
            raise OSError(code, os.strerror(code))
        return _real_replace(src, dst, *a, **kw)

    return replace


def test_disk_full_at_model_pt_leaves_a_consistent_failed_run(tmp_path, capsys, digits_dir, monkeypatch):
    monkeypatch.setattr(os, "replace", _failing_replace("model.pt", errno.ENOSPC))
    out = tmp_path / "r"
    assert main(["train", "--data", str(digits_dir), *TINY, "--out", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "model.pt" in line and "no space left" in line
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert final["status"] == "failed" and "no space" in final["error"].lower()
    # Consistent: no half-written or temporary file, no model.pt, the lock given back.
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "history.csv", "metrics.json"]


def test_read_only_disk_is_one_line(tmp_path, capsys, digits_dir, monkeypatch):
    monkeypatch.setattr(os, "replace", _failing_replace("config.json", errno.EROFS))
    out = tmp_path / "r"
    assert main(["train", "--data", str(digits_dir), *TINY, "--out", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "read-only" in line and "config.json" in line
    assert not (out / RunLock.LOCK_NAME).exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="Linux /proc")
def test_an_io_error_is_one_line(capsys):
    assert main(["conv", "-i", "/proc/self/mem", "-k", "box-blur"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "/proc/self/mem" in line and "input/output error" in line


def test_a_folder_where_a_file_belongs_says_so(tmp_path, capsys):
    folder = tmp_path / "net.json"
    folder.mkdir()
    for args in (["conv", "-i", str(folder), "-k", "box-blur"], ["conv", "-i", "course-example", "-k", str(folder)],
                 ["shapes", str(folder)], ["shapes", "vgg16", "--check", str(folder)],
                 ["train", "--net", str(folder), "--out", str(tmp_path / "o")]):
        assert main(args) == 2, args
        line = one_error_line(capsys.readouterr().err)
        assert "folder" in line and "not found" not in line, line


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["shapes", "vgg16"], ["conv", "-i", "course-example", "-k", "box-blur"],
                                  ["conv", "-i", "course-example", "-k", "box-blur", "-f", "json"],
                                  # argparse swallows write errors of help and version text
                                  ["--help"], ["--version"], ["train", "--help"]])
def test_stdout_full_is_one_line_exit_2(args):
    with open("/dev/full", "w") as full:
        proc = convviz(*args, stdout=full)
    assert proc.returncode == 2
    line = one_error_line(proc.stderr)
    assert "cannot write the output" in line


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_train_with_stdout_full_keeps_the_run_and_says_so(tmp_path, digits_dir):
    out = tmp_path / "r"
    with open("/dev/full", "w") as full:
        proc = convviz("train", "--data", str(digits_dir), *TINY, "--out", str(out), stdout=full)
    assert proc.returncode == 2
    assert "cannot write the output" in one_error_line(proc.stderr)
    assert json.loads((out / "metrics.json").read_text())["final"]["status"] == "completed"
    assert (out / "model.pt").is_file()


def test_a_closed_pipe_is_quiet(tmp_path):
    import subprocess

    proc = subprocess.Popen([sys.executable, "-m", "visualizer", "shapes", "vgg16"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2])
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "Exception ignored" not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_train_with_stderr_full_still_trains(tmp_path, digits_dir):
    out = tmp_path / "r"
    args = [a for a in TINY if a != "--quiet"]  # with the progress bar, which cannot be written
    with open("/dev/full", "w") as full:
        proc = convviz("train", "--data", str(digits_dir), *args, "--out", str(out), stderr=full)
    assert proc.returncode == 0 and proc.stdout.startswith("completed:")
    assert (out / "model.pt").is_file()


@pytest.mark.parametrize("args", [["train", "--device", "cuda:²"], ["shapes", "vgg16", "--input", "3,²,2"],
                                  ["activations", "--net", "mnist-net1", "--index", "²"]])
def test_superscript_digits_are_a_clean_usage_error(args, capsys):
    # str.isdigit() accepts "²", int() does not: each number check uses ASCII digits only.
    try:
        status = main(args)
    except SystemExit as exc:  # argparse's own usage errors
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
