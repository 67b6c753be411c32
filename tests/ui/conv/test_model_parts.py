"""The parts ConvModel owns, without the model: the input source (typed matrix, image files,
samples, arrays, crop and size, its session keys), the hand-over check, the convolution settings
and the kernel edits."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer.core.convolution import ConvSpec, UserInputError
from visualizer.ui.conv.conv_settings import AXIS_RANGES, ConvSettings
from visualizer.ui.conv.input_source import InputSource, check_hand_over, saved_channels, saved_matrix
from visualizer.ui.conv.kernel_edits import (
    first_slice_repeated,
    kernel_stack,
    preset_size,
    resized,
    saved_kernels,
    with_count,
)


class Calls:
    def __init__(self) -> None:
        self.log: list = []

    def changed(self) -> None:
        self.log.append("changed")

    def replaced(self, channels: int) -> None:
        self.log.append(("replaced", channels))


def source() -> tuple[InputSource, Calls]:
    calls = Calls()
    return InputSource(changed=calls.changed, replaced=calls.replaced), calls


def test_the_typed_matrix_announces_only_while_it_is_the_input():
    s, calls = source()
    assert s.kind == "matrix" and s.array().shape == (1, 5, 5) and s.input_shape() == (5, 5)
    s.set_matrix([[1, 2], [3, 4]])
    assert calls.log == ["changed"] and s.array().shape == (1, 2, 2)
    with pytest.raises(UserInputError, match="matrix"):
        s.set_matrix([1, 2, 3])
    with pytest.raises(UserInputError):
        s.set_matrix(np.zeros((0, 3)))
    s.use_image_array(np.zeros((3, 4, 6)), "picture")
    assert calls.log[-1] == ("replaced", 3) and (s.kind, s.name, s.crop) == ("array", "picture", (0, 0, 4, 6))
    calls.log.clear()
    s.set_matrix([[5.0]])  # kept for later, the picture stays the input
    assert calls.log == [] and s.array().shape == (3, 4, 6)
    s.use_typed_matrix()
    assert calls.log == [("replaced", 1)] and s.array().tolist() == [[[5.0]]] and s.image is None


def test_image_arrays_are_checked_before_anything_changes():
    s, calls = source()
    for bad in (np.zeros((2, 4, 4)), np.zeros((4,)), np.zeros((1, 0, 3)), np.zeros((1, 1, 1, 1))):
        with pytest.raises(UserInputError, match="1 or 3 channels"):
            s.use_image_array(bad)
    assert calls.log == [] and s.kind == "matrix"
    s.use_image_array(np.ones((7, 9)))  # H×W: one channel
    assert s.array().shape == (1, 7, 9) and s.value_kind == "pixels"


def test_crop_and_longest_side_are_clamped_into_the_picture():
    s, calls = source()
    s.set_crop(1, 1, 2, 2)
    s.set_longest_side(3)  # no picture: nothing to crop or shrink
    assert calls.log == [] and s.crop_and_size() == (None, None)
    s.use_image_array(np.zeros((1, 40, 80)))
    calls.log.clear()
    s.set_crop(-5, 70, 100, 100)
    assert s.crop == (0, 70, 40, 80) and calls.log == ["changed"]
    assert s.input_shape() == (40, 10)  # what is left of the picture right of column 70
    s.set_longest_side(0)
    assert s.longest_side == 1
    s.set_longest_side(10 ** 9)
    assert s.longest_side == 80  # shrunk, never enlarged
    s.set_crop(0, 0, 40, 80)
    s.set_longest_side(20)
    assert s.crop_and_size() == (None, 20) and s.input_shape() == (10, 20)
    s.reset_image_geometry()
    assert s.crop == (0, 0, 40, 80) and s.longest_side == 80 and s.crop_and_size() == (None, None)


def test_samples_files_and_the_channel_mode():
    s, calls = source()
    with pytest.raises(UserInputError, match="no sample image"):
        s.load_sample("no-such-sample")
    assert calls.log == []
    s.load_sample("rgb-shapes")
    assert (s.kind, s.name) == ("sample", "rgb-shapes") and calls.log == [("replaced", 3)]
    s.set_channels("gray")  # read again, as one channel
    assert s.channels == "gray" and s.array().shape[0] == 1 and calls.log[-1] == ("replaced", 1)
    calls.log.clear()
    s.set_channels("gray")
    assert calls.log == []


def test_files_are_read_and_unreadable_ones_change_nothing(tmp_path):
    s, calls = source()
    bad = tmp_path / "not-an-image.png"
    bad.write_bytes(b"no picture here")
    with pytest.raises(UserInputError):
        s.load_image(bad)
    assert s.kind == "matrix" and calls.log == []


def test_session_keys_and_restoring_a_saved_picture(tmp_path):
    s, calls = source()
    s.load_sample("disc")
    s.set_longest_side(10)
    state = s.to_dict()
    assert state["source"] == "sample" and state["image"] == "disc" and state["longest_side"] == 10
    again, calls = source()
    assert again.restore(state) == "" and (again.kind, again.name, again.longest_side) == ("sample", "disc", 10)
    gone = {"source": "file", "image": str(tmp_path / "gone.png")}
    other, calls = source()
    assert "is gone" in other.restore(gone) and other.kind == "matrix" and calls.log == [("replaced", 1)]
    assert "Could not open" in source()[0].restore({"source": "sample", "image": "nope"})
    handed = source()[0]
    handed.use_image_array(np.zeros((3, 4, 4)))
    assert handed.to_dict()["source"] == "matrix" and "image" not in handed.to_dict()  # not saved
    assert saved_channels({"channels": "cmyk"}) == "auto" and saved_channels({"channels": "rgb"}) == "rgb"
    assert saved_matrix({}).shape == (5, 5)
    for bad in ([[1, 2], [3]], [[float("nan")]], [[0] * 33], [1, 2]):
        with pytest.raises(ValueError):
            saved_matrix({"matrix": bad})


def hand_over(**kw):
    args = dict(inputs=np.zeros((2, 5, 5)), kernels=np.ones((3, 2, 3, 3)), stride=1, padding=(0, 1), dilation=(1, 1),
                bias=0.5)
    args.update(kw)
    return check_hand_over(**args, axis_ranges=AXIS_RANGES, max_kernel=11, max_kernels=256)


def test_a_hand_over_is_checked_as_a_whole():
    h = hand_over()
    assert h.inputs.shape == (2, 5, 5) and h.kernels.shape == (3, 2, 3, 3) and h.bias == 0.5
    assert (h.stride, h.padding, h.dilation) == ((1, 1), (0, 1), (1, 1))
    assert hand_over(inputs=np.zeros((5, 5)), kernels=np.ones((1, 1, 2, 2))).inputs.shape == (1, 5, 5)
    for kw, why in ((dict(inputs="x"), "numbers"), (dict(inputs=np.zeros((2, 2, 2, 2))), "C×H×W"),
                    (dict(kernels=np.ones((2, 3, 3))), "O×C×kh×kw"), (dict(kernels=np.ones((1, 3, 3, 3))), "3 channel"),
                    (dict(kernels=np.ones((1, 2, 12, 1))), "at most"), (dict(bias=float("inf")), "finite"),
                    (dict(inputs=np.full((2, 5, 5), np.nan)), "finite"), (dict(stride=0), "between 1 and 64"),
                    (dict(padding=(1, 2, 3)), "pair"), (dict(dilation="two"), "pair")):
        with pytest.raises(UserInputError, match=why):
            hand_over(**kw)


def test_settings_link_clamp_and_announce():
    calls = Calls()
    st = ConvSettings(changed=calls.changed)
    assert st.spec() == ConvSpec(stride=(2, 2), padding=(1, 1))
    st.set_axis_value("stride", 1, 3)
    assert st.stride == (3, 3) and calls.log == ["changed"]  # linked: both axes
    st.set_link_axes(False)
    st.set_axis_value("dilation", 0, 99)
    assert st.dilation == (16, 1)  # clamped into AXIS_RANGES
    st.set_padding_kind("same")
    st.set_axis_value("padding", 1, 4)  # typing a padding means cells again
    assert st.padding_kind == "number" and st.padding_numbers == (1, 4)
    st.set_link_axes(True)
    assert st.stride == (3, 3) and st.padding_numbers == (1, 1) and st.dilation == (16, 16)
    with pytest.raises(UserInputError):
        st.set_padding_kind("full")
    with pytest.raises(UserInputError):
        st.set_padding_mode("mirror")
    st.set_padding_mode("reflect")
    st.set_flip(1)
    st.set_bias("0.5")
    assert st.spec() == ConvSpec(stride=(3, 3), padding=(1, 1), dilation=(16, 16), padding_mode="reflect", flip=True,
                                 bias=0.5)
    count = len(calls.log)
    again = ConvSettings()
    again.apply(ConvSettings.read(st.to_dict()))
    assert again.spec() == st.spec() and again.link_axes and len(calls.log) == count
    st.use_hand_over((1, 2), (0, 0), (1, 1), 0.0)
    assert not st.link_axes and st.padding_mode == "zeros" and not st.flip


def test_settings_read_old_and_odd_saved_values():
    assert ConvSettings.read({}) == {"stride": (1, 1), "padding_kind": "number", "padding_numbers": (0, 0),
                                     "dilation": (1, 1), "padding_mode": "zeros", "flip": False, "bias": 0.0,
                                     "link_axes": True}
    odd = ConvSettings.read({"padding": "valid", "padding_numbers": [999, -3], "padding_mode": "?", "stride": [0, 70]})
    assert odd["padding_kind"] == "valid" and odd["padding_numbers"] == (64, 0) and odd["padding_mode"] == "zeros"
    assert odd["stride"] == (1, 64)
    for bad in ({"padding": "full"}, {"stride": [1]}, {"stride": "ab"}, {"bias": "x"}):
        with pytest.raises((ValueError, TypeError)):
            ConvSettings.read(bad)


def test_kernel_edits():
    k = kernel_stack([[1, 2], [3, 4]], 3, 11)
    assert k.shape == (1, 3, 2, 2) and (k[0, 2] == [[1, 2], [3, 4]]).all()
    assert kernel_stack(np.ones((3, 2, 2)), 3, 11).shape == (1, 3, 2, 2)
    for bad in (np.ones((2, 2, 2)), np.ones((1, 1, 12, 12)), np.ones((0, 1, 2, 2))):
        with pytest.raises(UserInputError, match="do not fit"):
            kernel_stack(bad, 3, 11)
    k = np.arange(8.0).reshape(1, 2, 2, 2)
    assert (first_slice_repeated(k, 3) == k[:, :1]).all() and first_slice_repeated(k, 3).shape == (1, 3, 2, 2)
    big = resized(k, (3, 1))
    assert big.shape == (1, 2, 3, 1) and big[0, 1, :, 0].tolist() == [4.0, 6.0, 0.0]
    assert resized(k, (2, 2)) is not k
    grown = with_count(k, 3, seed=1)
    assert grown.shape == (3, 2, 2, 2) and (grown[:1] == k).all() and np.abs(grown[1:]).max() <= 1
    np.testing.assert_array_equal(grown, with_count(k, 3, seed=1))  # the same seed, the same kernels
    assert with_count(grown, 1, seed=5).shape == (1, 2, 2, 2)
    assert preset_size("gaussian", (5, 5)) == 5 and preset_size("gaussian", (5, 3)) == 3
    assert preset_size("identity", (4, 4)) == 3 and preset_size("sobel-x", (5, 5)) == 3
    assert saved_kernels({}, k, 11, 256) is not None
    for bad in ([[1]], [[[[float("inf")]]]], np.ones((257, 1, 1, 1)).tolist()):
        with pytest.raises(ValueError):
            saved_kernels({"kernels": bad}, k, 11, 256)


def test_the_views_buttons_reach_the_parts_through_the_model(qtbot):
    """Views connect widgets straight to the model's methods (now carried out by its parts): a
    button's clicked(), a check box's toggled(bool), a spin box's valueChanged(float)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    from visualizer.ui.conv.panel import ConvPanel

    p = ConvPanel()
    qtbot.addWidget(p)
    p.resize(1400, 860)
    p.show()
    qtbot.waitExposed(p)
    m = p.model
    m.load_sample("disc")
    m.set_crop(2, 3, 10, 12)
    whole = next(b for b in p.input_box.findChildren(QPushButton) if b.text() == "Whole image")
    qtbot.mouseClick(whole, Qt.MouseButton.LeftButton)
    assert m.crop == (0, 0, *m.image.shape[1:])
    p.parameters.op_conv.setChecked(True)
    assert m.flip and m.spec().flip
    p.parameters.link_axes.setChecked(False)
    assert not m.link_axes
    with qtbot.waitSignal(m.inputs_changed):
        p.kernel_box.bias_spin.setValue(1.5)
    assert m.bias == 1.5 and m.spec().bias == 1.5
