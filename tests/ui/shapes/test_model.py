"""ShapesModel without widgets: presets, edits, undo/redo, selection, trainability, saving."""

from __future__ import annotations

import json

import pytest

from visualizer.core.architecture import Architecture, LayerSpec, compute_table, preset
from visualizer.ui.shapes.check_state import CURRENT_NETWORK
from visualizer.ui.shapes.model import ShapesModel


@pytest.fixture
def model(qtbot):  # qtbot: a QApplication for the undo stack's signals
    return ShapesModel()


def conv_params(cin: int, cout: int, k: int) -> int:
    return cin * cout * k * k + cout


def test_starts_with_mnist_net1_and_nothing_to_undo(model):
    assert model.table.total_params == compute_table(preset("mnist-net1")).total_params == 21_690
    assert not model.modified and not model.undo_stack.canUndo()
    assert model.selected_rows == [] and model.current_row() == -1


def test_load_preset_is_one_undo_step_and_leaves_the_document_clean(qtbot, model):
    with qtbot.waitSignal(model.changed):
        model.load_preset("vgg16")
    assert model.table.total_params == 138_357_544
    assert model.input_shape == (3, 224, 224)
    assert not model.modified
    model.undo_stack.undo()
    assert model.table.total_params == 21_690
    with pytest.raises(Exception, match="no-such-net"):
        model.load_preset("no-such-net")


def test_edit_a_layer_recomputes_the_rows_below_and_undo_redo(qtbot, model):
    with qtbot.waitSignal(model.changed):
        assert model.edit_layer(0, "out", "4")
    assert model.table.rows[0].output_shape == (4, 28, 28)
    assert model.table.rows[1].params == 2 * 4  # BatchNorm follows the new channel count
    assert model.table.rows[4].params == conv_params(4, 16, 3)
    assert model.modified
    assert model.selected_rows == [0]  # the edited row is selected
    model.undo_stack.undo()
    assert model.table.rows[0].output_shape == (8, 28, 28) and model.table.total_params == 21_690
    assert not model.modified
    model.undo_stack.redo()
    assert model.table.rows[4].params == conv_params(4, 16, 3)


def test_edits_that_cannot_be_read_change_nothing(qtbot, model):
    with qtbot.waitSignal(model.edit_rejected) as blocker:
        assert not model.edit_layer(0, "kernel", "three")
    assert "kernel size" in blocker.args[0]
    assert model.message[1] == "bad" and "kernel size" in model.message[0]
    assert model.undo_stack.count() == 0
    # 'same' with a stride: the core refuses it, and says why
    assert model.edit_layer(0, "stride", "2")
    assert not model.edit_layer(0, "padding", "same")
    assert model.layer(0).params["padding"] == [1, 1]
    assert not model.edit_layer(3, "dilation", "2")  # a MaxPool2d has no dilation


def test_kernel_of_a_pool_keeps_its_stride_in_step(model):
    assert model.layer(3).type == "MaxPool2d"
    assert model.edit_layer(3, "kernel", "4")
    assert model.layer(3).params["stride"] == [4, 4]
    assert model.table.rows[3].output_shape == (8, 7, 7)


def test_add_duplicate_move_remove(model):
    n = model.layer_count()
    model.set_selected_rows([0])
    assert model.add_layer()  # like the selected one: a Conv2d after it
    assert model.layer(1).type == "Conv2d" and model.layer_count() == n + 1
    assert model.table.rows[1].params == conv_params(8, 8, 3)
    assert model.selected_rows == [1]
    assert model.duplicate_layers([1]) and model.layer_count() == n + 2
    assert model.remove_layers([1, 2]) and model.layer_count() == n
    model.set_selected_rows([2])  # ReLU
    assert model.move_selected(-1)
    assert [model.layer(r).type for r in (1, 2)] == ["ReLU", "BatchNorm2d"]
    assert model.selected_rows == [1]
    for _ in range(5):
        model.undo_stack.undo()
    assert [layer.type for layer in model.architecture().layers] == [
        layer.type for layer in preset("mnist-net1").layers]


def test_selection_is_announced_once_and_kept_in_range(qtbot, model):
    seen: list[list[int]] = []
    model.selection_changed.connect(seen.append)
    model.set_selected_rows([3, 1, 1, 99, -1])
    model.set_selected_rows([1, 3])  # the same: no signal
    assert seen == [[1, 3]]
    assert model.current_row() == 3
    assert model.explanation() == ""  # two rows: nothing to explain
    model.set_selected_rows([4])
    assert "3·3·8·16 + 16 = 1,168" in model.explanation()


def test_input_steps_of_one_axis_merge_into_one_undo_step(model):
    model.set_input_shape((1, 29, 28), merge_axis=1)
    model.set_input_shape((1, 30, 28), merge_axis=1)
    assert model.undo_stack.count() == 1
    assert model.table.rows[0].output_shape == (8, 30, 28)
    assert not model.trainable()[0]
    model.undo_stack.undo()
    assert model.input_shape == (1, 28, 28) and model.trainable() == (True, "")


def test_a_net_ending_in_10x1x1_is_trainable(model):
    fully_conv = Architecture(name="fcn", input_shape=(1, 28, 28), layers=[
        LayerSpec("Conv2d", {"out_channels": 10, "kernel_size": [28, 28]})])
    model.replace_architecture(fully_conv, "fcn")
    assert model.table.output_shape == (10, 1, 1)
    assert model.trainable() == (True, "")
    model.edit_layer(0, "out", "12")
    ok, why = model.trainable()
    assert not ok and "10 outputs" in why


def test_to_dict_from_dict_round_trip(qtbot, model, tmp_path):
    model.edit_layer(0, "name", "stem")
    model.edit_layer(4, "out", "20")
    model.check.set("Operation,Output size\nConv,[28x28x8]\n", CURRENT_NETWORK, "1x28x28")
    model.save_path(str(tmp_path / "mine.json"))
    state = json.loads(json.dumps(model.to_dict()))
    assert set(state) == {"architecture", "path", "last_dir", "check", "lower_tab", "splitter"}

    other = ShapesModel()
    with qtbot.waitSignals([other.changed, other.check_changed, other.layout_restored]):
        assert other.from_dict(state) == []
    assert other.architecture().to_dict() == model.architecture().to_dict()
    assert other.layer(0).name == "stem" and other.table.rows[4].params == conv_params(8, 20, 3)
    assert (other.check.text, other.check.against, other.check.input) == (
        model.check.text, CURRENT_NETWORK, "1x28x28")
    assert other.path == str(tmp_path / "mine.json") and other.display_name() == "mine.json"
    assert not other.undo_stack.canUndo() and not other.modified


def test_reads_what_the_old_save_state_wrote(model):
    doc = preset("lenet5").to_dict()
    old = {  # ShapeCalculator.save_state before the model existed
        "architecture": doc, "path": "", "last_dir": "/somewhere",
        "check": {"text": "Operation,Output size\n", "against": "mnist-net1", "input": ""},
        "lower_tab": 1, "splitter": [500, 300],
    }
    assert model.from_dict(old) == []
    assert model.table.total_params == compute_table(preset("lenet5")).total_params
    assert model.path is None and model.last_dir == "/somewhere"
    assert model.check.against == "mnist-net1" and model.lower_tab == 1 and model.splitter == [500, 300]
    # a broken or partial state: what can be read is taken, the rest keeps its value
    problems = model.from_dict({"architecture": {"version": 1, "layers": "nonsense"},
                                "splitter": "wide", "lower_tab": True, "unknown": 1})
    assert len(problems) == 1 and "could not restore" in problems[0]
    assert model.table.total_params == compute_table(preset("lenet5")).total_params
    assert model.splitter == [500, 300] and model.lower_tab == 1
    assert model.from_dict("not a dict") != []  # type: ignore[arg-type]


def test_open_path_refuses_a_damaged_file_and_keeps_the_network(model, tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_bytes(b"\x89PNG not json")
    with pytest.raises(Exception, match="notes.json"):
        model.open_path(str(bad))
    assert model.table.total_params == 21_690 and model.path is None
