"""The explorer's state model on its own: no widget is made in this file."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer.core.conv_job import run_job
from visualizer.core.convolution import INPUT_PRESETS, ConvSpec, convolve, kernel_preset
from visualizer.image_io import load_image, sample_images
from visualizer.ui.conv.model import ConvModel

COURSE = INPUT_PRESETS["course-example"]
COURSE_K = kernel_preset("course-normalized")


@pytest.fixture
def model(qapp):
    return ConvModel()


def computed(m: ConvModel) -> np.ndarray:
    """What the explorer would show for the model's settings (the compute step, done here)."""
    r = run_job(m.make_job(1))
    assert not r.error, r.error
    return r.output


def test_starts_with_the_course_example(model):
    np.testing.assert_array_equal(model.source_array()[0], COURSE)
    np.testing.assert_array_equal(model.kernels[0, 0], COURSE_K)
    assert model.spec() == ConvSpec(stride=(2, 2), padding=(1, 1))
    assert model.output_shape() == (1, 3, 3)
    assert model.current_index() is None  # the whole output shows


def test_settings_change_the_spec_and_announce_it(model):
    seen: list[str] = []
    model.inputs_changed.connect(lambda: seen.append("changed"))
    model.set_axis_value("stride", 0, 1)  # linked: both axes
    assert model.spec().stride == (1, 1)
    model.set_link_axes(False)
    model.set_axis_value("stride", 1, 3)
    assert model.spec().stride == (1, 3)
    model.set_padding_kind("same")
    assert model.spec().padding == "same"
    model.set_axis_value("padding", 0, 2)  # typing a padding means "this many cells"
    assert model.spec().padding == (2, 1)
    model.set_padding_mode("reflect")
    model.set_flip(True)
    model.set_bias(0.5)
    spec = model.spec()
    assert (spec.padding_mode, spec.flip, spec.bias) == ("reflect", True, 0.5)
    assert len(seen) == 8
    with pytest.raises(Exception):
        model.set_padding_mode("mirror")
    np.testing.assert_allclose(computed(model), convolve(COURSE, COURSE_K, spec))


def test_editing_kernels_and_the_input(model):
    model.set_matrix(np.arange(16.0).reshape(4, 4))
    model.set_edited_kernel(np.ones((2, 2)))  # a new size for every kernel
    assert model.kernels.shape == (1, 1, 2, 2)
    model.set_kernel_count(3)  # new kernels start random, each different
    assert model.kernels.shape == (3, 1, 2, 2) and not np.array_equal(model.kernels[1], model.kernels[2])
    model.set_out_channel(2)
    model.apply_kernel_preset("sobel-x")  # the output channel shown gets it, at its own size
    np.testing.assert_array_equal(model.kernels[2, 0], kernel_preset("sobel-x"))
    np.testing.assert_array_equal(model.kernels[0, 0, :2, :2], np.ones((2, 2)))
    model.normalize_kernel()  # sums to 0: refused, unchanged
    np.testing.assert_array_equal(model.kernels[2, 0], kernel_preset("sobel-x"))
    np.testing.assert_allclose(computed(model), convolve(np.arange(16.0).reshape(4, 4), model.kernels, model.spec()))


def test_stepping_and_a_new_output_shape_restarts_at_cell_1(model):
    s = model.stepper
    for _ in range(6):
        s.step_forward()
    assert model.current_index() == 5
    model.set_bias(1.0)  # same output shape, but another computation: cell 1 again (issue 10)
    assert model.current_index() == 0
    for _ in range(4):
        s.step_forward()
    model.set_edited_kernel(np.ones((3, 3)))
    assert model.current_index() == 0
    # a new input with a different output shape: a position in the old one means nothing there
    model.load_sample("digit-3")
    assert model.output_shape() == (1, 14, 14)
    assert model.current_index() == 0 and s.total == 196
    # the whole output showing stays showing
    s.stop_stepping()
    model.apply_course_setting(1, 2)
    assert model.current_index() is None and s.total == 30 * 30
    # an output that would be empty: no position at all
    s.to_end()
    model.set_edited_kernel(np.ones((11, 11)))
    model.set_axis_value("padding", 0, 0)
    model.set_axis_value("stride", 0, 1)
    model.use_typed_matrix()
    assert model.output_shape() is None and model.current_index() is None


def test_image_crop_and_longest_side(model):
    model.load_sample("rgb-shapes")
    assert model.kernels.shape[1] == 3  # every channel starts with the kernel's first slice
    model.set_longest_side(32)
    model.set_crop(0, 0, 20, 128)
    assert model.input_shape() == (5, 32)
    r = run_job(model.make_job(1))
    assert r.input.shape == (3, 5, 32)
    assert model.output_shape() == (1, *r.output.shape[1:])


def test_round_trip(model):
    model.set_axis_value("stride", 0, 1)
    model.set_padding_mode("replicate")
    model.set_flip(True)
    model.set_matrix(np.arange(9.0).reshape(3, 3))
    model.set_kernel_count(2)
    model.set_speed_index(6)
    model.stepper.step_forward()
    model.stepper.step_forward()
    state = model.to_dict()
    other = ConvModel()
    other.from_dict(state)
    assert other.spec() == model.spec()
    np.testing.assert_array_equal(other.kernels, model.kernels)
    np.testing.assert_array_equal(other.source_array(), model.source_array())
    assert other.speed_index == 6 and other.current_index() == 1
    assert other.to_dict() == state
    # a sample is remembered by name, with its crop
    model.load_sample("disc")
    model.set_longest_side(10)
    other.from_dict(model.to_dict())
    assert (other.source_kind, other.source_name, other.longest_side) == ("sample", "disc", 10)
    np.testing.assert_allclose(computed(other), computed(model))


def test_reads_what_the_old_explorer_saved(model):
    old = {  # ConvExplorer.save_state before the model existed
        "version": 1, "source": "matrix", "matrix": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
        "kernels": [[[[0, 1], [1, 0]]]], "stride": [1, 1], "padding": "same", "padding_numbers": [2, 2],
        "dilation": [1, 1], "padding_mode": "circular", "flip": False, "bias": 0.25, "link_axes": False,
        "speed": 3,
    }
    model.from_dict(old)
    assert model.spec() == ConvSpec(stride=(1, 1), padding="same", padding_mode="circular", bias=0.25)
    assert model.padding_numbers == (2, 2) and not model.link_axes and model.speed_index == 3
    np.testing.assert_allclose(computed(model), convolve(np.arange(1.0, 10.0).reshape(3, 3),
                                                         np.array([[0, 1], [1, 0]]), model.spec()))
    sample = dict(old, source="sample", image="checkerboard", channels="auto", crop=[0, 0, 4, 5],
                  longest_side=64, kernels=[[[[1.0]]]])
    model.from_dict(sample)
    assert model.source_kind == "sample"
    x = load_image(sample_images()["checkerboard"])[:, :4, :5]
    np.testing.assert_allclose(computed(model), convolve(x, np.ones((1, 1, 1, 1)), model.spec()))


def test_junk_is_refused_and_changes_nothing(model):
    before = model.to_dict()
    for junk in ({"matrix": "nonsense"}, {"kernels": [[1]]}, {"stride": "x"}, {"matrix": [[np.nan]]}):
        with pytest.raises((ValueError, TypeError)):
            model.from_dict(junk)
        assert model.to_dict() == before
    gone = {"source": "file", "image": "/no/such/picture.png"}
    seen: list[str] = []
    model.status.connect(lambda text, ms: seen.append(text))
    model.from_dict(gone)
    assert model.source_kind == "matrix" and "is gone" in seen[-1]


def test_a_job_that_cannot_stop_in_time_is_kept_until_done_not_dropped(qtbot, monkeypatch):
    """One band of work longer than shutdown's bound: shutdown still returns, and the thread and
    its worker are kept (shell.threads.keep_until_done) until the band ends."""
    import threading

    from visualizer.ui.conv import worker as worker_module
    from visualizer.ui.shell import threads

    real = worker_module.run_job
    released = threading.Event()

    def one_long_band(job, should_stop=None):
        released.wait(30)  # stands for a band of work that does not look at should_stop
        return real(job)

    monkeypatch.setattr(worker_module, "run_job", one_long_band)
    model = ConvModel()
    compute = worker_module.ConvCompute(model)
    model.use_image_array(np.zeros((200, 200)), "big")  # past SYNC_LIMIT: the worker's
    assert compute.is_busy()
    qtbot.waitUntil(compute.is_running, timeout=5000)
    thread = compute.worker_thread()
    try:
        compute.shutdown()  # returns after its bound although the band goes on
        assert thread.isRunning() and any(t is thread for t, _ in threads._late)
    finally:
        released.set()
    qtbot.waitUntil(lambda: not thread.isRunning(), timeout=10000)
    assert model.result is None  # the late result of a shut-down explorer is not shown


def test_work_after_a_shutdown_starts_a_new_worker(qtbot):
    from visualizer.ui.conv.worker import ConvCompute

    model = ConvModel()
    compute = ConvCompute(model)
    image = np.random.default_rng(1).uniform(0, 255, (1, 300, 300))
    with qtbot.waitSignal(model.result_changed, timeout=20000):
        model.use_image_array(image, "a")  # past SYNC_LIMIT: computed on the worker
    assert model.output() is not None  # (numpy makes this one quick: the worker may be done already)
    compute.shutdown()
    model.set_axis_value("stride", 0, 3)  # the benchmark works on after shutting down
    qtbot.waitUntil(lambda: not compute.is_busy(), timeout=20000)
    np.testing.assert_allclose(model.output(), convolve(image, model.kernels, model.spec()))
    assert model.output().shape == (1, 100, 100)
    qtbot.waitUntil(lambda: compute.worker_thread() is None, timeout=5000)  # ended, let go
