"""Issue 22, item 2: the `convviz shapes --module` cases of the fault run. Each gave a wrong number
(or a wrong refusal, or warning text on stderr) without a word; each is now right or says why."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.helpers.cli import convviz, one_error_line
from visualizer.cli import main

NETS = textwrap.dedent('''
    import warnings
    from pathlib import Path

    import torch
    import torch.nn.functional as F
    from torch import nn

    HERE = Path(__file__).resolve().parent


    class Up(nn.Module):
        def __init__(self):
            super().__init__()
            self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)

        def forward(self, x):
            return self.up(x)


    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(256, 256, bias=False)
            self.decode = nn.Linear(256, 256, bias=False)
            self.decode.weight = self.embed.weight

        def forward(self, x):
            return self.decode(self.embed(x.flatten(1)))


    class SeqFirst(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, 64)
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            out, _ = self.lstm(x.squeeze(1).permute(1, 0, 2))
            return self.fc(out[-1])


    class RegNetLike(nn.Module):
        def __init__(self):
            super().__init__()
            widths = (torch.arange(2) * 16 + 16).tolist()
            self.stem = nn.Conv2d(3, int(widths[0]), 3, stride=2, padding=1)
            self.stage = nn.Conv2d(int(widths[0]), int(widths[1]), 3, padding=1)

        def forward(self, x):
            return self.stage(self.stem(x))


    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.kernel = nn.Parameter(torch.randn(4, 3, 3, 3))

        def forward(self, x):
            return F.conv2d(x, self.kernel)


    class TakesADict(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)
            warnings.warn("built with a warning")

        def forward(self, batch):
            return self.fc(batch["x"])


    def pickled():
        return torch.load(HERE / "model.pt", weights_only=False)


    def pickled_weights_only():
        return torch.load(HERE / "model.pt")
''')


@pytest.fixture
def nets(tmp_path):
    path = tmp_path / "nets.py"
    path.write_text(NETS)
    return path


def _table(capsys, spec: str, shape: str) -> dict:
    assert main(["shapes", "--module", spec, "--input", shape, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def test_a_transposed_convolution_has_the_flop_counters_macs(nets, capsys):
    doc = _table(capsys, f"{nets}:Up", "16,7,7")
    assert doc["total_macs"] == 25_088  # was 100,352, the forward-convolution formula
    assert doc["layers"][0]["output_shape"] == [8, 14, 14]


def test_a_tied_weight_is_counted_once_with_no_negative_row(nets, capsys):
    doc = _table(capsys, f"{nets}:Tied", "1,16,16")
    assert [(r["name"], r["params"]) for r in doc["layers"]] == [("embed", 65_536), ("decode", 0)]
    assert "shared with embed" in doc["layers"][1]["settings"]
    assert doc["total_params"] == 65_536 and doc["total_macs"] == 2 * 65_536


def test_a_sequence_first_lstm_shows_its_real_output(nets, capsys):
    doc = _table(capsys, f"{nets}:SeqFirst", "1,28,28")
    assert doc["layers"][0]["output_shape"] == [28, 1, 64]  # was [1, 64]
    assert any("LSTM lstm" in n for n in doc["notes"]) and any("batch axis" in n for n in doc["notes"])


def test_tensor_maths_in_init_is_built_on_the_cpu(nets, capsys):
    doc = _table(capsys, f"{nets}:RegNetLike", "3,32,32")  # was "Cannot copy out of meta tensor"
    assert [r["output_shape"] for r in doc["layers"]] == [[16, 16, 16], [32, 16, 16]]
    assert any("built and run on the CPU" in n for n in doc["notes"])


def test_functional_maths_on_a_parents_weight_is_named_not_silently_zero(nets, capsys):
    doc = _table(capsys, f"{nets}:Functional", "3,8,8")
    assert doc["total_macs"] == 0 and any("Functional (model)" in n for n in doc["notes"])
    assert main(["shapes", "--module", f"{nets}:Functional", "--input", "3,8,8"]) == 0
    assert "Note: MACs not counted (0 in the total) for: Functional (model)" in capsys.readouterr().out


def test_the_users_warnings_never_reach_stderr(nets, tmp_path):
    proc = convviz("shapes", "--module", f"{nets}:TakesADict", "--input", "1,2,2")
    assert proc.returncode == 2
    assert one_error_line(proc.stderr).startswith("convviz: error: nets.py:")
    import torch
    from torch import nn

    torch.save(nn.Sequential(nn.Flatten(), nn.Linear(4, 3)), tmp_path / "model.pt")
    proc = convviz("shapes", "--module", f"{nets}:pickled", "--input", "1,2,2")
    assert proc.returncode == 0 and proc.stderr == ""
    assert "Total" in proc.stdout
    # torch.load's refusal of a pickled model colours its words for a terminal: plain text here.
    proc = convviz("shapes", "--module", f"{nets}:pickled_weights_only", "--input", "1,2,2")
    line = one_error_line(proc.stderr)
    assert proc.returncode == 2 and "UnpicklingError: Weights only load failed" in line
    assert "[1m" not in line and "[0m" not in line
