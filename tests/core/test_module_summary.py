"""core.module_summary held against torch itself: MACs against torch.utils.flop_counter.FlopCounterMode
(FLOPs / 2) on a real CPU forward pass, shapes against forward hooks on the CPU, parameters
against model.parameters() (issue 22, item 2)."""

from __future__ import annotations

import sys
import types
from contextlib import contextmanager

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from visualizer.core.errors import UserInputError
from visualizer.core.module_summary import summarize_module


@contextmanager
def as_module(**factories):
    """The factories as `convviz_test_nets:NAME` (a package module the summary imports)."""
    mod = types.ModuleType("convviz_test_nets")
    mod.__dict__.update(factories)
    sys.modules["convviz_test_nets"] = mod
    try:
        yield
    finally:
        sys.modules.pop("convviz_test_nets", None)


def summary(factory, shape):
    with as_module(make=factory):
        return summarize_module("convviz_test_nets:make", shape)


def torch_macs(model: nn.Module, shape) -> int:
    """torch's own count on a real CPU forward pass of a batch of one."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.eval()(torch.zeros(1, *shape))
    return counter.get_total_flops() // 2


def hooked_shapes(model: nn.Module, shape) -> list[tuple[int, ...]]:
    seen = []
    for m in model.modules():
        if not list(m.children()):
            m.register_forward_hook(lambda _m, _i, o: seen.append(tuple((o[0] if isinstance(o, tuple) else o).shape)))
    with torch.no_grad():
        model.eval()(torch.zeros(1, *shape))
    return seen


class Reshaped(nn.Module):
    """One layer fed a (1, C, H, W) input reshaped to what it takes: 1-D (C, H·W), 2-D, or 3-D (C, D, H/D, W)."""

    def __init__(self, layer: nn.Module, dims: int, depth: int = 2):
        super().__init__()
        self.layer, self.dims, self.depth = layer, dims, depth

    def forward(self, x):
        if self.dims == 1:
            x = x.flatten(2)
        elif self.dims == 3:
            x = x.unflatten(2, (self.depth, x.shape[2] // self.depth))
        return self.layer(x)


CASES = {
    "the issue's ConvTranspose2d": (lambda: nn.ConvTranspose2d(16, 8, 2, stride=2), (16, 7, 7)),
    "ConvTranspose2d grouped, padded": (lambda: nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1,
                                                                   groups=4), (16, 7, 7)),
    "ConvTranspose1d": (lambda: Reshaped(nn.ConvTranspose1d(4, 6, 5, stride=3), 1), (4, 3, 5)),
    "ConvTranspose3d": (lambda: Reshaped(nn.ConvTranspose3d(4, 2, 3, stride=2), 3), (4, 4, 5)),
    "Conv2d grouped": (lambda: nn.Conv2d(12, 18, 3, groups=3, padding=1), (12, 9, 9)),
    "Conv2d depthwise, dilated": (lambda: nn.Conv2d(8, 8, 3, groups=8, dilation=2), (8, 11, 11)),
    "Conv1d": (lambda: Reshaped(nn.Conv1d(3, 7, 4, stride=2), 1), (3, 4, 9)),
    "Conv3d": (lambda: Reshaped(nn.Conv3d(2, 5, (2, 3, 3), padding=1), 3), (2, 6, 7)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_macs_of_every_convolution_equal_torchs_flop_counter(case):
    factory, shape = CASES[case]
    table = summary(factory, shape)
    assert table.total_macs == torch_macs(factory(), shape) > 0
    assert table.total_params == sum(p.numel() for p in factory().parameters())
    assert [r.output_shape for r in table.rows][-1] == hooked_shapes(factory(), shape)[-1][1:]


def test_the_issues_transposed_convolution_is_25088_macs():
    table = summary(lambda: nn.ConvTranspose2d(16, 8, 2, stride=2), (16, 7, 7))
    assert table.total_macs == 25_088 and table.rows[0].output_shape == (8, 14, 14)
    assert any("transposed convolution" in n and "input size" in n for n in table.notes)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups=st.sampled_from([1, 2, 4]), c_in=st.integers(1, 3), c_out=st.integers(1, 3),
       k=st.integers(1, 4), stride=st.integers(1, 3), dilation=st.integers(1, 2),
       transposed=st.booleans(), size=st.integers(7, 12))  # the dilated kernel fits
def test_any_conv2d_or_transposed_conv2d_equals_the_flop_counter(groups, c_in, c_out, k, stride, dilation,
                                                                transposed, size):
    kind = nn.ConvTranspose2d if transposed else nn.Conv2d
    shape = (c_in * groups, size, size)

    def factory():
        return kind(c_in * groups, c_out * groups, k, stride=stride, dilation=dilation, groups=groups)

    assert summary(factory, shape).total_macs == torch_macs(factory(), shape)


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(256, 256, bias=False)
        self.decode = nn.Linear(256, 256)
        self.decode.weight = self.embed.weight

    def forward(self, x):
        return self.decode(self.embed(x.flatten(1)))


def test_a_tied_weight_is_counted_once_with_a_note_and_no_negative_row():
    table = summary(Tied, (1, 16, 16))
    model = Tied()
    assert table.total_params == sum(p.numel() for p in model.parameters()) == 65_536 + 256
    assert [(r.name, r.params) for r in table.rows] == [("embed", 65_536), ("decode", 256)]
    assert "weight shared with embed, counted there" in table.rows[1].settings
    assert all(r.params >= 0 for r in table.rows)
    assert sum(r.params for r in table.rows) == table.total_params
    assert table.total_macs == torch_macs(model, (1, 16, 16))


class SequenceFirst(nn.Module):
    def __init__(self, batch_first: bool):
        super().__init__()
        self.batch_first = batch_first
        self.lstm = nn.LSTM(28, 64, batch_first=batch_first)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = x.squeeze(1)  # N×28×28
        if not self.batch_first:
            x = x.permute(1, 0, 2)  # 28×N×28: sequence first
        out, _ = self.lstm(x)
        return self.fc(out[:, -1] if self.batch_first else out[-1])


def test_a_sequence_first_lstm_shows_the_shape_its_hook_sees():
    table = summary(lambda: SequenceFirst(False), (1, 28, 28))
    real = hooked_shapes(SequenceFirst(False), (1, 28, 28))
    assert real[0] == (28, 1, 64)
    assert table.rows[0].output_shape == (28, 1, 64)  # whole: the batch is not its first axis
    assert table.rows[1].output_shape == (10,)  # an ordinary batch-first row loses its batch axis
    assert any("batch axis included" in n and "lstm 28×1×64" in n for n in table.notes)
    assert any(n.startswith("MACs not counted") and "LSTM lstm" in n for n in table.notes)
    # Batch first: shown as every other row, without the batch axis.
    table = summary(lambda: SequenceFirst(True), (1, 28, 28))
    assert table.rows[0].output_shape == (28, 64)
    assert not any("batch axis" in n for n in table.notes)


class OwnMaths(nn.Module):
    """A parent that computes with its own weights, and an attention layer."""

    def __init__(self):
        super().__init__()
        self.kernel = nn.Parameter(torch.randn(8, 1, 3, 3))
        self.proj = nn.Parameter(torch.randn(8, 4))
        self.attn = nn.MultiheadAttention(4, 2)
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        y = F.conv2d(x, self.kernel).mean((2, 3)) @ self.proj
        s = y.unsqueeze(0)
        return self.head(self.attn(s, s, s)[0])


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(28, 32, batch_first=True)
        self.cell = nn.LSTMCell(32, 16)
        self.pair = nn.Bilinear(16, 16, 2)

    def forward(self, x):
        out, _ = self.gru(x.squeeze(1))
        h, _ = self.cell(out[:, -1])
        return self.pair(h, h)


def test_recurrent_and_bilinear_layers_are_named():
    table = summary(Recurrent, (1, 28, 28))
    assert table.rows[0].output_shape == (28, 32)  # batch first: shown without it
    assert table.notes == ("MACs not counted (0 in the total) for: GRU gru, LSTMCell cell, Bilinear pair",)


def test_modules_whose_macs_are_not_counted_are_named():
    table = summary(OwnMaths, (1, 8, 8))
    note = next(n for n in table.notes if n.startswith("MACs not counted"))
    assert "OwnMaths (model)" in note and "MultiheadAttention attn" in note and "Linear" not in note
    assert table.total_macs == 4 * 3  # the head only
    assert table.total_params == sum(p.numel() for p in OwnMaths().parameters())
    # An ordinary CNN gets no such note.
    plain = summary(lambda: nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                                          nn.Linear(4 * 6 * 6, 10), nn.LayerNorm(10)), (1, 8, 8))
    assert plain.notes == ()


class Widths(nn.Module):
    """Layer widths computed with tensors in __init__ (as torchvision's RegNet does)."""

    def __init__(self, big: int = 0):
        super().__init__()
        widths = (torch.arange(3) * 8 + 8).tolist()
        layers, c = [], 1
        for w in widths:
            layers += [nn.Conv2d(c, int(w), 3, padding=1), nn.ReLU()]
            c = int(w)
        self.body = nn.Sequential(*layers)
        self.big = nn.Linear(big, big) if big else None

    def forward(self, x):
        return self.body(x)


def test_tensor_maths_in_init_falls_back_to_the_cpu():
    with pytest.raises(RuntimeError, match="meta"):
        with torch.device("meta"):
            Widths()
    table = summary(Widths, (1, 28, 28))
    model = Widths()
    assert [r.output_shape for r in table.rows] == [s[1:] for s in hooked_shapes(model, (1, 28, 28))]
    assert table.total_macs == torch_macs(model, (1, 28, 28))
    assert table.total_params == sum(p.numel() for p in model.parameters())
    assert any("built and run on the CPU" in n for n in table.notes)


def test_a_cpu_forward_of_a_huge_input_is_refused():
    with pytest.raises(UserInputError, match="an input of more than 4,194,304 values is refused"):
        summary(Widths, (1, 4096, 4096))


def test_a_cpu_build_too_big_for_memory_is_refused_before_it_is_made():
    # 100,000² weights: 37 GiB of float32, counted on the meta device, never allocated.
    with pytest.raises(UserInputError, match=r"37\.3 GiB \(more than 2 GiB\); not built"):
        summary(lambda: Widths(100_000), (1, 28, 28))


class OwnValues(nn.Module):
    """An __init__ that reads its own weights' values: they cannot be counted on the meta device."""

    def __init__(self, width: int = 4):
        super().__init__()
        self.fc = nn.Linear(width, 4)
        self.scale = float(self.fc.weight.abs().max())

    def forward(self, x):
        return self.fc(x.flatten(1)) * self.scale


def test_an_init_that_reads_its_weights_is_built_on_the_cpu_within_the_budget():
    table = summary(OwnValues, (1, 2, 2))
    assert table.total_params == 20 and table.total_macs == 16
    assert any("built and run on the CPU" in n for n in table.notes)
    # 2**29 + 1 float32 weights (2 GiB and 4 bytes): stopped as they are asked for, never made.
    with pytest.raises(UserInputError, match="asked for more than 2 GiB; stopped"):
        summary(lambda: OwnValues(2**27 + 1), (1, 2, 2))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.skip = nn.ModuleDict({"a": nn.Conv2d(4, 4, 1)})

    def forward(self, x):
        return self.conv(x) + self.skip["a"](x)


class Listed(nn.Module):
    """Layers in a ModuleList and a ModuleDict (never called themselves), one called past its block."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Conv2d(3, 4, 3, padding=1), Block(), Block()])
        self.extra = nn.ModuleList([Block()])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.extra[0].conv(x)


def test_containers_that_are_never_called_raise_no_note():
    table = summary(Listed, (3, 8, 8))
    assert table.notes == ()
    assert table.total_macs == torch_macs(Listed(), (3, 8, 8))


def test_the_flop_counter_tracks_only_the_users_model():
    # torch's own module tracker hooks every module of the process (a GUI training in another
    # thread too); the summary's tracker names the modules of the model it summarises only.
    from visualizer.core.module_notes import flop_counter

    model, other = nn.Sequential(nn.Linear(4, 3)), nn.Linear(2, 2)
    with flop_counter(model) as counter:
        other(torch.zeros(1, 2))  # torch's tracker would count it as "Linear"
        model(torch.zeros(1, 4))
    assert set(counter.get_flop_counts()) == {"Global", "Sequential", "Sequential.0"}
    assert counter.get_flop_counts()["Sequential.0"] == {torch.ops.aten.addmm: 2 * 12}


class Branches(nn.Module):
    """A forward pass that reads values (the meta device has none)."""

    def __init__(self, width: int = 4):
        super().__init__()
        self.conv = nn.Conv2d(1, width, 3)
        self.other = nn.Conv2d(1, width, 5, padding=1)

    def forward(self, x):
        return self.conv(x) if float(x.sum()) >= 0 else self.other(x)


def test_a_forward_that_reads_values_runs_on_the_cpu():
    with pytest.raises((RuntimeError, NotImplementedError), match="meta"):
        Branches().to("meta")(torch.empty(1, 1, 8, 8, device="meta"))
    table = summary(Branches, (1, 8, 8))
    assert [(r.name, r.output_shape) for r in table.rows] == [("conv", (4, 6, 6)), ("(other parameters)", None)]
    assert table.total_macs == torch_macs(Branches(), (1, 8, 8))
    assert any("built and run on the CPU: its forward pass computes" in n for n in table.notes)
    with pytest.raises(UserInputError, match="its forward pass computes with tensor values.*more than 2 GiB"):
        summary(lambda: Branches(2**26), (1, 8, 8))  # 2**26 · 36 values of 4 bytes: 9 GiB, never made
