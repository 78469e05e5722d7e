"""ptrace constants.

Sources (Linux UAPI): ``linux/ptrace.h`` (requests, PTRACE_O_*, PTRACE_SYSCALL_INFO_*),
``asm/ptrace-abi.h`` (x86 requests), ``linux/elf.h`` (NT_*), ``linux/audit.h``
(AUDIT_ARCH_*), ``linux/seccomp.h`` (SECCOMP_FILTER_FLAG_*), ``sys/user.h`` and
``sys/reg.h`` (struct user offsets).  Names and order follow strace's ``ptrace_cmds.in``,
``ptrace_setoptions_flags.in``, ``nt_descriptor_types.in`` and ``x86_64/userent.h``.
"""

from __future__ import annotations

PTRACE_TRACEME = 0
PTRACE_PEEKTEXT = 1
PTRACE_PEEKDATA = 2
PTRACE_PEEKUSER = 3  # PTRACE_PEEKUSR in the kernel's header
PTRACE_POKETEXT = 4
PTRACE_POKEDATA = 5
PTRACE_POKEUSER = 6  # PTRACE_POKEUSR in the kernel's header
PTRACE_CONT = 7
PTRACE_KILL = 8
PTRACE_SINGLESTEP = 9
PTRACE_GETREGS = 12
PTRACE_SETREGS = 13
PTRACE_GETFPREGS = 14
PTRACE_SETFPREGS = 15
PTRACE_ATTACH = 16
PTRACE_DETACH = 17
PTRACE_OLDSETOPTIONS = 21
PTRACE_SYSCALL = 24
PTRACE_SYSEMU = 31
PTRACE_SYSEMU_SINGLESTEP = 32
PTRACE_SINGLEBLOCK = 33
PTRACE_SETOPTIONS = 0x4200
PTRACE_GETEVENTMSG = 0x4201
PTRACE_GETSIGINFO = 0x4202
PTRACE_SETSIGINFO = 0x4203
PTRACE_GETREGSET = 0x4204
PTRACE_SETREGSET = 0x4205
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
PTRACE_LISTEN = 0x4208
PTRACE_PEEKSIGINFO = 0x4209
PTRACE_GETSIGMASK = 0x420A
PTRACE_SETSIGMASK = 0x420B
PTRACE_SECCOMP_GET_FILTER = 0x420C
PTRACE_SECCOMP_GET_METADATA = 0x420D
PTRACE_GET_SYSCALL_INFO = 0x420E

# The requests strace names on x86-64 (what its ptrace_cmds.in gives with these headers).
PTRACE_CMDS = {
    0: "PTRACE_TRACEME",
    1: "PTRACE_PEEKTEXT",
    2: "PTRACE_PEEKDATA",
    3: "PTRACE_PEEKUSER",
    4: "PTRACE_POKETEXT",
    5: "PTRACE_POKEDATA",
    6: "PTRACE_POKEUSER",
    7: "PTRACE_CONT",
    8: "PTRACE_KILL",
    9: "PTRACE_SINGLESTEP",
    12: "PTRACE_GETREGS",
    13: "PTRACE_SETREGS",
    14: "PTRACE_GETFPREGS",
    15: "PTRACE_SETFPREGS",
    16: "PTRACE_ATTACH",
    17: "PTRACE_DETACH",
    18: "PTRACE_GETFPXREGS",
    19: "PTRACE_SETFPXREGS",
    21: "PTRACE_OLDSETOPTIONS",
    24: "PTRACE_SYSCALL",
    25: "PTRACE_GET_THREAD_AREA",
    26: "PTRACE_SET_THREAD_AREA",
    30: "PTRACE_ARCH_PRCTL",
    31: "PTRACE_SYSEMU",
    32: "PTRACE_SYSEMU_SINGLESTEP",
    33: "PTRACE_SINGLEBLOCK",
    0x4200: "PTRACE_SETOPTIONS",
    0x4201: "PTRACE_GETEVENTMSG",
    0x4202: "PTRACE_GETSIGINFO",
    0x4203: "PTRACE_SETSIGINFO",
    0x4204: "PTRACE_GETREGSET",
    0x4205: "PTRACE_SETREGSET",
    0x4206: "PTRACE_SEIZE",
    0x4207: "PTRACE_INTERRUPT",
    0x4208: "PTRACE_LISTEN",
    0x4209: "PTRACE_PEEKSIGINFO",
    0x420A: "PTRACE_GETSIGMASK",
    0x420B: "PTRACE_SETSIGMASK",
    0x420C: "PTRACE_SECCOMP_GET_FILTER",
    0x420D: "PTRACE_SECCOMP_GET_METADATA",
    0x420E: "PTRACE_GET_SYSCALL_INFO",
    0x420F: "PTRACE_GET_RSEQ_CONFIGURATION",
}

# linux/ptrace.h: PTRACE_O_* = 1 << PTRACE_EVENT_*, EXITKILL 1 << 20, SUSPEND_SECCOMP 1 << 21
PTRACE_O_FLAGS = (
    (0x1, "PTRACE_O_TRACESYSGOOD"),
    (0x2, "PTRACE_O_TRACEFORK"),
    (0x4, "PTRACE_O_TRACEVFORK"),
    (0x8, "PTRACE_O_TRACECLONE"),
    (0x10, "PTRACE_O_TRACEEXEC"),
    (0x20, "PTRACE_O_TRACEVFORKDONE"),
    (0x40, "PTRACE_O_TRACEEXIT"),
    (0x80, "PTRACE_O_TRACESECCOMP"),
    (0x100000, "PTRACE_O_EXITKILL"),
    (0x200000, "PTRACE_O_SUSPEND_SECCOMP"),
)

PTRACE_PEEKSIGINFO_FLAGS = ((1, "PTRACE_PEEKSIGINFO_SHARED"),)

PTRACE_SYSCALL_INFO_OPS = {
    0: "PTRACE_SYSCALL_INFO_NONE",
    1: "PTRACE_SYSCALL_INFO_ENTRY",
    2: "PTRACE_SYSCALL_INFO_EXIT",
    3: "PTRACE_SYSCALL_INFO_SECCOMP",
}

# linux/audit.h: EM_X86_64|__AUDIT_ARCH_64BIT|__AUDIT_ARCH_LE, EM_386|__AUDIT_ARCH_LE
AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_I386 = 0x40000003
AUDIT_ARCHES = {AUDIT_ARCH_X86_64: "AUDIT_ARCH_X86_64", AUDIT_ARCH_I386: "AUDIT_ARCH_I386"}

# linux/seccomp.h
SECCOMP_FILTER_FLAGS = (
    (1, "SECCOMP_FILTER_FLAG_TSYNC"),
    (2, "SECCOMP_FILTER_FLAG_LOG"),
    (4, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
    (8, "SECCOMP_FILTER_FLAG_NEW_LISTENER"),
    (16, "SECCOMP_FILTER_FLAG_TSYNC_ESRCH"),
    (32, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
)

# linux/elf.h: the note types PTRACE_GETREGSET takes (strace's nt_descriptor_types.in,
# the ones an x86 kernel or a generic one can mean)
NT_PRSTATUS = 1
NT_FPREGSET = 2
NT_TYPES = {
    1: "NT_PRSTATUS",
    2: "NT_FPREGSET",
    3: "NT_PRPSINFO",
    4: "NT_PRXREG",
    5: "NT_PLATFORM",
    6: "NT_AUXV",
    7: "NT_GWINDOWS",
    8: "NT_ASRS",
    10: "NT_PSTATUS",
    13: "NT_PSINFO",
    14: "NT_PRCRED",
    15: "NT_UTSNAME",
    16: "NT_LWPSTATUS",
    17: "NT_LWPSINFO",
    20: "NT_PRFPXREG",
    0x200: "NT_386_TLS",
    0x201: "NT_386_IOPERM",
    0x202: "NT_X86_XSTATE",
    0x700: "NT_VMCOREDD",
    0x46494C45: "NT_FILE",
    0x46E62B7F: "NT_PRXFPREG",
    0x53494749: "NT_SIGINFO",
}

# x86-64 struct user (sys/user.h): the register slots as strace names them (8*R15 ...,
# sys/reg.h indexes; only up to SS: its userent.h stops there), then the other fields
USER_OFFSETS = (
    (8 * 0, "8*R15"),
    (8 * 1, "8*R14"),
    (8 * 2, "8*R13"),
    (8 * 3, "8*R12"),
    (8 * 4, "8*RBP"),
    (8 * 5, "8*RBX"),
    (8 * 6, "8*R11"),
    (8 * 7, "8*R10"),
    (8 * 8, "8*R9"),
    (8 * 9, "8*R8"),
    (8 * 10, "8*RAX"),
    (8 * 11, "8*RCX"),
    (8 * 12, "8*RDX"),
    (8 * 13, "8*RSI"),
    (8 * 14, "8*RDI"),
    (8 * 15, "8*ORIG_RAX"),
    (8 * 16, "8*RIP"),
    (8 * 17, "8*CS"),
    (8 * 18, "8*EFL"),
    (8 * 19, "8*RSP"),
    (8 * 20, "8*SS"),
    (216, "offsetof(struct user, u_fpvalid)"),
    (224, "offsetof(struct user, i387)"),
    (736, "offsetof(struct user, u_tsize)"),
    (744, "offsetof(struct user, u_dsize)"),
    (752, "offsetof(struct user, u_ssize)"),
    (760, "offsetof(struct user, start_code)"),
    (768, "offsetof(struct user, start_stack)"),
    (776, "offsetof(struct user, signal)"),
    (784, "offsetof(struct user, reserved)"),
    (792, "offsetof(struct user, u_ar0)"),
    (800, "offsetof(struct user, u_fpstate)"),
    (808, "offsetof(struct user, magic)"),
    (816, "offsetof(struct user, u_comm)"),
    (848, "offsetof(struct user, u_debugreg)"),
    (912, "sizeof(struct user)"),
)
