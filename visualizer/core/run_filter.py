"""The runs filter: which runs the Training tab shows, by a regular expression, as TensorBoard's
runs filter does (case-insensitive, found anywhere in the run's name or its settings; "" shows
every run). An expression that does not compile filters nothing out and says why."""

from __future__ import annotations

import re

#: The filter box's placeholder: what it takes, in the user's words.
PLACEHOLDER = "Filter runs (regular expression, as in TensorBoard)"


def compile_filter(text: str) -> tuple["re.Pattern[str] | None", str]:
    """(the compiled expression, "") or (None, why it is invalid); (None, "") for an empty filter."""
    if not text:
        return None, ""
    try:
        return re.compile(text, re.IGNORECASE), ""
    except re.error as exc:
        where = f" at position {exc.pos + 1}" if exc.pos is not None else ""
        return None, f"Not a valid regular expression: {exc.msg}{where}; every run is shown."
    except (RecursionError, OverflowError):
        return None, "Not a valid regular expression: too deeply nested; every run is shown."


def run_matches(text: str, *names: str) -> bool:
    """Whether a run with these names (its folder name, its settings label) passes the filter
    `text`; an empty or invalid filter lets every run through."""
    pattern, _error = compile_filter(text)
    return pattern is None or any(pattern.search(n or "") for n in names)
