"""The checker's verdicts and how they are written: one line per wrong row, or a JSON document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from visualizer.core.architecture import Shape


@dataclass
class RowVerdict:
    row_number: int
    operation: str
    claimed: str  # as the user wrote it, e.g. "[30X30X16]"
    correct: str  # in the same H×W×C notation, e.g. "[28X28X16]"
    ok: bool
    reason: str  # plain words; "" when ok
    correct_shape: Shape | None = None  # (C, H, W) or (N,); None when it cannot be known
    wrong_cells: tuple[str, ...] = ()  # headers of the cells that are wrong (for highlighting)
    kind: str = ""  # "input", "conv", "block", "pool", "fc", "flatten", "same", "total" or "unknown"
    # The parameter count, when the table has a parameters column ("" / None otherwise).
    claimed_params: str = ""
    correct_params: int | None = None
    params_ok: bool = True
    # A count that is right only in part, e.g. "right without the bias (102,764,544 with it)":
    # not a mistake, but not silently right either (the GUI shows it in its own colour).
    params_note: str = ""


@dataclass
class CheckReport:
    verdicts: list[RowVerdict]
    missing: list[str] = field(default_factory=list)  # layers of the preset the table lacks
    extra: list[str] = field(default_factory=list)  # rows with no counterpart in the preset

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts) and not self.missing and not self.extra

    @property
    def wrong(self) -> list[RowVerdict]:
        return [v for v in self.verdicts if not v.ok]



def report_lines(report: CheckReport, against_name: str | None = None) -> list[str]:
    """One line per wrong row ("row 3 (Conv block): claimed …, correct …: reason") and per
    missing or extra layer; a single "all … right" line when nothing is wrong."""
    lines = []
    for v in report.wrong:
        op = v.operation.strip() or "?"
        if v.kind == "total" or (not v.params_ok and v.claimed == v.correct):
            # Only the parameter count is wrong: name that claim.
            lines.append(f"row {v.row_number} ({op}): claimed {v.claimed_params} parameters, correct "
                         f"{v.correct_params:,}: {v.reason}")
        else:
            lines.append(f"row {v.row_number} ({op}): claimed {v.claimed}, correct {v.correct}: {v.reason}")
    lines += [f"missing: {m}" for m in report.missing]
    lines += [f"extra: {e}" for e in report.extra]
    notes = [f"note: row {v.row_number} ({v.operation.strip() or '?'}): {v.claimed_params} parameters is "
             f"{v.params_note}" for v in report.verdicts if v.params_note]
    if not lines:
        n = len(report.verdicts)
        lines.append(f"all {n} row{'s' if n != 1 else ''} are right"
                     + (f" and match {against_name}" if against_name else ""))
    return lines + notes


def report_to_dict(report: CheckReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "rows": [{"row": v.row_number, "operation": v.operation, "claimed": v.claimed, "correct": v.correct,
                  "ok": v.ok, "reason": v.reason,
                  "correct_shape": None if v.correct_shape is None else list(v.correct_shape),
                  **({"claimed_params": v.claimed_params, "correct_params": v.correct_params,
                      "params_ok": v.params_ok, "params_note": v.params_note} if v.claimed_params else {})}
                 for v in report.verdicts],
        "missing": list(report.missing),
        "extra": list(report.extra),
    }
