# The capture plugin's constants and record layouts, compiled from its headers (_abi.c);
# vmstrace.core.abi is its only user.
VERSION: int
MAGIC: bytes
REC_ENTRY: int
REC_EXIT: int
REC_STATS: int
ABI_X86_64: int
ABI_I386: int
INSN_SYSCALL: int
INSN_SYSENTER: int
INSN_INT80: int
INSN_SYSRETQ: int
INSN_SYSRETL: int
INSN_SYSEXIT: int
INSN_IRETQ: int
BLOB_FAULT: int
BLOB_TRUNC: int
BLOB_EXIT: int
BLOB_ARRAY: int
INDEX_TOP: int
INDEX_MSG_NAME: int
INDEX_MSG_CONTROL: int
INDEX_MSG_IOV: int
ARG_SIGFRAME: int
ARG_RETFD: int
ARG_EXE: int
ARG_RAX: int
SIGFRAME_BYTES: int
FRAME_RAX: int
FRAME_RSP: int
FRAME_RIP: int
FRAME_SIGMASK: int
FRAME_SIGINFO: int
SIGINFO_BYTES: int
ENTRY_PC_UNSURE: int
EXIT_ELSEWHERE: int
FD_CUT: int
FD_DELETED: int
FD_MAX_COMPONENTS: int
FD_PSEUDO: int
RING_MAGIC: bytes
RING_VERSION: int
RING_DATA_OFF: int
MAX_NR: int
MAX_BYTES: int
MAX_ELEMS: int
MAX_RECORD_BLOBS: int
MAX_FDARR: int
MAX_FDLIST: int
MAX_FDBITS: int
FDWALK_KEYS: tuple[str, ...]
SPEC_KINDS: tuple[str, ...]
SPEC_HEADER: str
LAYOUTS: dict[str, tuple[tuple[tuple[str, int, int], ...], int]]
