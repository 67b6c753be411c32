"""The one home of each shape rule: output size and its text, parse_pair, byte sizes, receptive field."""

from __future__ import annotations

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from visualizer.core import convolution, shape_text, table_format
from visualizer.core.architecture import compute_table, preset
from visualizer.core.errors import UserInputError
from visualizer.core.output_size import output_size, output_size_text
from visualizer.core.parsing import parse_pair


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 20), k=st.integers(1, 5), s=st.integers(1, 4), p=st.integers(0, 2), d=st.integers(1, 3))
def test_output_size_is_torchs_for_convolutions(n, k, s, p, d):
    if n + 2 * p < d * (k - 1) + 1:
        assert output_size(n, k, s, p, d) < 1  # the window does not fit
        return
    conv = torch.nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)
    assert conv(torch.zeros(1, 1, n, n)).shape[-1] == output_size(n, k, s, p, d)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 20), k=st.integers(1, 5), s=st.integers(1, 4), p=st.integers(0, 2),
       ceil=st.booleans())
def test_output_size_is_torchs_for_pools_with_ceil_mode(n, k, s, p, ceil):
    assume(2 * p <= k and n + 2 * p >= k)  # torch refuses other pools
    pool = torch.nn.MaxPool2d(k, stride=s, padding=p, ceil_mode=ceil)
    assert pool(torch.zeros(1, 1, n, n)).shape[-1] == output_size(n, k, s, p, ceil_mode=ceil)


def test_output_size_text_with_the_users_numbers():
    assert output_size_text(5, 3, 2, 1) == "⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3"
    assert output_size_text(5, 3, 1, 1, p_after=2).startswith("⌊(5 + 1 + 2 − 1·(3 − 1) − 1) / 1⌋")
    assert output_size_text(5, 2, 2, ceil_mode=True) == "⌈(5 + 2·0 − 1·(2 − 1) − 1) / 2⌉ + 1 = ⌈3 / 2⌉ + 1 = 3"
    # torch drops a last window that would start in the padding: the text says so
    assert output_size(5, 2, 2, 1, ceil_mode=True) == 3
    assert "the last window would start in the padding" in output_size_text(5, 2, 2, 1, ceil_mode=True)


def test_every_user_of_the_formula_shows_the_same_text():
    report = convolution.size_report((5, 5), (3, 3), convolution.ConvSpec(stride=(2, 2), padding=(1, 1)))
    assert report.rows.formula == output_size_text(5, 3, 2, 1)
    explained = shape_text.explain_layer("Conv2d", {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1]},
                                         (1, 5, 5), (8, 3, 3), 80, 648)
    assert output_size_text(5, 3, 2, 1) in explained


@pytest.mark.parametrize("text,expected", [
    ("3", (3, 3)), ("3×5", (3, 5)), ("3x5", (3, 5)), ("[3 5]", (3, 5)), ("(3, 5)", (3, 5)), (" 2 , 3 ", (2, 3))])
def test_parse_pair_reads_what_people_type(text, expected):
    assert parse_pair(text, "kernel size") == expected


def test_parse_pair_words_minimum_and_messages():
    assert parse_pair("SAME", "padding", minimum=0, words=("same", "valid")) == "same"
    assert parse_pair("0", "padding", minimum=0) == (0, 0)
    with pytest.raises(UserInputError, match=r"^stride must be at least 1, got '0'$"):
        parse_pair("0", "stride")
    with pytest.raises(UserInputError, match="padding cannot be negative"):
        parse_pair("-1", "padding", minimum=0)
    with pytest.raises(UserInputError, match="kernel size must be an integer or two"):
        parse_pair("three", "kernel size")
    with pytest.raises(UserInputError, match="or 'same'"):
        parse_pair("wide", "padding", minimum=0, words=("same",))


def test_one_parse_pair():
    assert shape_text.parse_pair is parse_pair
    assert convolution.parse_pair("2,3", "stride") == parse_pair("2,3", "stride")


@pytest.mark.parametrize("n,text", [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"),
                                    (3 * 1024 ** 2 + 1024 ** 2 // 2, "3.5 MiB"), (5 * 1024 ** 3, "5.0 GiB")])
def test_format_bytes(n, text):
    assert shape_text.format_bytes(n) == text


def test_one_byte_size_text_for_gui_and_cli():
    assert not hasattr(table_format, "human_bytes")
    table = compute_table(preset("mnist-net1"))
    assert shape_text.format_bytes(table.rows[0].activation_bytes) in table_format.row_cells(table.rows[0])


def test_rf_text_says_jump_in_gui_and_cli():
    assert shape_text.rf_text((5, 5), (2, 2)) == "5×5 (jump 2)"
    assert shape_text.rf_text((3, 5), (1, 2)) == "3×5 (jump 1×2)"
    assert shape_text.rf_text((28, 28), None) == "28×28 (whole input)"
    assert shape_text.rf_text(None, None) == "?"
    table = compute_table(preset("mnist-net1"))
    conv2 = table.rows[4]
    assert table_format.row_cells(conv2)[-1] == shape_text.rf_text(conv2.rf_size, conv2.rf_jump) == "8×8 (jump 2)"
    assert "8×8 (jump 2)" in table_format.format_table(table, "text")
