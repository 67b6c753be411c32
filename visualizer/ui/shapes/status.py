"""The Shapes tool's status line as plain text rules (no Qt): the totals of the table, or its
first bad row and why. `ShapesModel.status_line` hands these its table and rows."""

from __future__ import annotations

from visualizer.core import shape_text as fmt
from visualizer.core.architecture import ShapeTable


def first_problem(rows: list, network_rows: list, focused: bool) -> tuple[int, str] | None:
    """(row index, reason) of the first invalid row of `rows`; inside a block's path (`focused`)
    with nothing wrong there, (-1, reason) of the network's first problem (maybe the block's sum)."""
    for i, r in enumerate(rows):
        if not r.ok:
            return i, r.error or "invalid"
    if focused:
        for r in network_rows:
            if not r.ok:
                return -1, f"{r.name}: {r.error}"
    return None


def status_line(table: ShapeTable, rows: list, problem: tuple[int, str] | None,
                module_source: str | None = None) -> tuple[str, str]:
    """(text, kind): the totals of `table`, a torch module's own totals when `module_source`
    names one, or the first bad row of `rows` and why (kind "bad")."""
    if problem is None and module_source is not None:
        return (f"{module_source} (read-only): {len(table.rows)} leaf module calls · output "
                f"{fmt.format_shape(table.output_shape)} · {table.total_params:,} parameters · "
                f"{table.total_macs:,} MACs per sample"), ""
    if problem is None:
        return (f"{len(table.rows)} layers · output {fmt.format_shape(table.output_shape)} · "
                f"{table.total_params:,} parameters · {table.total_macs:,} MACs "
                f"({2 * table.total_macs:,} FLOPs) per sample"), ""
    row, reason = problem
    if row < 0:
        return f"In the network: {reason}", "bad"
    bad = sum(1 for r in rows if not r.ok)
    more = f" ({bad - 1} more bad row{'s' if bad > 2 else ''})" if bad > 1 else ""
    return f"Row {row + 1} ({rows[row].name}): {reason}{more}", "bad"
