"""Check a layer table written by hand (homework style) against the truth.

CONTRACT (shared by the shape-calculator core, its GUI tab and the `shapes --check` CLI).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from visualizer.core.architecture import Architecture, Shape


@dataclass
class ClaimedRow:
    row_number: int  # the first row after the header is row 1
    operation: str  # as written, e.g. "Conv block"
    cells: dict[str, str]  # header -> cell text as written
    claimed_output: Shape | None  # parsed claim in (C, H, W) or (N,) order; None if unreadable


@dataclass
class RowVerdict:
    row_number: int
    operation: str
    claimed: str  # as the user wrote it, e.g. "[30X30X16]"
    correct: str  # in the same H×W×C notation, e.g. "[28X28X16]"
    ok: bool
    reason: str  # plain words; "" when ok


@dataclass
class CheckReport:
    verdicts: list[RowVerdict]
    missing: list[str] = field(default_factory=list)  # layers of the preset the table lacks
    extra: list[str] = field(default_factory=list)  # rows with no counterpart in the preset

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts) and not self.missing and not self.extra


def parse_table(text: str) -> list[ClaimedRow]:
    """CSV or tab-separated text with a header row; UserInputError when it cannot be read."""
    raise NotImplementedError


def check_table(text: str, input_shape: tuple[int, int, int] | None = None,
                against: Architecture | None = None) -> CheckReport:
    """Recompute each row from the claimed output of the row above and judge every claim."""
    raise NotImplementedError
