"""How the traced command ended, from the trace alone.

The guest's control line also reports the command's status, but any guest process can
write it (vmstrace.guest.channels); the trace is the kernel's own account.  The command
is the process the launcher (guest/programs/vmstrace-exec.c) becomes: the pid of the
launcher's execve, which executes the command in place.  Its status is what its parent,
the guest's init, reaped: wait4's status word, which also tells a death by a signal
(the shell's 128 + N); else the code its exit_group gave.
"""

from __future__ import annotations

from collections.abc import Mapping

from vmstrace.core.events import Syscall
from vmstrace.syscalls import TABLES, Flag
from vmstrace.trace.attribution import EXECVE, is_launcher_exec

# The calls :meth:`CommandOutcome.see` needs: the emitter hands it these (by plan name):
# the execs (any ABI's names), the command's exit_group and its parent's wait4.
EXECS = TABLES.names(Flag.EXEC)
OBSERVED = EXECS | {"exit_group", "wait4"}
WSTATUS_ARG = 1  # wait4(pid, *wstatus, options, *rusage): the word read at exit


def shell_status(wstatus: int) -> int | None:
    """A wait status as the shell's ``$?``: the exit code, or 128 + the signal that killed
    the process; None for a stop or a continue (the process lives on)."""
    signal = wstatus & 0x7F
    if signal == 0:
        return (wstatus >> 8) & 0xFF
    if signal == 0x7F or wstatus == 0xFFFF:
        return None
    return 128 + signal


class CommandOutcome:
    """Follows the launcher's process through the trace: ``root`` (its pid), ``parent``
    (the pid that reaps it), ``started`` (it executed the command), and its status."""

    def __init__(self, execs: Mapping[str, frozenset[int]] = EXECVE) -> None:
        self.execs = execs  # attribution.exec_numbers() of the run's tables
        self.root: int | None = None
        self.parent: int | None = None
        self.started = False
        self.exit_code: int | None = None  # exit_group's, at entry
        self.reaped: int | None = None  # the parent's wait4, as the shell says it

    @property
    def status(self) -> int | None:
        return self.reaped if self.reaped is not None else self.exit_code

    def see(self, call: Syscall, name: str) -> None:
        """One call of :data:`OBSERVED`, of any process."""
        e = call.entry
        pid = e.who.pid
        if pid is None:
            return
        if self.root is None:
            if is_launcher_exec(call, self.execs):
                self.root, self.parent = pid, e.who.ppid
            return
        if pid == self.root:
            if name in EXECS and call.ret == 0:
                self.started = True
            elif name == "exit_group" and self.exit_code is None and e.args:
                self.exit_code = e.args[0] & 0xFF
        elif (
            name == "wait4"
            and pid == self.parent
            and call.ret == self.root
            and self.reaped is None
            and call.exit is not None
        ):
            mem = call.exit.mem.get(WSTATUS_ARG)
            if mem is not None and not mem.fault and len(mem.data) >= 4:
                self.reaped = shell_status(int.from_bytes(mem.data[:4], "little"))
