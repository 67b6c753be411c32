"""`convviz train --distributions N` (issue 24)."""

from __future__ import annotations

import pytest

from visualizer.cli import build_parser, main
from visualizer.core import distributions as dist

SMALL = ["--train-size", "512", "--val-size", "128", "--test-size", "128", "--epochs", "1",
         "--report-every", "128", "--device", "cpu", "--quiet"]


def test_train_writes_distributions_and_overwrite_without_it_removes_them(tmp_path, capsys, mnist_dir):
    out = tmp_path / "run"
    status = main(["train", *SMALL, "--data", str(mnist_dir), "--distributions", "256", "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    records = dist.read_distributions(out / dist.FILE_NAME)
    assert sorted({r["examples_seen"] for r in records}) == [256, 512]
    conv1 = [r for r in records if r["layer"] == "conv1"]
    assert sorted(r["kind"] for r in conv1) == ["activation", "activation", "grad", "grad", "weight", "weight"]
    assert all(sum(r["counts"]) == 72 for r in conv1 if r["kind"] != "activation")
    status = main(["train", *SMALL, "--data", str(mnist_dir), "--out", str(out), "--overwrite"])
    assert status == 0
    assert not (out / dist.FILE_NAME).exists()  # not the old run's records beside the new run


def test_the_option_alone_takes_the_default_interval():
    parser = build_parser(["train"])
    assert parser.parse_args(["train", "--out", "x", "--distributions"]).distributions == dist.DEFAULT_EVERY
    assert parser.parse_args(["train", "--out", "x", "--distributions", "5000"]).distributions == 5000
    assert parser.parse_args(["train", "--out", "x"]).distributions is None


@pytest.mark.parametrize("value", ["0", "-3", "ten", "1.5"])
def test_bad_intervals_are_one_line_and_exit_2(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--out", str(tmp_path / "r"), f"--distributions={value}"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--distributions" in err, err
    assert not (tmp_path / "r").exists()
