"""Reading JSON a user (or a damaged disk) handed us, without an uncaught error.

`json.loads` can raise more than JSONDecodeError: RecursionError for arrays nested thousands deep,
ValueError ("Exceeds the limit (4300 digits)") for a huge integer, MemoryError for a huge file.
`load_json_text` turns every one of them into a UserInputError with one plain sentence, and
refuses nesting deeper than MAX_DEPTH before the parser could recurse that far.

`excerpt` cuts text echoed into an error line to about 80 printable characters.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from visualizer.core.errors import UserInputError

#: Deepest nesting of arrays/objects accepted. Real documents (architectures, run files) use 4 or 5.
MAX_DEPTH = 64
#: Longest integer accepted (digits). Python's own limit is 4300; nothing of ours needs 100.
MAX_INT_DIGITS = 100
#: Biggest JSON file read (bytes); a run's metrics.json is a few hundred kB.
MAX_FILE_BYTES = 64 * 2**20

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NONPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffd]")


def excerpt(text: Any, limit: int = 80) -> str:
    """`text` quoted for an error line: control characters and undecodable bytes shown as '?',
    cut to about `limit` characters (with … and the full length when cut)."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text[: limit * 4]).decode("utf-8", "replace") + ("\ufffd" if len(text) > limit * 4 else "")
        full = None
    else:
        text = str(text)
        full = len(text)
    shown = _NONPRINTABLE.sub("?", text[:limit])
    if len(text) > limit:
        more = f" ({full:,} characters)" if full is not None else ""
        return f"'{shown}…'{more}"
    return f"'{shown}'"


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in JSON `text` (brackets inside strings do not count).
    Linear time, no recursion."""
    stripped = _STRING.sub('""', text)
    depth = deepest = 0
    for ch in re.findall(r"[\[\]{}]", stripped):
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _TooLong(len(digits.lstrip("-")))
    return int(digits)


class _TooLong(Exception):
    def __init__(self, n: int):
        super().__init__(n)
        self.n = n


def load_json_text(text: str, what: str) -> Any:
    """Parse JSON `text`; UserInputError naming `what` (e.g. "net file my.json") on anything wrong:
    bad syntax, nesting deeper than MAX_DEPTH, an integer longer than MAX_INT_DIGITS digits."""
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise UserInputError(f"{what} nests arrays or objects {depth:,} levels deep; at most {MAX_DEPTH} are accepted")
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{what} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except _TooLong as exc:
        raise UserInputError(f"{what} holds an integer of {exc.n:,} digits; at most {MAX_INT_DIGITS} are accepted") from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise UserInputError(f"{what} nests arrays or objects too deeply") from None
    except (ValueError, OverflowError, MemoryError) as exc:
        raise UserInputError(f"{what} cannot be read as JSON ({excerpt(exc, 120)})") from None


def read_json_file(path: str | Path, what: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Read and parse a JSON file; UserInputError with one plain sentence for every failure
    (not found, a folder, unreadable, too big, not UTF-8, not JSON)."""
    path = Path(path)
    what = what or str(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise UserInputError(f"{what}: file not found") from None
    except IsADirectoryError:
        raise UserInputError(f"{what} is a folder, not a file") from None
    except OSError as exc:
        raise UserInputError(f"{what}: cannot read it ({exc.strerror or exc})") from None
    except MemoryError:
        raise UserInputError(f"{what}: not enough memory to read it") from None
    if len(raw) > max_bytes:
        raise UserInputError(f"{what} is larger than {max_bytes // 2**20} MB; it cannot be a ConvViz JSON file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserInputError(f"{what} is not a UTF-8 text file") from None
    return load_json_text(text, what)


def finite_only(obj: Any) -> tuple[Any, int]:
    """`obj` with every NaN or infinite float replaced by None, and how many were replaced
    (JSON has no NaN or Infinity: json.dumps would write tokens other readers reject)."""
    count = 0

    def clean(v: Any) -> Any:
        nonlocal count
        if isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                count += 1
                return None
            return v
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v

    return clean(obj), count


def dumps_strict(obj: Any, **kwargs: Any) -> tuple[str, int]:
    """json.dumps with allow_nan=False after finite_only: (text, number of values written as null)."""
    cleaned, count = finite_only(obj)
    return json.dumps(cleaned, allow_nan=False, **kwargs), count
