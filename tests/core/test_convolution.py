"""The convolution core against independent oracles: scipy.signal and torch.nn.Conv2d."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import signal

from visualizer.core import convolution as cv
from visualizer.core.errors import UserInputError

COURSE_X = cv.INPUT_PRESETS["course-example"]
COURSE_K = cv.KERNEL_PRESETS["course-normalized"]


def test_course_example_stride2_pad1_worked_by_hand():
    out = cv.convolve(COURSE_X, COURSE_K, cv.ConvSpec(stride=(2, 2), padding=(1, 1)))
    # Worked by hand for the top-left cell: only the four bottom-right weights meet real cells.
    assert out[0, 0, 0] == pytest.approx(0.2 * 4 + 0.1 * 1 + 0.1 * 3 + 0.05 * 2)
    np.testing.assert_allclose(out[0], [[1.3, 2.7, 1.9], [1.9, 5.25, 3.1], [0.5, 3.5, 1.7]], atol=1e-12)


def test_course_example_stride1_pad2_shape_and_centre():
    out = cv.convolve(COURSE_X, COURSE_K, cv.ConvSpec(stride=(1, 1), padding=(2, 2)))
    assert out.shape == (1, 7, 7)
    # centre cell = the kernel on the 3x3 centre of the input
    assert out[0, 3, 3] == pytest.approx(float((COURSE_K * COURSE_X[1:4, 1:4]).sum()))


@st.composite
def problems(draw, modes=("zeros",)):
    c = draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sy, sx = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dy, dx = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    mode = draw(st.sampled_from(modes))
    limit_y, limit_x = (h - 1, w - 1) if mode == "reflect" else (h, w) if mode == "circular" else (3, 3)
    py, px = draw(st.integers(0, min(3, limit_y))), draw(st.integers(0, min(3, limit_x)))
    flip = draw(st.booleans())
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 6, (c, h, w)).astype(np.float64)
    k = rng.integers(-3, 4, (c, kh, kw)).astype(np.float64)
    spec = cv.ConvSpec(stride=(sy, sx), padding=(py, px), dilation=(dy, dx), padding_mode=mode, flip=flip)
    return x, k, spec


def _fits(x, k, spec):
    return cv.size_report(x.shape[1:], k.shape[1:], spec).error is None


def _dilate(k2, dy, dx):
    out = np.zeros(((k2.shape[0] - 1) * dy + 1, (k2.shape[1] - 1) * dx + 1))
    out[::dy, ::dx] = k2
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(problems())
def test_matches_scipy(problem):
    x, k, spec = problem
    if not _fits(x, k, spec):
        with pytest.raises(UserInputError):
            cv.convolve(x, k, spec)
        return
    got = cv.convolve(x, k, spec)[0]
    py, px = spec.padding
    total = 0
    for c in range(x.shape[0]):
        padded = np.pad(x[c], ((py, py), (px, px)))
        kern = _dilate(k[c], *spec.dilation)
        if spec.flip:
            # true convolution of the padded input with the (dilated) kernel
            full = signal.convolve2d(padded, _dilate(k[c][::-1, ::-1], *spec.dilation)[::-1, ::-1], mode="valid")
        else:
            full = signal.correlate2d(padded, kern, mode="valid")
        total = total + full
    expected = total[:: spec.stride[0], :: spec.stride[1]]
    np.testing.assert_allclose(got, expected, atol=1e-9)


@settings(max_examples=120, deadline=None)
@given(problems(modes=cv.PADDING_MODES))
def test_matches_torch_conv2d_module_all_padding_modes(problem):
    x, k, spec = problem
    assume(_fits(x, k, spec))
    conv = torch.nn.Conv2d(x.shape[0], 1, k.shape[1:], stride=spec.stride, padding=spec.padding,
                           dilation=spec.dilation, padding_mode=spec.padding_mode, bias=False).double()
    weight = k[:, ::-1, ::-1] if spec.flip else k
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(weight.copy())[None])
        expected = conv(torch.from_numpy(x)[None])[0, 0].numpy()
    np.testing.assert_allclose(cv.convolve(x, k, spec)[0], expected, atol=1e-9)


@settings(max_examples=80, deadline=None)
@given(problems(modes=cv.PADDING_MODES), st.floats(-2, 2, allow_nan=False))
def test_explain_cell_sums_to_the_output(problem, bias):
    x, k, base = problem
    spec = cv.ConvSpec(base.stride, base.padding, base.dilation, base.padding_mode, base.flip, bias)
    assume(_fits(x, k, spec))
    out = cv.convolve(x, k, spec)
    _, ho, wo = out.shape
    for oy, ox in {(0, 0), (ho - 1, wo - 1), (ho // 2, wo // 2)}:
        e = cv.explain_cell(x, k, spec, 0, oy, ox)
        assert e.total == pytest.approx(out[0, oy, ox], abs=1e-9)
        assert len(e.terms) == x.shape[0] * k.shape[1] * k.shape[2]
        assert math.fsum(t.product for t in e.terms) + e.bias == pytest.approx(e.total)
        top, _, left, _ = spec.pads(k.shape[1:], x.shape[1:])
        for t in e.terms:
            if t.source_yx is None:
                assert spec.padding_mode == "zeros" and t.value == 0
            else:
                assert t.value == x[t.channel][t.source_yx]
            # every window cell this output reads lists the output as one it feeds
            assert (oy, ox) in cv.outputs_fed_by(*t.padded_yx, x.shape[1:], k.shape[1:], spec)


def test_explanation_text_writes_every_term():
    e = cv.explain_cell(COURSE_X, COURSE_K, cv.ConvSpec(stride=(2, 2), padding=(1, 1)), 0, 0, 0)
    assert e.text == "0.1×0 + 0.2×0 + 0.05×0 + 0.05×0 + 0.2×4 + 0.1×1 + 0.15×0 + 0.1×3 + 0.05×2 = 1.3"
    assert [t.source_yx for t in e.terms][:4] == [None, None, None, None]
    assert e.terms[4].source_yx == (0, 0)


def test_negative_values_are_parenthesised():
    e = cv.explain_cell(np.array([[-2.0]]), np.array([[0.5]]), cv.ConvSpec(bias=-1), 0, 0, 0)
    assert e.text == "0.5×(−2) + (−1) = −2"


def test_size_formula_with_users_numbers():
    r = cv.size_report((5, 5), (3, 3), cv.ConvSpec(stride=(2, 2), padding=(1, 1)))
    assert r.out_shape == (3, 3)
    assert r.rows.formula == "⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3"
    assert r.error is None and r.warnings == []


def test_unused_rows_warning():
    r = cv.size_report((6, 5), (3, 3), cv.ConvSpec(stride=(2, 2)))
    assert r.out_shape == (2, 2)
    assert r.rows.unused == 1 and r.cols.unused == 0
    assert r.warnings == ["Stride 2 leaves the last 1 row of the padded input unused: 1 row of the input, "
                          "whose values the output never sees."]


def test_the_unused_note_says_whether_only_padding_goes_unused():
    # 5 + 2·1 = 7 padded rows, kernel 2, stride 2: windows at rows 0–1, 2–3, 4–5; row 6 is padding
    only_padding = cv.size_report((5, 5), (2, 2), cv.ConvSpec(stride=(2, 2), padding=(1, 1)))
    assert only_padding.rows.unused == 1 and only_padding.rows.p_after == 1
    assert only_padding.warnings[0].endswith("unused: padding only, so no input value is skipped.")
    # 6 + 2·1 = 8 padded rows, kernel 3, stride 3: windows at 0–2, 3–5; rows 6 (input) and 7 (padding) unused
    both = cv.size_report((6, 6), (3, 3), cv.ConvSpec(stride=(3, 3), padding=(1, 1)))
    assert both.rows.unused == 2
    assert "2 rows of the padded input unused: 1 row of padding and 1 row of the input" in both.warnings[0]


def _rows_read(n: int, k: int, spec) -> set[int]:
    """The input rows (from 1) the output depends on, found by changing each row alone (an oracle
    independent of the note's arithmetic)."""
    base = np.zeros((n, n))
    kernel = np.ones((k, k))
    ref = cv.convolve(base, kernel, spec)
    found = set()
    for r in range(n):
        x = base.copy()
        x[r, :] = 1.0
        if not np.array_equal(cv.convolve(x, kernel, spec), ref):
            found.add(r + 1)
    return found


@pytest.mark.parametrize("n, k, spec", [
    (6, 1, cv.ConvSpec(stride=(2, 2))),  # a 1×1 stride-2 shortcut: rows 2, 4 and 6 never read
    (5, 1, cv.ConvSpec(stride=(2, 2))),  # nothing left over at the end, rows 2 and 4 skipped
    (7, 3, cv.ConvSpec(dilation=(3, 3))),
    (9, 2, cv.ConvSpec(stride=(2, 2), dilation=(2, 2))),
])
def test_the_unused_note_names_rows_skipped_between_windows(n, k, spec):
    note = cv.size_report((n, n), (k, k), spec).warnings[0]
    unread = sorted(set(range(1, n + 1)) - _rows_read(n, k, spec))
    trailing = cv.size_report((n, n), (k, k), spec).rows.unused
    between = unread[:len(unread) - trailing]
    assert between, "each case skips rows between windows"
    listed = ", ".join(map(str, between[:-1])) + " and " + str(between[-1])
    assert f"skip rows {listed} of the input" in note and "whose values the output never sees" in note
    if trailing:
        assert f"leaves the last {trailing} row" in note
    else:
        assert "leaves the last" not in note


def test_empty_output_is_a_clear_error():
    r = cv.size_report((4, 4), (5, 5), cv.ConvSpec())
    assert r.out_shape == (0, 0)
    assert "empty" in r.error and "5 rows" in r.error
    with pytest.raises(UserInputError, match="empty"):
        cv.convolve(np.ones((4, 4)), np.ones((5, 5)), cv.ConvSpec())


@pytest.mark.parametrize("n,k,s,d", [(5, 3, 1, 1), (28, 3, 2, 1), (7, 2, 1, 2), (10, 4, 3, 1), (9, 3, 2, 2)])
def test_same_padding(n, k, s, d):
    spec = cv.ConvSpec(stride=(s, s), padding="same", dilation=(d, d))
    out = cv.convolve(np.ones((n, n)), np.ones((k, k)), spec)
    assert out.shape[1:] == (math.ceil(n / s),) * 2
    if s == 1:  # torch's own 'same' agrees for stride 1
        ref = torch.nn.functional.conv2d(torch.ones(1, 1, n, n, dtype=torch.float64),
                                         torch.ones(1, 1, k, k, dtype=torch.float64), padding="same", dilation=d)
        np.testing.assert_allclose(out[0], ref[0, 0].numpy())


def test_valid_padding_is_zero():
    assert cv.ConvSpec(padding="valid").pads((3, 3), (5, 5)) == (0, 0, 0, 0)


def test_stacked_kernels_on_rgb():
    rng = np.random.default_rng(1)
    x = rng.random((3, 16, 16))
    k = rng.random((64, 3, 1, 1))
    out = cv.convolve(x, k, cv.ConvSpec())
    assert out.shape == (64, 16, 16)
    np.testing.assert_allclose(out[5], np.tensordot(k[5, :, 0, 0], x, axes=1))


def test_2d_kernel_on_rgb_uses_one_slice_per_channel():
    x = np.stack([np.full((4, 4), v) for v in (1.0, 2.0, 3.0)])
    out = cv.convolve(x, np.ones((3, 3)), cv.ConvSpec())
    assert out.shape == (1, 2, 2)
    np.testing.assert_allclose(out[0], 9 * (1 + 2 + 3))


@pytest.mark.parametrize("spec,match", [
    (cv.ConvSpec(stride=(0, 1)), "stride"),
    (cv.ConvSpec(dilation=(1, 0)), "dilation"),
    (cv.ConvSpec(padding=(-1, 0)), "negative"),
    (cv.ConvSpec(padding_mode="mirror"), "padding mode"),
    (cv.ConvSpec(padding=(5, 5), padding_mode="reflect"), "reflect"),
])
def test_bad_specs(spec, match):
    with pytest.raises(UserInputError, match=match):
        cv.convolve(np.ones((4, 4)), np.ones((3, 3)), spec)


def test_kernel_channel_mismatch():
    with pytest.raises(UserInputError, match="channel"):
        cv.convolve(np.ones((3, 4, 4)), np.ones((2, 3, 3)), cv.ConvSpec())


@pytest.mark.parametrize("text,expected", [("2", (2, 2)), ("2,3", (2, 3)), (" 1 , 2 ", (1, 2)), ("(3, 1)", (3, 1))])
def test_parse_pair(text, expected):
    assert cv.parse_pair(text, "stride") == expected


@pytest.mark.parametrize("text", ["0", "a", "1,2,3", "", "1.5"])
def test_parse_pair_rejects(text):
    with pytest.raises(UserInputError, match="stride"):
        cv.parse_pair(text, "stride")


def test_parse_padding():
    assert cv.parse_padding("SAME") == "same"
    assert cv.parse_padding("valid") == "valid"
    assert cv.parse_padding("0") == (0, 0)
    assert cv.parse_padding("1,2") == (1, 2)
    with pytest.raises(UserInputError):
        cv.parse_padding("-1")


def test_parse_matrix():
    m = cv.parse_matrix("1, 2, 3\n4 5 6\n\n# comment\n7\t8\t1/2\n", "input")
    np.testing.assert_array_equal(m, [[1, 2, 3], [4, 5, 6], [7, 8, 0.5]])
    assert cv.parse_matrix("[[1, 2], [3, −4]]".replace("], [", "\n"), "x").tolist() == [[1, 2], [3, -4]]


@pytest.mark.parametrize("text,match", [("1,2\n3,x", "row 2, column 2: 'x'"), ("1,2\n3", "row 2 has 1"), ("", "no numbers"),
                                        ("1,nan", "not a number"), ("1,inf", "not a number")])
def test_parse_matrix_rejects(text, match):
    with pytest.raises(UserInputError, match=match):
        cv.parse_matrix(text, "input")


def test_presets():
    for name in ("identity", "box-blur", "gaussian", "sharpen", "sobel-x", "sobel-y", "laplacian", "emboss",
                 "course-normalized"):
        assert cv.kernel_preset(name).shape == (3, 3)
    assert cv.kernel_preset("gaussian", 5).sum() == pytest.approx(1.0)
    assert cv.kernel_preset("box-blur", 7).sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(cv.kernel_preset("random", 4, seed=3), cv.kernel_preset("random", 4, seed=3))
    assert cv.KERNEL_PRESETS["course-normalized"].sum() == pytest.approx(1.0)
    x = np.random.default_rng(0).random((6, 6))
    np.testing.assert_allclose(cv.convolve(x, cv.kernel_preset("identity", 5), cv.ConvSpec(padding="same"))[0], x)
    with pytest.raises(UserInputError, match="unknown kernel preset"):
        cv.kernel_preset("nope")


def test_format_number():
    assert cv.format_number(1.2999999999999998) == "1.3"
    assert cv.format_number(2.0) == "2"
    assert cv.format_number(-0.5) == "−0.5"
    assert cv.format_number(-0.0) == "0"


@settings(max_examples=40, deadline=None)
@given(problems(modes=cv.PADDING_MODES), st.integers(1, 4000))
def test_banded_computation_gives_the_same_numbers(problem, band_bytes):
    x, k, spec = problem
    assume(_fits(x, k, spec))
    padded = cv.pad_input(x, spec, k.shape[1:])
    out_hw = cv.size_report(x.shape[1:], k.shape[1:], spec).out_shape
    whole = cv.convolve_padded(padded, k[None], spec, out_hw, band_bytes=10**12)
    banded = cv.convolve_padded(padded, k[None], spec, out_hw, band_bytes=band_bytes)
    np.testing.assert_array_equal(whole, banded)
    np.testing.assert_array_equal(whole, cv.convolve(x, k, spec))


def test_banded_computation_can_be_cancelled_between_bands():
    x = np.ones((1, 20, 20))
    k = np.ones((1, 1, 3, 3))
    spec = cv.ConvSpec()
    asked = []

    def stop():
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(cv.Cancelled):
        cv.convolve_padded(x, k, spec, (18, 18), should_stop=stop, band_bytes=1)
    assert len(asked) == 4  # asked before each band, stopped at the fourth


@pytest.mark.parametrize("stride,dilation,padding,mode,flip", [
    ((1, 1), (1, 1), (1, 1), "zeros", False),
    ((2, 3), (1, 2), (2, 1), "reflect", True),
    ((3, 1), (2, 1), "same", "circular", False),
])
def test_banded_computation_with_stacked_kernels(stride, dilation, padding, mode, flip):
    """Big images are computed in bands of output rows; stacked kernels, flip and bias included."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 23, 17))
    k = rng.normal(size=(2, 3, 3, 4))
    spec = cv.ConvSpec(stride=stride, padding=padding, dilation=dilation, padding_mode=mode, flip=flip, bias=0.25)
    out_hw = cv.size_report(x.shape[1:], k.shape[2:], spec).out_shape
    padded = cv.pad_input(x, spec, k.shape[2:])
    banded = cv.convolve_padded(padded, k, spec, out_hw, band_bytes=1)  # one output row per band
    np.testing.assert_allclose(banded, cv.convolve(x, k, spec), atol=1e-12)
    with pytest.raises(cv.Cancelled):
        cv.convolve_padded(padded, k, spec, out_hw, should_stop=lambda: True, band_bytes=1)


@settings(max_examples=40, deadline=None)
@given(problems(modes=cv.PADDING_MODES))
def test_numpy_and_torch_paths_agree(problem):
    """Small convolutions are summed in numpy, big ones by torch's conv2d: same numbers."""
    import torch.nn.functional as F  # noqa: F401  (the torch path must be importable here)

    x, k, spec = problem
    assume(_fits(x, k, spec))
    padded = cv.pad_input(x, spec, k.shape[1:])
    out_hw = cv.size_report(x.shape[1:], k.shape[1:], spec).out_shape
    saved = cv.NUMPY_MACS
    try:
        cv.NUMPY_MACS = 10**15
        by_numpy = cv.convolve_padded(padded, k[None], spec, out_hw)
        cv.NUMPY_MACS = -1
        by_torch = cv.convolve_padded(padded, k[None], spec, out_hw)
    finally:
        cv.NUMPY_MACS = saved
    np.testing.assert_allclose(by_numpy, by_torch, rtol=1e-12, atol=1e-12)


def test_a_small_convolution_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys\n"
            "from visualizer.core import convolution as cv\n"
            "from visualizer.core import conv_job\n"
            "import numpy as np\n"
            "out = cv.convolve(np.arange(25.0).reshape(5, 5), np.ones((3, 3)), cv.ConvSpec())\n"
            "assert out.shape == (1, 3, 3) and out[0, 0, 0] == 54.0, out\n"
            "print('torch' in sys.modules, 'scipy' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_channel_parts_add_up_to_the_cell_as_torch_defines_it():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 6, 5))
    k = rng.normal(size=(4, 3, 1, 1))  # the course's 1×1×3 kernels, four of them
    spec = cv.ConvSpec(bias=0.5)
    e = cv.explain_cell(x, k, spec, 2, 3, 1)
    parts = cv.channel_parts(e)
    assert [p.channel for p in parts] == [0, 1, 2]
    for p in parts:
        assert p.subtotal == pytest.approx(k[2, p.channel, 0, 0] * x[p.channel, 3, 1])
    assert sum(p.subtotal for p in parts) + 0.5 == pytest.approx(e.total)
    assert e.total == pytest.approx(cv.convolve(x, k, spec)[2, 3, 1])
    lines = cv.explain_by_channel(e, ["R", "G", "B"])
    assert [ln.split(":")[0] for ln in lines] == ["R", "G", "B", "sum over channels"]
    assert lines[-1].endswith(f"+ bias 0.5 = {cv.format_number(e.total)}")
    assert cv.explain_by_channel(e)[0].startswith("channel 1: ")
