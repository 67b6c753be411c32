"""The hand-written-table check's state (no Qt): the table the user pasted, what it is compared
with and the input size text. `ShapesModel` owns one (`model.check`) and announces its changes
with `check_changed`; the check view shows it and writes what the user types into it."""

from __future__ import annotations

from typing import Any, Callable

#: Compare-with choices of the table check that are not presets.
NO_COMPARISON = "nothing"
CURRENT_NETWORK = "the network above"


class TableCheckState:
    """`text`, `against` (NO_COMPARISON, CURRENT_NETWORK or a preset name) and `input`;
    `changed` is called after any of them changed."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self._changed = changed
        self.text = ""
        self.against = CURRENT_NETWORK  # compare with what is loaded unless told otherwise
        self.input = ""

    def set(self, text: str | None = None, against: str | None = None, input_text: str | None = None) -> None:
        """What the user put in the check view (None: unchanged)."""
        new = (self.text if text is None else str(text),
               self.against if against is None else str(against),
               self.input if input_text is None else str(input_text))
        if new != (self.text, self.against, self.input):
            self.text, self.against, self.input = new
            self._changed()

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "against": self.against, "input": self.input}

    def restore(self, check: Any) -> None:
        """Take what `to_dict` (or an older ConvViz) saved; values that are not text are skipped."""
        if not isinstance(check, dict):
            return
        values = [v if isinstance(v, str) else None for v in (check.get("text"), check.get("against"),
                                                               check.get("input"))]
        if values[1] == NO_COMPARISON and not (values[0] or "").strip():
            values[1] = CURRENT_NETWORK  # an old session's default, before any table was typed
        self.set(*values)
