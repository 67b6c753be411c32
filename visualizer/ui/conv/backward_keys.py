"""The backward mode's keys, for a lecture run from the keyboard (F5 too): B switches the mode,
G picks the stepped result, K the upstream gradient; T goes to the target T, Y to a typed ∂L/∂Y, S
to the random one's seed (each choosing that kind) and A to the learning rate α (Enter or Esc comes
back to the step keys); U applies a step W := W − α·∂L/∂W. The step keys
themselves (Space, ←/→, Home/End) are the forward's, routed by `backward_steps.StepRouter`."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from visualizer.ui.conv.backward_view import BackwardView

#: (attribute of BackwardKeys, menu text, key)
KEYS = (
    ("toggle", "Backward pass on / off", "B"),
    ("next_result", "Backward: step ∂L/∂W, ∂L/∂X or ∂L/∂b", "G"),
    ("next_kind", "Backward: the next upstream gradient ∂L/∂Y", "K"),
    ("edit_target", "Backward: type the target T", "T"),
    ("edit_grad", "Backward: type ∂L/∂Y", "Y"),
    ("edit_seed", "Backward: the seed of a random ∂L/∂Y", "S"),
    ("edit_lr", "Backward: type the learning rate α", "A"),
    ("apply_step", "Backward: apply a step W := W − α·∂L/∂W", "U"),
)


class BackwardKeys(QObject):
    """The actions (on `panel`, while its tab shows) and their slots."""

    def __init__(self, panel: QWidget, view: BackwardView) -> None:
        super().__init__(panel)
        self.view = view
        self.model = view.model
        self.actions: list[QAction] = []
        for name, text, key in KEYS:
            a = QAction(text, panel)
            a.setShortcut(QKeySequence(key))
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.triggered.connect(getattr(self, name))
            panel.addAction(a)
            self.actions.append(a)

    @Slot()
    def toggle(self) -> None:
        self.view.switch.toggle()

    @Slot()
    def next_result(self) -> None:
        if self.model.enabled:
            self.model.steps.next_result()

    @Slot()
    def next_kind(self) -> None:
        if self.model.enabled:
            self.model.next_kind()

    @Slot()
    def edit_target(self) -> None:
        self._edit_kind("target", self.view.target_edit)

    @Slot()
    def edit_grad(self) -> None:
        self._edit_kind("typed", self.view.grad_edit)

    @Slot()
    def edit_seed(self) -> None:
        self._edit_kind("random", self.view.seed_spin)

    def _edit_kind(self, kind: str, editor) -> None:
        """∂L/∂Y of this kind, and the focus in the field that sets it."""
        if not self.model.enabled:
            return
        if self.model.kind != kind:
            self.model.set_kind(kind)
        self._edit(editor)

    @Slot()
    def edit_lr(self) -> None:
        if self.model.enabled:
            self._edit(self.view.lr_spin)

    def _edit(self, editor) -> None:
        editor.setFocus(Qt.FocusReason.ShortcutFocusReason)
        editor.selectAll()

    @Slot()
    def apply_step(self) -> None:
        if self.model.enabled:
            self.model.apply_step()
