"""The shape table as text, Markdown, CSV, LaTeX or JSON (shared by `convviz shapes` and the GUI).

Human formats (text, Markdown, LaTeX) group digits ("21,690") and give memory in KiB/MiB;
machine formats (CSV, JSON) give plain integers and bytes. Every format ends with the totals.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from visualizer.core.architecture import MAC_CONVENTION, LayerRow, ShapeTable, shape_text
from visualizer.core.shape_text import format_bytes, rf_text

FORMATS: tuple[str, ...] = ("text", "markdown", "csv", "json", "latex")

HEADERS = ("#", "Layer", "Type", "Settings", "Output (C×H×W)", "Params", "MACs", "Memory", "RF (jump)")


def human_count(n: int) -> str:
    """15470264320 -> "15.47 G" (for summaries; tables give exact numbers)."""
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if n >= div:
            return f"{n / div:.2f} {unit}"
    return str(n)


def _output_text(row: LayerRow) -> str:
    return shape_text(row.output_hint if row.output_hint is not None else row.output_shape)


def row_cells(row: LayerRow) -> list[str]:
    """The human cells of one row, in HEADERS order (the error, if any, is separate). A row
    inside a Residual block has no number of its own and its name is indented by its depth,
    after "main:" or "shortcut:"."""
    unknown = row.unknown
    if row.depth:
        number, name = "", "  " * row.depth + f"{row.path}: {row.name}"
    else:
        number, name = str(row.index), row.name
    return [
        number, name, row.type, row.settings, _output_text(row),
        "?" if "params" in unknown else f"{row.params:,}",
        "?" if "macs" in unknown else f"{row.macs:,}",
        "?" if "memory" in unknown else format_bytes(row.activation_bytes),
        rf_text(row.rf_size, row.rf_jump, row.rf_input),
    ]


def total_cells(table: ShapeTable) -> list[str]:
    return ["", "Total", "", "", shape_text(table.output_shape), f"{table.total_params:,}",
            f"{table.total_macs:,}", format_bytes(table.total_activation_bytes), ""]


def summary_lines(table: ShapeTable) -> list[str]:
    """Plain sentences under a table: totals and the conventions behind them."""
    lines = [
        f"Parameters: {table.total_params:,} ({table.total_trainable_params:,} trainable); "
        f"plus {table.total_buffers:,} buffer values (BatchNorm running statistics), not trained",
        f"MACs: {table.total_macs:,}" + (f" ({human_count(table.total_macs)})" if table.total_macs >= 1000 else "")
        + f"; FLOPs = 2 × MACs = {human_count(table.total_flops)}",
        f"Activation memory: {format_bytes(table.total_activation_bytes)} per sample (float32 outputs)",
        f"Convention: {getattr(table, 'convention', MAC_CONVENTION)}",
    ]
    # A torch module's table (core.module_summary.ModuleTable) has its own convention and notes.
    lines += [f"Note: {note}" for note in getattr(table, "notes", ())]
    if not table.ok:
        lines.append("Invalid layers (totals count only what is known):")
        lines += [f"  {e}" for e in table.errors]
    return lines


def _title(table: ShapeTable) -> str:
    arch = table.architecture
    name = arch.name or "architecture"
    return f"{name}: input {shape_text(tuple(arch.input_shape))}"


def to_text(table: ShapeTable) -> str:
    rows = [list(HEADERS)] + [row_cells(r) + ([f"ERROR: {r.error}"] if r.error and not r.depth else [])
                              for r in table.all_rows()]
    rows.append(total_cells(table))
    ncols = len(HEADERS)
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(ncols)]
    numeric = {0, 5, 6, 7}

    def fmt(cells: list[str]) -> str:
        parts = [(c.rjust(widths[i]) if i in numeric else c.ljust(widths[i])) for i, c in enumerate(cells[:ncols])]
        line = "  ".join(parts).rstrip()
        if len(cells) > ncols:
            line += "  " + cells[ncols]
        return line

    rule = "-" * len(fmt(rows[0]))
    out = [_title(table), fmt(rows[0]), rule]
    out += [fmt(r) for r in rows[1:-1]]
    out += [rule, fmt(rows[-1]), ""]
    out += summary_lines(table)
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def to_markdown(table: ShapeTable) -> str:
    problems = not table.ok  # a "Problem" column only when some layer is invalid
    headers = list(HEADERS) + (["Problem"] if problems else [])
    out = [f"**{_md_escape(_title(table))}**", "",
           "| " + " | ".join(_md_escape(h) for h in headers) + " |",
           "|" + "|".join("---:" if i in (0, 5, 6, 7) else "---" for i in range(len(headers))) + "|"]
    for r in table.all_rows():
        cells = row_cells(r) + ([r.error or ""] if problems else [])
        out.append("| " + " | ".join(_md_escape(c) for c in cells) + " |")
    totals = total_cells(table) + ([""] if problems else [])
    out.append("| " + " | ".join(f"**{_md_escape(c)}**" if c else "" for c in totals) + " |")
    out.append("")
    out += [f"- {_md_escape(line.strip())}" for line in summary_lines(table)]
    return "\n".join(out) + "\n"


CSV_COLUMNS = ("index", "name", "type", "settings", "output_shape", "params", "trainable_params", "buffers",
               "macs", "activation_bytes", "rf_size", "rf_jump", "error", "block_path")
"""A row inside a Residual block has the block's index and block_path "main" or "shortcut"
(nested: "main/shortcut"); its numbers are already in the block's row, so sum only the rows
whose block_path is empty."""


def to_csv(table: ShapeTable) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)

    def pair(p: Any) -> str:
        return "" if p is None else f"{p[0]}x{p[1]}"

    def rows(items: list[LayerRow], where: str) -> None:
        for r in items:
            w.writerow([r.index, r.name, r.type, r.settings,
                        "x".join("?" if v is None else str(v) for v in (r.output_hint or ())) or "?",
                        r.params, r.trainable_params, r.buffers, r.macs, r.activation_bytes,
                        pair(r.rf_size), pair(r.rf_jump), r.error or "", where])
            for path in ("main", "shortcut"):
                kids = [c for c in r.children if c.path == path]
                rows(kids, f"{where}/{path}" if where else path)

    rows(table.rows, "")
    w.writerow(["", "total", "", "", "x".join(map(str, table.output_shape or ())) or "?",
                table.total_params, table.total_trainable_params, table.total_buffers, table.total_macs,
                table.total_activation_bytes, "", "", "", ""])
    return buf.getvalue()


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
                  "×": r"$\times$", "→": r"$\rightarrow$"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def to_latex(table: ShapeTable) -> str:
    """A booktabs tabular (needs \\usepackage{booktabs})."""
    out = [f"% {_title(table)} -- generated by ConvViz; needs \\usepackage{{booktabs}}",
           r"\begin{tabular}{rlllrrrrl}", r"\toprule",
           " & ".join(latex_escape(h) for h in HEADERS) + r" \\", r"\midrule"]
    for r in table.all_rows():
        cells = [latex_escape(c) for c in row_cells(r)]
        if r.error:
            cells[1] = r"\textbf{" + cells[1] + "}"
        out.append(" & ".join(cells) + r" \\")
    out += [r"\midrule", " & ".join(latex_escape(c) for c in total_cells(table)) + r" \\",
            r"\bottomrule", r"\end{tabular}"]
    for e in table.errors:
        out.append(f"% invalid: {latex_escape(e)}")
    return "\n".join(out) + "\n"


def table_to_dict(table: ShapeTable) -> dict[str, Any]:
    """JSON-able: {"layers": [{"name", "type", "output_shape", "params", "macs", ...}],
    "total_params", "total_macs", ...}. Unknown shapes are null."""
    def lst(v: Any) -> Any:
        return None if v is None else [int(x) for x in v]

    def layer(r: LayerRow) -> dict[str, Any]:
        d = {"index": r.index, "name": r.name, "type": r.type, "settings": r.settings,
             "input_shape": lst(r.input_shape), "output_shape": lst(r.output_shape),
             "params": r.params, "trainable_params": r.trainable_params, "buffers": r.buffers,
             "macs": r.macs, "flops": r.flops, "activation_bytes": r.activation_bytes,
             "rf_size": lst(r.rf_size), "rf_jump": lst(r.rf_jump), "error": r.error}
        if r.is_block:  # its own rows, and the two shapes that meet at the addition
            d["main"] = [layer(c) for c in r.children if c.path == "main"]
            d["shortcut"] = [layer(c) for c in r.children if c.path == "shortcut"]
            d["add_shapes"] = [None if s is None else [None if v is None else int(v) for v in s]
                               for s in (r.add_shapes or (None, None))]
        return d

    arch = table.architecture
    return {
        "name": arch.name,
        "input_shape": [int(v) for v in arch.input_shape],
        "layers": [layer(r) for r in table.rows],
        "output_shape": lst(table.output_shape),
        "total_params": table.total_params,
        "total_trainable_params": table.total_trainable_params,
        "total_buffers": table.total_buffers,
        "total_macs": table.total_macs,
        "total_flops": table.total_flops,
        "total_activation_bytes": table.total_activation_bytes,
        "ok": table.ok,
        "errors": table.errors,
        "convention": getattr(table, "convention", MAC_CONVENTION),
        "notes": list(getattr(table, "notes", ())),
    }


def to_json(table: ShapeTable) -> str:
    # allow_nan=False: every number here is an int, and JSON must never get a NaN token
    return json.dumps(table_to_dict(table), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def format_table(table: ShapeTable, fmt: str = "text") -> str:
    """The table in one of FORMATS."""
    makers = {"text": to_text, "markdown": to_markdown, "csv": to_csv, "json": to_json, "latex": to_latex}
    if fmt not in makers:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    return makers[fmt](table)


# --- the report of a hand-written table check ------------------------------------------------
CHECK_HEADERS = ("Row", "Operation", "Claimed", "Correct", "Right?", "Reason")


def check_report_rows(report: "Any") -> list[list[str]]:
    """One list of cells per row of a visualizer.core.table_check.CheckReport (CHECK_HEADERS)."""
    rows = []
    for v in report.verdicts:
        claimed, correct = v.claimed, v.correct
        if v.claimed_params:
            claimed = f"{claimed} ({v.claimed_params} params)".strip()
            if v.correct_params is not None:
                correct = f"{correct} ({v.correct_params:,} params)".strip()
        rows.append([str(v.row_number), v.operation, claimed, correct, "yes" if v.ok else "NO", v.reason])
    return rows


def format_check_report(report: "Any", fmt: str) -> str:
    """The check as a side-by-side table (claimed next to correct) in markdown, csv or latex,
    followed by the missing and extra layers."""
    rows = check_report_rows(report)
    notes = [f"missing: {m}" for m in report.missing] + [f"extra: {e}" for e in report.extra]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CHECK_HEADERS)
        w.writerows(rows)
        for note in notes:
            kind, _, text = note.partition(": ")
            w.writerow(["", "", "", "", kind, text])
        return buf.getvalue()
    if fmt == "markdown":
        out = ["| " + " | ".join(CHECK_HEADERS) + " |", "|---:|---|---|---|---|---|"]
        for r in rows:
            cells = [_md_escape(c) for c in r]
            if r[4] == "NO":
                cells[2], cells[4] = f"**{cells[2]}**", "**NO**"
            out.append("| " + " | ".join(cells) + " |")
        if notes:
            out.append("")
            out += [f"- {_md_escape(n)}" for n in notes]
        return "\n".join(out) + "\n"
    if fmt == "latex":
        out = [r"% checked by ConvViz; needs \usepackage{booktabs}", r"\begin{tabular}{rlllll}", r"\toprule",
               " & ".join(CHECK_HEADERS) + r" \\", r"\midrule"]
        for r in rows:
            cells = [latex_escape(c) for c in r]
            if r[4] == "NO":
                cells[2] = r"\textbf{" + cells[2] + "}"
            out.append(" & ".join(cells) + r" \\")
        out += [r"\bottomrule", r"\end{tabular}"] + [f"% {latex_escape(n)}" for n in notes]
        return "\n".join(out) + "\n"
    raise ValueError(f"unknown format {fmt!r} for a check report; formats: markdown, csv, latex")
