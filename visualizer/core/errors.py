"""Errors that describe bad user input.

A `UserInputError` carries one plain sentence meant for the person who typed or loaded the
value. The CLI prints it as one line and exits with status 2; the GUI shows it in the status
line or a dialog.
"""


class UserInputError(ValueError):
    """A value the user gave cannot be used; the message says which and why."""
