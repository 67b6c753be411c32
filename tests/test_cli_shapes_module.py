"""`convviz shapes --module FILE.py:FACTORY`: held against torch's own forward hooks run on the CPU."""

from __future__ import annotations

import json
import textwrap

import pytest
import torch
from torch import nn

from visualizer.cli import main
from visualizer.core.errors import UserInputError
from visualizer.core.module_summary import summarize_module

BRANCHED = textwrap.dedent('''
    import torch
    from torch import nn

    class Branched(nn.Module):
        """Two paths added, a ReLU used twice, a strided shortcut."""

        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, padding=1)
            self.main = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16))
            self.shortcut = nn.Conv2d(8, 16, 1, stride=2, bias=False)
            self.act = nn.ReLU()
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            x = self.act(self.stem(x))
            x = self.act(self.main(x) + self.shortcut(x))
            return self.fc(self.pool(x).flatten(1))

    def make():
        return Branched()
''')


@pytest.fixture
def net_file(tmp_path):
    path = tmp_path / "branched.py"
    path.write_text(BRANCHED)
    return path


def _oracle(path):
    """Leaf modules in call order with torch's hooks on a real CPU forward pass."""
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    model = namespace["make"]().eval()
    names = {m: n for n, m in model.named_modules()}
    calls = []
    for m in model.modules():
        if not list(m.children()):
            m.register_forward_hook(lambda mod, i, o: calls.append((names[mod], type(mod).__name__,
                                                                     tuple(o.shape[1:]), mod)))
    with torch.no_grad():
        model(torch.zeros(1, 3, 32, 32))
    return model, calls


@pytest.mark.parametrize("factory", ["make", "Branched"])
def test_module_table_matches_torch_hooks(net_file, factory, capsys):
    assert main(["shapes", "--module", f"{net_file}:{factory}", "--input", "3,32,32", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    model, calls = _oracle(net_file)
    assert [(r["name"], r["type"], tuple(r["output_shape"])) for r in doc["layers"]] == \
        [(n, t, s) for n, t, s, _ in calls]
    assert doc["total_params"] == sum(p.numel() for p in model.parameters())
    seen = set()
    for row, (_, _, shape, mod) in zip(doc["layers"], calls):
        expected = 0 if id(mod) in seen else sum(p.numel() for p in mod.parameters())
        seen.add(id(mod))
        assert row["params"] == expected
        if isinstance(mod, nn.Conv2d):
            assert row["macs"] == torch.Size(shape).numel() * mod.in_channels // mod.groups * mod.kernel_size[0] ** 2
        elif isinstance(mod, nn.Linear):
            assert row["macs"] == mod.in_features * mod.out_features
        else:
            assert row["macs"] == 0
    assert [r["name"] for r in doc["layers"]].count("act") == 2
    assert doc["output_shape"] == [10]


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv", "latex"])
def test_module_table_in_every_format(net_file, fmt, capsys):
    assert main(["shapes", "--module", f"{net_file}:make", "--input", "3,32,32", "--format", fmt]) == 0
    out = capsys.readouterr().out
    total = sum(p.numel() for p in _oracle(net_file)[0].parameters())
    assert "shortcut" in out and (f"{total:,}" in out or str(total) in out)


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("convviz: error: "), err
    return err


def test_errors_in_the_users_file_are_one_line_with_file_and_line(tmp_path, capsys):
    bad = tmp_path / "syntax.py"
    bad.write_text("import torch\n\ndef make(:\n    pass\n")
    assert main(["shapes", "--module", f"{bad}:make"]) == 2
    assert "syntax.py:3: SyntaxError" in _one_error(capsys)

    raising = tmp_path / "forward.py"
    raising.write_text(textwrap.dedent('''
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(5, 2)

            def forward(self, x):
                return self.fc(x)
    '''))
    assert main(["shapes", "--module", f"{raising}:Net", "--input", "1,4,4"]) == 2
    err = _one_error(capsys)
    assert "forward.py:10: RuntimeError" in err, err

    assert main(["shapes", "--module", f"{raising}:Missing"]) == 2
    assert "forward.py: no factory named 'Missing'" in _one_error(capsys)

    needs = tmp_path / "needs.py"
    needs.write_text("def make(width):\n    return width\n")
    assert main(["shapes", "--module", f"{needs}:make"]) == 2
    assert "make needs arguments" in _one_error(capsys)

    notmod = tmp_path / "notmod.py"
    notmod.write_text("def make():\n    return 3\n")
    assert main(["shapes", "--module", f"{notmod}:make"]) == 2
    assert "not a torch.nn.Module" in _one_error(capsys)

    exits = tmp_path / "exits.py"
    exits.write_text("import sys\nsys.exit(3)\n")
    assert main(["shapes", "--module", f"{exits}:make"]) == 2
    assert "exits.py:2: SystemExit" in _one_error(capsys)

    for spec in ("nocolon.py", str(tmp_path / "absent.py") + ":make", "no_such_package_xyz:make"):
        assert main(["shapes", "--module", spec]) == 2
        _one_error(capsys)
    assert main(["shapes", "mnist-net1", "--module", f"{notmod}:make"]) == 2
    _one_error(capsys)


def test_package_module_form(tmp_path, monkeypatch):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "nets.py").write_text("from torch import nn\n\ndef tiny():\n    return nn.Sequential(nn.Flatten(), nn.Linear(4, 3))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    table = summarize_module("mypkg.nets:tiny", (1, 2, 2))
    assert [(r.name, r.output_shape, r.params) for r in table.rows] == [("0", (4,), 0), ("1", (3,), 15)]


def test_help_says_it_runs_your_code(capsys):
    with pytest.raises(SystemExit):
        main(["shapes", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "RUNS YOUR CODE" in out and "use it only with code you trust" in out


def test_summarize_module_refuses_bad_specs():
    with pytest.raises(UserInputError, match="FILE.py:FACTORY"):
        summarize_module("just-a-name", (1, 2, 2))


def test_tensors_made_in_forward_are_on_the_meta_device_too(tmp_path, capsys):
    path = tmp_path / "makes.py"
    path.write_text(textwrap.dedent('''
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.c = nn.Conv2d(3, 4, 3)

            def forward(self, x):
                return self.c(x) + torch.zeros(1, 4, 6, 6)
    '''))
    assert main(["shapes", "--module", f"{path}:Net", "--input", "3,8,8", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["layers"][0]["output_shape"] == [4, 6, 6] and doc["total_params"] == 112
