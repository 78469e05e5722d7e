# The decoder's event assembly, compiled (_decoder.c); session.Decoder is its only user.
from typing import TypeVar

from vmstrace.trace.events import Syscall

_E = TypeVar("_E")

def event(cls: type[_E], thread_fields: dict[str, object], call: Syscall, name: str,
          args: tuple[str, ...], ret_text: str, error: str | None, exe: str | None, /
          ) -> _E: ...
