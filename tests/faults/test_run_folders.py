"""Issue 9, item 4: a bad run folder is listed with its reason, never hidden, never fatal."""

from __future__ import annotations

import pytest

from visualizer.core.errors import UserInputError
from visualizer.core.runs import SCHEMA, _read_json, list_runs, load_run, write_json
from visualizer.core.safe_json import load_json_text


def _run(root, name, metrics_text=None, config=None):
    folder = root / name
    folder.mkdir()
    write_json(folder / "config.json", config or {"run_id": name, "net": "mnist-net1", "epochs": 1,
                                                  "started": f"2026-11-28T10:00:0{len(name) % 10}+00:00"})
    if metrics_text is not None:
        (folder / "metrics.json").write_text(metrics_text)
    return folder


BAD_METRICS = {
    "huge-int": '{"final": {"status": "completed", "train_loss": ' + "9" * 5000 + "}}",
    "deep": "[" * 100_000 + "]" * 100_000,
    "not-a-dict": "[1, 2, 3]",
    "wrong-types": '{"final": {"status": "completed", "test_accuracy": "high"}, "epochs": []}',
    "bad-epochs": '{"final": {}, "epochs": [1, 2]}',
    "bad-status": '{"final": {"status": 5}, "epochs": []}',
    "truncated": '{"schema": "convviz.run", "final": {"status": "compl',
    "binary": "\x00\x01\x02garbage",
}


def test_every_bad_folder_is_listed_with_a_reason_and_nothing_raises(tmp_path):
    good = _run(tmp_path, "good", '{"final": {"status": "completed"}, "epochs": []}')
    for name, text in BAD_METRICS.items():
        _run(tmp_path, name, text)
    folder = _run(tmp_path, "unreadable")
    (folder / "metrics.json").mkdir()  # a folder where the file belongs (permissions do not stop root)
    _run(tmp_path, "copy-of-good", '{"final": {"status": "stopped"}, "epochs": []}',
         config={"run_id": "good", "net": "mnist-net1", "started": "2026-11-28T11:00:00+00:00"})
    runs = list_runs(tmp_path)
    by_folder = {r.folder.name: r for r in runs}
    assert set(by_folder) == {"good", "copy-of-good", "unreadable", *BAD_METRICS}  # none hidden
    for name in [*BAD_METRICS, "unreadable"]:
        rec = by_folder[name]
        assert rec.problem and rec.status == "unreadable" and not rec.readable, name
        assert "metrics.json" in rec.problem and len(rec.problem) < 300 and rec.problem.isprintable(), rec.problem
    assert by_folder["good"].problem == "" and by_folder["good"].status == "completed"
    # Two folders with one run id (a copied folder): both listed, ids unique.
    assert by_folder["copy-of-good"].readable and by_folder["copy-of-good"].status == "stopped"
    assert len({r.run_id for r in runs}) == len(runs)
    assert by_folder["good"].run_id == "good"
    assert good.is_dir()


@pytest.mark.parametrize("name", sorted(BAD_METRICS))
def test_reading_a_bad_file_raises_only_a_user_input_error(tmp_path, name):
    folder = _run(tmp_path, name, BAD_METRICS[name])
    with pytest.raises(UserInputError):
        load_run(folder)


def test_safe_json_turns_every_parser_failure_into_one_sentence(tmp_path):
    for text, words in [("[" * 100_000, "levels deep"), ('{"a": ' + "1" * 5000 + "}", "5,000 digits"),
                        ("{", "not valid JSON")]:
        with pytest.raises(UserInputError, match=words):
            load_json_text(text, "x.json")
    (tmp_path / "m.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UserInputError, match="not a UTF-8 text file"):
        _read_json(tmp_path / "m.json")
    with pytest.raises(UserInputError, match="is a folder"):
        _read_json(tmp_path)
    assert load_json_text('{"schema": "' + SCHEMA + '", "n": [1, 2.5, null]}', "x") == {
        "schema": SCHEMA, "n": [1, 2.5, None]}


def test_a_results_file_cut_short_is_a_user_input_error(tmp_path):
    import io

    import numpy as np

    from visualizer.core.runs import load_results

    buf = io.BytesIO()
    np.savez_compressed(buf, confusion=np.eye(10, dtype=np.int64))
    folder = _run(tmp_path, "r", '{"final": {"status": "completed"}, "epochs": []}')
    (folder / "results.npz").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(UserInputError, match="results.npz"):
        load_results(folder)
    (folder / "results.npz").write_bytes(b"not a zip at all")
    with pytest.raises(UserInputError, match="results.npz"):
        load_results(folder)
