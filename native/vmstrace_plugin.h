/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capture plugin's shared parts: limits, the capture spec's tables, per-vCPU state and
 * the plugin-wide state `g`, and what the plugin's files call of one another:
 *   vmstrace_plugin.c  callbacks (entry, exit, translation), records, install
 *   guestmem.c         registers, guest memory (page walk over the RAM file), the task
 *   captures.c         memory captures per the spec (strings, buffers, arrays, fds)
 *   config.c           the spec file and the RAM file
 *   vmstrace_out.c     where the records go (ring or file)
 */
#ifndef VMSTRACE_PLUGIN_H
#define VMSTRACE_PLUGIN_H

#include "qemu_plugin_api.h"
#include "vmstrace_records.h"
#include "vmstrace_spec.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Hard ceilings beyond the spec's (vmstrace_spec.h): guest memory is hostile input. */
#define MAX_CAPS_PER_CALL 16
#define MAX_TASK_FIELDS 16
#define PAGE 4096u
/* The tables a guest grows by making threads that die inside a call (or by a hostile
 * kernel's task pointers): past these, entries are let go and counted (STATS evicted_*).
 * (-D overrides them: tests/hostile/test_bounds.py builds a plugin with small ones.) */
#ifndef MAX_PENDING
#define MAX_PENDING (1u << 16) /* calls in progress (the table; the vCPU slots aside) */
#endif
#ifndef MAX_THREADS
#define MAX_THREADS (1u << 17) /* record counters: more than the calls that can hold one */
#endif
_Static_assert(MAX_THREADS > MAX_PENDING + 64, "a counter no pending entry holds exists");

enum abi { ABI_64 = VMST_ABI_X86_64, ABI_32 = VMST_ABI_I386 };
enum when { WHEN_ENTRY = 1, WHEN_EXIT = 2, WHEN_BOTH = 3 };
enum kind {
#define X(name, word) KIND_##name,
    VMST_SPEC_KINDS(X)
#undef X
    KIND_COUNT
};
enum size_src { SIZE_NONE, SIZE_ARG, SIZE_RET, SIZE_CONST };

typedef struct {
    uint8_t arg;
    uint8_t when;
    uint8_t kind;
    uint8_t size_src;
    uint32_t size_val; /* arg index or constant */
    uint32_t cap;
    uint32_t elem_cap;
} Capture;

typedef struct {
    uint8_t n;
    bool has_execstack; /* an exec: after success the old memory is gone, no re-reads */
    Capture caps[MAX_CAPS_PER_CALL];
} CallSpec;

/* Offsets for resolving an fd (spec line `fdwalk`): the index of each in g.fdw. */
enum fdw {
#define X(name, key) FDW_##name,
    VMST_FDWALK_KEYS(X)
#undef X
    FDW_COUNT
};

typedef struct {
    uint32_t off;
    uint32_t len;
    int32_t ptr_off; /* -1: field of the current task; else deref this pointer first */
} TaskField;

/* A guest thread's record counter (vmst_entry.seq), by task_struct; `ident` (the tid)
 * tells a reused task_struct apart, which starts again at 1.  The guest's task_structs come
 * from a slab, so their addresses are a bounded set, but a hostile kernel's are not: past
 * MAX_THREADS, one no pending entry points at (`busy`) is let go. */
typedef struct {
    uint64_t ident;
    uint32_t next;
    uint32_t busy; /* pending entries (table or slot) that point at it */
} ThreadSeq;

typedef struct {
    uint64_t task;
    uint64_t cr3;
    uint64_t sp;
    uint64_t nr;
    uint64_t args[6];
    uint64_t ident;     /* the first task field (the tid): tells a reused task_struct apart */
    uint64_t pc;        /* the entry instruction's address (the running process's) */
    uint64_t resume_pc; /* where a plain return resumes; 0: not checked (an exec, i386) */
    uint64_t resume_sp; /* and with which stack pointer */
    uint64_t restart_pc; /* where it resumes when the kernel restarts it; 0: never */
    ThreadSeq *thr;     /* the thread's record counter; NULL without a task */
    uint8_t insn;
    uint8_t abi;
    uint8_t retry_mask; /* args whose entry read faulted and should be re-read at exit */
    uint8_t task_ok;
    uint8_t task_bytes[]; /* the entry's task block, reused for the exit record */
} Pending;

/* Register handles, looked up by name once (the same on every vCPU). */
enum reg {
    R_RAX, R_RBX, R_RCX, R_RDX, R_RSI, R_RDI, R_RBP, R_RSP,
    R_R8, R_R9, R_R10, R_CS, R_CR3, R_KGSBASE, R_CR4, R_RIP, R_COUNT
};

/* A vCPU's cache of task blocks, by task_struct address: reading the task fields is a
 * page walk per field, and a thread makes many calls between the rare events that change
 * them (execve, prctl, set*id, a process exit that reparents: the spec's `task_refresh`
 * calls), which bump a global epoch that empties every cache. */
#define TASK_CACHE 64
typedef struct {
    uint64_t task, ident, epoch;
    const uint8_t *ident_at; /* host address of the task's tid; NULL: read it by walking */
    uint8_t ok;
    uint8_t bytes[MAX_TASK_FIELDS * 64];
} TaskCacheEntry;

typedef struct {
    GByteArray *out;     /* pending records of this vCPU */
    size_t out_cap;      /* bytes `out` is known to have room for (glib never shrinks it) */
    bool fault_seen;     /* a blob of the capture in progress faulted */
    TaskCacheEntry *tcache;
    GByteArray *scratch; /* register and memory reads */
    uint64_t last_flush_ns;
    unsigned int index;
    uint64_t cr3;   /* CR3 at the trapped instruction: the page tables guest_read() walks */
    bool cr3_read;  /* cr3 is this callback's (read on first use: vcpu_cr3()) */
    uint64_t kgs;   /* the kernel's per-CPU base for this vCPU; 0 until read */
    const uint8_t *task_slot; /* host address of this vCPU's current-task pointer */
    uint64_t entries, exits, records, bytes, orphan_exits; /* summed into STATS at exit */
    uint32_t taken_seq; /* the exit record's seq, for the entry in `taken` */
    /* The last entry this vCPU made that is still waiting for its exit (most calls return
     * on the vCPU they entered on, before the next entry), kept here instead of a malloc
     * and a hash insert per call; under g.pending_lock, as the table is.  `taken` holds
     * the entry an exit found, while the exit record is built. */
    Pending *slot, *taken;
    uint64_t slot_key;
    bool slot_used;
    /* The record counter thread_seq() found last (under g.pending_lock), valid while
     * g.threads_gen is thr_last_gen. */
    ThreadSeq *thr_last;
    uint64_t thr_last_task, thr_last_gen;
    int8_t levels;  /* paging levels (CR4.LA57 ? 5 : 4); 0 until read */
} Vcpu;

struct plugin_state {
    uint64_t start_ns;
    uint32_t batch;
    uint64_t flush_ns;
    bool have_task;
    uint64_t percpu_task;
    uint32_t n_task_fields;
    TaskField task_fields[MAX_TASK_FIELDS];
    uint32_t task_bytes;
    bool have_fdw;
    uint32_t fdw[FDW_COUNT];
    bool task_refresh[2][VMST_MAX_NR]; /* calls after which cached task blocks are stale */
    bool noreturn[2][VMST_MAX_NR];     /* calls that never return (exit, exit_group) */
    bool resumes_elsewhere[2][VMST_MAX_NR]; /* calls that return to another place by design
                                             * (execve, rt_sigreturn): not to after the call */
    bool sigreturn[2][VMST_MAX_NR]; /* calls that resume the context saved in the signal
                                     * frame at the stack pointer (x86_64 rt_sigreturn) */
    uint8_t argmask[2][VMST_MAX_NR]; /* the argument registers a call uses (spec `nargs`) */
    uint64_t task_epoch;             /* bumped (atomically) after such a call */
    CallSpec spec[2][VMST_MAX_NR];
    struct qemu_plugin_register *regs[R_COUNT];
    bool regs_found;
    GMutex regs_lock;
    Vcpu *vcpus;
    unsigned int n_vcpus;
    GMutex out_lock; /* serialises output (vmstrace_out.c) and `dropped` */
    GMutex pending_lock; /* the table and every vCPU's slot */
    GHashTable *pending; /* key -> Pending*: entries pushed out of a vCPU's slot */
    uint32_t pending_hints[256]; /* its entries by pending_hint() of their key */
    GHashTable *threads; /* task -> ThreadSeq* (under pending_lock) */
    uint64_t threads_gen; /* bumped when a ThreadSeq is freed (under pending_lock) */
    uint64_t n_pending;  /* guest threads in a syscall: the table's and the slots' (also
                          * read without the lock, atomically, to skip the lookup) */
    unsigned int slots_used; /* vCPU slots that hold an entry */
    uint64_t evicted_pending, evicted_threads; /* let go at MAX_PENDING, MAX_THREADS */
    const uint8_t *ram;  /* guest RAM, mapped read-only from ram=PATH; NULL without it */
    uint64_t ram_size, ram_low;
    bool kpti;           /* the user CR3 does not map the kernel: walk its kernel twin */
    /* ask=/answer=: the spec comes from the host once the kernel is up (vmstrace_plugin.c,
     * await_spec); until then every vCPU that makes a system call waits for it */
    const char *ask, *answer;
    bool awaiting;
    GMutex await_lock;
    uint64_t dropped; /* records that never reached the reader (under out_lock) */
};
extern struct plugin_state g;

#define GIB4 (1ull << 32)

/* Appends n zero bytes to the vCPU's records and returns their offset.  Within the room
 * the buffer is known to have, only its length moves: g_byte_array_set_size() is a call
 * and a 64-bit division (g_array_maybe_expand) a few times per record. */
static inline size_t reserve(Vcpu *v, size_t n)
{
    size_t off = v->out->len;
    if (G_LIKELY(off + n <= v->out_cap)) { /* (an append may have grown len past it) */
        v->out->len = (guint)(off + n);
    } else {
        g_byte_array_set_size(v->out, (guint)(off + n));
        v->out_cap = off + n;
    }
    memset(v->out->data + off, 0, n);
    return off;
}

static inline void pad8(Vcpu *v)
{
    size_t pad = (8 - (v->out->len & 7)) & 7;
    if (pad) {
        reserve(v, pad);
    }
}

/* guestmem.c */
uint64_t reg(Vcpu *v, enum reg r);
uint64_t vcpu_cr3(Vcpu *v);
bool guest_read(Vcpu *v, uint64_t addr, void *dst, size_t len);
bool is_kernel_ptr(uint64_t p);
uint64_t current_task(Vcpu *v);
uint8_t put_task_fields_cached(Vcpu *v, uint64_t task);
uint64_t task_ident(Vcpu *v, size_t task_off);
bool read_ident(Vcpu *v, uint64_t task, uint64_t *ident);
const uint8_t *host_addr(Vcpu *v, uint64_t addr, size_t len);
/* User memory only, as the kernel's copy_from_user() reads it (guestmem.c). */
bool user_read(Vcpu *v, uint64_t addr, void *dst, size_t len);
const uint8_t *user_host_addr(Vcpu *v, uint64_t addr, size_t len);

/* captures.c */
int do_capture(Vcpu *v, const Capture *c, uint8_t abi, const uint64_t *args,
                      int64_t ret, bool at_exit, uint64_t user_sp, uint32_t *budget,
                      bool *faulted);
void put_raw_blob(Vcpu *v, uint8_t arg, uint16_t index, uint8_t flags, uint64_t addr,
                  const void *data, uint32_t len);
void put_blob(Vcpu *v, uint8_t arg, uint16_t index, uint8_t flags, uint64_t addr,
                     uint64_t want, uint32_t cap, bool is_str, uint32_t *budget);

/* config.c */
bool load_spec(const char *path);
bool read_spec(FILE *f, const char *what);
bool map_ram(const char *path);

#endif
