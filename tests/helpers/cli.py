"""The command line as the tests see it: the one-line error contract and `python -m visualizer`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from visualizer.cli import MAX_ERROR_CHARS

REPO = Path(__file__).resolve().parents[2]
#: `convviz: error: …`, `convviz COMMAND: error: …`, or argparse's
#: `convviz COMMAND: error: argument --OPTION: …` for a value an option's type (core.parsing) refuses.
_ERROR_PREFIX = re.compile(r"convviz(?: [a-z-]+: error: argument [-a-z/]+: | [a-z-]+: error: |: error: )")


def one_error_line(err: str) -> str:
    """The single `convviz[ COMMAND]: error: …` line of a command's stderr: nothing else, no
    traceback, printable, and no longer than the prefix plus MAX_ERROR_CHARS."""
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    prefix = _ERROR_PREFIX.match(lines[0])
    assert prefix, err
    assert len(lines[0]) <= prefix.end() + MAX_ERROR_CHARS and lines[0].isprintable(), lines[0]
    return lines[0]


def convviz(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """`python -m visualizer ARGS` in a subprocess (text mode)."""
    env = {**os.environ, **kw.pop("env", {})}
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "visualizer", *args], cwd=REPO, env=env, text=True,
                          timeout=timeout, **kw)
