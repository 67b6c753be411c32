"""Build a torch module's table (core.module_summary) in a child process, so that it can be
cancelled and timed out: the user's file runs there, and a factory or forward pass that never
returns is ended with its process (a thread cannot be killed). Also `declared_input_shape`, the
`INPUT_SHAPE = (C, H, W)` a module file may declare, read without running the file.

No Qt here: the Shapes tab calls `summarize_in_child` from a worker thread.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path
from typing import Any, Callable

from visualizer.core.errors import UserInputError

#: Seconds a module may take to import, build and run its forward pass before it is stopped.
DEFAULT_TIMEOUT_S = 120.0
#: The largest C, H or W that INPUT_SHAPE may give (as `convviz shapes --input`: 9 digits).
MAX_SIDE = 999_999_999


class BuildCancelled(UserInputError):
    """The user cancelled the build; its process was ended."""


def declared_input_shape(path: str | Path) -> tuple[int, int, int] | None:
    """The `INPUT_SHAPE = (C, H, W)` assigned at the top level of the Python file `path` (read, not
    run), or None when it declares none (or cannot be parsed: the build then says why).
    UserInputError when it declares one that is not three positive integers."""
    p = Path(path)
    try:
        tree = ast.parse(p.read_bytes(), filename=str(p))
    except (OSError, SyntaxError, ValueError):
        return None
    value = None
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else [])
        if any(isinstance(t, ast.Name) and t.id == "INPUT_SHAPE" for t in targets):
            value = node.value
    if value is None:
        return None
    try:
        shape = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        shape = None
    if (isinstance(shape, (tuple, list)) and len(shape) == 3
            and all(type(v) is int and 1 <= v <= MAX_SIDE for v in shape)):
        return int(shape[0]), int(shape[1]), int(shape[2])
    text = ast.get_source_segment(p.read_text(errors="replace"), value) or "?"
    raise UserInputError(f"{p.name}, line {value.lineno}: INPUT_SHAPE must be three positive integers "
                         f"(C, H, W) such as (1, 28, 28), got {text[:60]}")


def _build(conn, spec: str, input_shape: tuple[int, int, int]) -> None:  # pragma: no cover - child process
    """In the child: the table, or ("error", one line), sent back once."""
    try:
        from visualizer.core.module_summary import summarize_module

        conn.send(("table", summarize_module(spec, input_shape)))
    except UserInputError as exc:
        conn.send(("error", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - the user's code may raise anything
        conn.send(("error", f"{type(exc).__name__}: {exc}"[:300]))
    finally:
        conn.close()


def summarize_in_child(spec: str, input_shape: tuple[int, int, int], timeout_s: float = DEFAULT_TIMEOUT_S,
                       cancelled: Callable[[], bool] = lambda: False, poll_s: float = 0.05) -> Any:
    """`summarize_module(spec, input_shape)` run in a spawned process: its ShapeTable, or
    UserInputError with its one line; BuildCancelled when `cancelled()` turns true, and
    UserInputError when it takes longer than `timeout_s` (the process is ended either way)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # torch and fork do not mix
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_build, args=(sender, spec, tuple(input_shape)), daemon=True,
                          name="convviz module build")
    process.start()
    sender.close()  # the child's end: recv() sees EOF if the child dies without answering
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            if receiver.poll(poll_s):
                try:
                    kind, value = receiver.recv()
                except (EOFError, OSError):
                    process.join(5)
                    raise UserInputError(f"the module's process ended without an answer (exit code "
                                         f"{process.exitcode}); did its code end Python or crash?") from None
                if kind == "table":
                    return value
                raise UserInputError(str(value))
            if cancelled():
                raise BuildCancelled("cancelled: the module's process was ended")
            if time.monotonic() > deadline:
                raise UserInputError(f"it did not finish within {timeout_s:g} s (a factory or forward pass "
                                     f"that never returns?): its process was ended")
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
            process.join(2)
            if process.is_alive():
                process.kill()
        process.join(2)
