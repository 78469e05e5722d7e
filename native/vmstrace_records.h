/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vmstrace record stream, version 3: what the capture plugin writes and
 * src/vmstrace/capture/records.py reads.  docs/event-format.md describes it in prose.
 *
 * Little-endian.  A stream is one vmst_stream_hdr, then records.  Every record starts with
 * vmst_rec_hdr, and its size (a multiple of 8) covers everything up to the next record.
 *
 * ENTRY: vmst_rec_hdr, vmst_entry, task bytes (stream header's task_bytes, padded to 8),
 *        then nblobs blobs.
 * EXIT:  vmst_rec_hdr, vmst_exit, task bytes (padded), then nblobs blobs.
 * STATS: vmst_rec_hdr, vmst_stats; written once, when QEMU exits.
 * A blob: vmst_blob_hdr, then len bytes of guest memory, padded to 8.
 */
#ifndef VMSTRACE_RECORDS_H
#define VMSTRACE_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#define VMST_MAGIC "VMSTRACE"
#define VMST_VERSION 3

enum { VMST_REC_ENTRY = 1, VMST_REC_EXIT = 2, VMST_REC_STATS = 3 };

/* A record's `abi`: the calling convention of the call. */
enum { VMST_ABI_X86_64 = 0, VMST_ABI_I386 = 1 };

enum {
    VMST_INSN_SYSCALL = 1,
    VMST_INSN_SYSENTER = 2,
    VMST_INSN_INT80 = 3,
    VMST_INSN_SYSRETQ = 4,
    VMST_INSN_SYSRETL = 5,
    VMST_INSN_SYSEXIT = 6,
    VMST_INSN_IRETQ = 7,
};

/* Blob flags. */
#define VMST_BLOB_FAULT 0x01 /* a read failed: data is the readable prefix */
#define VMST_BLOB_TRUNC 0x02 /* the cap was hit before the end (or the NUL) */
#define VMST_BLOB_EXIT 0x04  /* read at the syscall's exit */
#define VMST_BLOB_ARRAY 0x08 /* the array of an iov/strarr capture; elements follow */
#define VMST_INDEX_TOP 0xffff
/* Parts of a msghdr capture, attached to its top blob (the struct itself). */
#define VMST_INDEX_MSG_NAME 0x8000
#define VMST_INDEX_MSG_CONTROL 0x8001 /* at most VMST_MSG_CONTROL_CAP bytes of it */
#define VMST_MSG_CONTROL_CAP 256u
#define VMST_INDEX_MSG_IOV 0x8002 /* the iovec array; its elements are numbered from 0 */
/* Parts of an mmsghdr capture (an array of messages): message k's name, control data and
 * iovec array at VMST_INDEX_MMSG_NAME(k) + 0, 1, 2 (message 0's are a msghdr's), buffer j
 * of its iovec array at VMST_INDEX_MMSG_IOV(k, j); k < VMST_MAX_MMSG, j < VMST_MAX_MMSG_IOV. */
#define VMST_MAX_MMSG 64u
#define VMST_MAX_MMSG_IOV 256u
#define VMST_INDEX_MMSG_NAME(k) (VMST_INDEX_MSG_NAME + 4u * (k))
#define VMST_INDEX_MMSG_IOV(k, j) ((k) * VMST_MAX_MMSG_IOV + (j))
/* What an fd an SCM_RIGHTS message carries refers to (a cmsgfds capture): element
 * VMST_INDEX_MSG_FDS + fd, by the fd's number, for fds below VMST_MSG_FDS_LIMIT. */
#define VMST_INDEX_MSG_FDS 0x8100
#define VMST_MSG_FDS_LIMIT (VMST_INDEX_TOP - VMST_INDEX_MSG_FDS)

/* Blob argument number of the x86_64 signal frame (struct rt_sigframe) found on the user
 * stack when a call returns into a signal handler instead of after its instruction. */
#define VMST_ARG_SIGFRAME 6
/* Blob argument number of the fd a call returned, resolved like an fd argument (-y). */
#define VMST_ARG_RETFD 7
/* Blob argument number of the process's executable after a successful execve. */
#define VMST_ARG_EXE 8
/* Blob argument number of the number register as the caller set it (8 bytes), present only
 * when it holds bits the kernel ignores: the record's nr is the number the kernel ran. */
#define VMST_ARG_RAX 9
#define VMST_SIGFRAME_BYTES 440
/* Where the saved registers sit in it (pretcode 8, uc_flags 8, uc_link 8, uc_stack 24, then
 * struct sigcontext: r8..r15, di, si, bp, bx, dx, ax, cx, sp, ip, ...), the saved mask, and
 * the siginfo after it (arch/x86/include/asm/sigframe.h, 6.1 to 6.12). */
#define VMST_FRAME_RAX (48 + 13 * 8)
#define VMST_FRAME_RSP (48 + 15 * 8)
#define VMST_FRAME_RIP (48 + 16 * 8)
#define VMST_FRAME_SIGMASK (48 + 256)
#define VMST_FRAME_SIGINFO (VMST_FRAME_SIGMASK + 8)
#define VMST_SIGINFO_BYTES 128
/* An i386 caller's frames (arch/x86/include/asm/sigframe.h; struct sigcontext_32 holds
 * ..., sp at 28, ..., ax at 44, ..., ip at 56, in 88 bytes), copied up to the end of the
 * saved registers (and of uc_sigmask): sigframe_ia32 (pretcode 4, sig 4, sigcontext_32)
 * for a handler without SA_SIGINFO, rt_sigframe_ia32 (pretcode, sig, pinfo, puc 4 each,
 * compat_siginfo 128, then ucontext_ia32: uc_flags 4, uc_link 4, uc_stack 12,
 * sigcontext_32, uc_sigmask 8) for one with it.  Same blob number, VMST_ARG_SIGFRAME. */
#define VMST_SIGFRAME32_BYTES 96
#define VMST_FRAME32_SP (8 + 28)
#define VMST_FRAME32_AX (8 + 44)
#define VMST_FRAME32_IP (8 + 56)
#define VMST_RT_SIGFRAME32_BYTES 260
#define VMST_RT_FRAME32_SIGINFO 16
#define VMST_RT_FRAME32_UC 144
#define VMST_RT_FRAME32_SP (VMST_RT_FRAME32_UC + 20 + 28)
#define VMST_RT_FRAME32_AX (VMST_RT_FRAME32_UC + 20 + 44)
#define VMST_RT_FRAME32_IP (VMST_RT_FRAME32_UC + 20 + 56)
/* The mask sigreturn restores: rt_sigframe_ia32's uc_sigmask; sigframe_ia32's low word in
 * sigcontext_32's oldmask (at 80), its high word in extramask, after the 624 bytes of
 * fpstate_unused. */
#define VMST_RT_FRAME32_SIGMASK (VMST_RT_FRAME32_UC + 20 + 88)
#define VMST_FRAME32_OLDMASK (8 + 80)
#define VMST_FRAME32_EXTRAMASK (8 + 88 + 624)

/* Entry flags. */
#define VMST_ENTRY_PC_UNSURE 0x01 /* pc could not be worked out exactly (see the plugin's
                                   * entry_pc()): compare it by page offset only */
/* Exit flags. */
#define VMST_EXIT_ELSEWHERE 0x01 /* the thread resumed neither after the call, nor at it (a
                                  * restart), nor in a signal frame that saved the call's
                                  * context: the return register is not the call's result */
#define VMST_EXIT_RESTART 0x02 /* the kernel restarts the call: the thread resumed (or the
                                * signal frame it resumed in saved that it resumes) where
                                * the call is made again, and the result (the register, or
                                * the frame's saved one) holds the number it is made with:
                                * its own, or restart_syscall's for ERESTART_RESTARTBLOCK */

struct vmst_stream_hdr {
    char magic[8];
    uint32_t version;
    uint32_t task_bytes;
};

struct vmst_rec_hdr {
    uint16_t type;
    uint16_t vcpu;
    uint32_t size;
    uint64_t ts; /* ns since the plugin started (host CLOCK_MONOTONIC) */
};

/*
 * `seq` numbers the records of one guest thread (task_struct and tid) 1, 2, 3, ... in the
 * order the thread made them; 0 when the thread is not known (no task).  Records are
 * batched per vCPU, so a thread that moved to another vCPU can have a later record reach
 * the reader before an earlier one: the reader puts each thread's records back in `seq`
 * order, and an exit is the record right after its entry.
 */
struct vmst_entry {
    uint64_t cr3, task, pc, sp, nr;
    uint64_t args[6];
    uint32_t seq;
    uint8_t abi; /* VMST_ABI_* */
    uint8_t insn;
    uint8_t task_ok;
    uint8_t flags; /* VMST_ENTRY_* */
    uint16_t nblobs;
    uint16_t pad;
    uint32_t pad2;
};

struct vmst_exit {
    uint64_t cr3, task, pc, ret, nr, sp;
    uint64_t user_pc; /* where the thread resumes in user mode */
    uint64_t rdi;     /* when a signal frame follows: rdi, the handler's first argument (the
                       * signal number); 0 otherwise */
    uint32_t seq;
    uint8_t abi;
    uint8_t insn;
    uint8_t task_ok;
    uint8_t flags; /* VMST_EXIT_* */
    uint16_t nblobs;
    uint16_t pad;
    uint32_t pad2;
};

struct vmst_stats {
    uint64_t entries, exits, records, bytes, dropped, orphan_exits, pending;
    uint64_t evicted_pending; /* calls in progress let go at the plugin's table limit */
    uint64_t evicted_threads; /* thread record counters let go at their limit */
};

struct vmst_blob_hdr {
    uint8_t arg;
    uint8_t flags;
    uint16_t index; /* VMST_INDEX_TOP, or the element's index in the array */
    uint32_t len;
    uint64_t addr;
};

/*
 * The data of an `fd` or `exe` capture's blob (blobs 7 and 8 too): what a struct file (or
 * the working directory's struct path) is, for strace -y.  vmst_fd_hdr, then `ncomp` names
 * (u16 len, then the bytes) from the leaf up to the root, crossing mount points, at most
 * VMST_FD_MAX_COMPONENTS of them.  For a device (S_ISCHR, S_ISBLK) its number (the
 * kernel's dev_t, u32) follows the names.  For a socket (sockfs) a vmst_fd_socket follows the
 * names, then for AF_UNIX the path bytes (sockaddr_un.sun_path, `unix_len` of them, at most
 * 108) or for AF_INET6 the 16-byte local and remote addresses.  Not aligned in the blob.
 */
#define VMST_FD_CUT 0x01 /* vmst_fd_hdr.flags: the walk stopped before the root */
#define VMST_FD_DELETED 0x02 /* the dentry is unlinked (d_unlinked): " (deleted)" */
#define VMST_FD_PSEUDO 0x04  /* a dentry of no tree (d_alloc_pseudo: memfd, anon inodes):
                              * its own name is the one component, the kernel names it by
                              * its filesystem's d_dname */
#define VMST_FD_MAX_COMPONENTS 128

struct vmst_fd_hdr {
    uint64_t ino;
    uint32_t mode;  /* i_mode */
    uint32_t magic; /* the superblock's s_magic */
    uint32_t ncomp;
    uint32_t flags; /* VMST_FD_* */
};

struct __attribute__((packed)) vmst_fd_socket {
    uint16_t family, type, protocol;
    uint16_t lport;    /* host order (skc_num) */
    uint16_t rport;    /* network order (skc_dport) */
    uint16_t unix_len; /* path bytes that follow (AF_UNIX) */
    uint32_t laddr, raddr; /* IPv4, network order */
    uint64_t peer;     /* the peer's struct sock (AF_UNIX) */
    uint32_t pad;
};

/*
 * The shared ring (plugin argument ring=): a file of VMST_RING_DATA_OFF + data_size bytes
 * that the reader creates (a memfd), fills in the header of (magic, version, data_size) and
 * maps; the plugin maps it too.  The stream (stream header, then records) runs through the
 * data area as through a pipe: byte k of the stream sits at VMST_RING_DATA_OFF +
 * k % data_size.  `head` (written by the plugin) counts the bytes published, `tail` (written
 * by the reader) the bytes consumed; the plugin never lets head - tail exceed data_size and
 * waits for the reader when it would (lossless back-pressure), and adds the time it waited
 * to `stalled_ns`.  A reader about to sleep sets
 * `waiting`; the plugin then clears it and writes a byte to the bell pipe (plugin argument
 * bell=).  `closed` is set after the last byte (the STATS record); a QEMU that dies without
 * it shows as end-of-file on the bell pipe.
 */
#define VMST_RING_MAGIC "VMSTRING"
#define VMST_RING_VERSION 1
#define VMST_RING_DATA_OFF 4096

struct vmst_ring_hdr {
    char magic[8];
    uint32_t version;
    uint32_t pad;
    uint64_t data_size;
    uint8_t pad1[40];
    uint64_t head;    /* offset 64: the plugin's cache line */
    uint8_t pad2[56];
    uint64_t tail;    /* offset 128: the reader's */
    uint8_t pad3[56];
    uint32_t waiting; /* offset 192 */
    uint32_t closed;  /* offset 196 */
    uint64_t stalled_ns; /* offset 200: time the plugin waited for room (the guest held
                          * back by the reader), CLOCK_MONOTONIC ns; written by the plugin */
};

_Static_assert(sizeof(struct vmst_entry) == 104, "entry layout");
_Static_assert(sizeof(struct vmst_exit) == 80, "exit layout");
_Static_assert(sizeof(struct vmst_blob_hdr) == 16, "blob layout");
_Static_assert(sizeof(struct vmst_fd_hdr) == 24, "fd blob layout");
_Static_assert(sizeof(struct vmst_fd_socket) == 32, "fd blob socket layout");
_Static_assert(VMST_FRAME_SIGINFO + VMST_SIGINFO_BYTES == VMST_SIGFRAME_BYTES, "rt_sigframe");
_Static_assert(VMST_FRAME32_IP + 4 + 28 == VMST_SIGFRAME32_BYTES, "sigframe_ia32");
_Static_assert(VMST_RT_FRAME32_IP + 4 + 28 + 8 == VMST_RT_SIGFRAME32_BYTES, "rt_sigframe_ia32");
_Static_assert(VMST_RT_FRAME32_SIGMASK + 8 == VMST_RT_SIGFRAME32_BYTES, "rt_sigframe_ia32");
_Static_assert(VMST_RT_FRAME32_SIGINFO + VMST_SIGINFO_BYTES == VMST_RT_FRAME32_UC, "rt_sigframe_ia32");
_Static_assert(offsetof(struct vmst_ring_hdr, head) == 64, "ring head");
_Static_assert(offsetof(struct vmst_ring_hdr, tail) == 128, "ring tail");
_Static_assert(offsetof(struct vmst_ring_hdr, waiting) == 192, "ring waiting");
_Static_assert(offsetof(struct vmst_ring_hdr, stalled_ns) == 200, "ring stalled_ns");

#endif
