"""Errors that describe bad user input.

A `UserInputError` carries one plain sentence meant for the person who typed or loaded the
value. The CLI prints it as one line and exits with status 2; the GUI shows it in the status
line or a dialog.
"""


class UserInputError(ValueError):
    """A value the user gave cannot be used; the message says which and why."""


def first_sentence(text: str, limit: int = 160) -> str:
    """An error's text reduced to what a person can read in a status line: its first line, without
    the C++ frames torch appends ("Exception raised from … frame #0: …"), on one line, and cut to
    `limit` characters at a word."""
    text = str(text)
    for marker in ("\nException raised from", "Exception raised from ", "\nframe #"):
        cut = text.find(marker)
        if cut > 0:
            text = text[:cut]
    line = " ".join(text.split())
    if len(line) > limit:
        line = line[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return line


def safe_file_name(name: str, suffix: str = "", default: str = "network") -> str:
    """A plain file name made from a text the user (or a file they opened) chose: no folders, no
    leading dots, only letters, digits, spaces and -_.()+, at most 80 characters. A network named
    "/etc/cron.d/evil" becomes "evil"."""
    import re

    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    if suffix and base.lower().endswith(suffix.lower()):
        base = base[: -len(suffix)]
    base = re.sub(r"[^\w \-().+]", "_", base, flags=re.UNICODE).strip(" ._")
    base = base[:80].rstrip(" ._") or default
    return base + suffix
