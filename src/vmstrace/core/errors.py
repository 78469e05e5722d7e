"""The one exception type vmstrace raises for problems a user can fix."""

from __future__ import annotations


class VmstraceError(Exception):
    """A user-facing failure; ``str(err)`` is the whole message: the problem and the fix.

    ``exit_code`` is what the command-line tool exits with (127 for a command that is not
    found in the guest, as a shell would).
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
