/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmstrace capture plugin for QEMU's TCG plugin API (QEMU 10.0, API version 4).
 *
 * One job: trap the guest's system call entry instructions (syscall, sysenter, int 0x80)
 * and its returns to user mode (sysretq, sysretl, sysexit, iretq to CPL 3), read the vCPU
 * registers, the current task (through the kernel's per-CPU area) and the guest memory the
 * capture spec asks for, and write compact binary records (docs/event-format.md) to the
 * reader.
 * All meaning lives in Python; the plugin only captures facts.  Its files: see
 * vmstrace_plugin.h.
 *
 * Lossless by design: a reader that falls behind by the whole ring (or pipe) stalls the
 * vCPU (back-pressure) instead of losing events (vmstrace_out.c).  Counters of everything
 * produced are written as a final STATS record so the reader can tell a complete trace from
 * a cut one.
 *
 * Arguments (key=value; an unknown key, or a value that is not what the option takes,
 * makes qemu_plugin_install fail, and QEMU with it):
 *   out=PATH     file or FIFO the record stream is written to, or:
 *   ring=PATH    the ring shared with the reader (vmstrace_records.h), with
 *   bell=PATH    the pipe that wakes the reader
 *   ask=PATH, answer=PATH  instead of spec=: the spec comes from the host on `answer`
 *                once the kernel is up and the host has read it from guest memory (the
 *                first system call asks, on `ask`; see await_spec)
 *   spec=PATH    capture spec written by the Python side (optional: without it, registers
 *                only and no task attribution)
 *   batch=BYTES  per-vCPU buffer size before a write (default 65536, at most 1 GiB)
 *   flush_ms=N   longest time a record may wait in a buffer (default 20)
 *   ram=PATH     the file backing guest RAM (QEMU memory-backend-file, share=on); with it,
 *                kernel data is read by walking the kernel's page tables in that file, so
 *                the current task is found even where the CR3 in use does not map the
 *                kernel (KPTI: at `syscall` and at `sysretq`)
 *   ram_size=B   its size in bytes (required with ram=)
 *   ram_low=B    how much of it sits at guest-physical 0 (the rest starts at 4 GiB; the
 *                PC machine's below-4G split); default: all of it
 */
#include "vmstrace_plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmstrace_out.h"
#include "vmstrace_records.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = VMSTRACE_QEMU_PLUGIN_VERSION;

struct plugin_state g;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- output ---------------------------------------------------------------------------- */

/* Hands a vCPU's buffered records to the reader; blocks while the reader is behind. */
static void flush_vcpu(Vcpu *v)
{
    if (v->out->len == 0) {
        return;
    }
    g_mutex_lock(&g.out_lock);
    if (!out_write(v->out->data, v->out->len)) {
        /* Count records that will never reach the reader. */
        for (size_t off = 0; off + sizeof(struct vmst_rec_hdr) <= v->out->len;) {
            const struct vmst_rec_hdr *h = (const void *)(v->out->data + off);
            g.dropped++;
            off += h->size;
        }
    }
    g_mutex_unlock(&g.out_lock);
    g_byte_array_set_size(v->out, 0);
}

/* Closes a record started at `start`: fixes its size, counts it, flushes if due. */
static void finish_record(Vcpu *v, size_t start, uint16_t type)
{
    pad8(v);
    uint64_t now = now_ns();
    struct vmst_rec_hdr *h = (void *)(v->out->data + start);
    h->type = type;
    h->vcpu = (uint16_t)v->index;
    h->size = (uint32_t)(v->out->len - start);
    h->ts = now - g.start_ns;
    v->records++;
    v->bytes += h->size;
    if (type == VMST_REC_ENTRY) {
        v->entries++;
    } else if (type == VMST_REC_EXIT) {
        v->exits++;
    }
    if (v->out->len >= g.batch || now - v->last_flush_ns >= g.flush_ns) {
        flush_vcpu(v);
        v->last_flush_ns = now;
    }
}

/* ---- pending syscalls, one per guest thread -------------------------------------------- */

/* Threads are told apart by their task_struct; without one, by address space + stack. */
static uint64_t thread_key(uint64_t task, uint64_t cr3, uint64_t user_sp)
{
    return task ? task : ((cr3 & ~0xfffull) ^ (user_sp * 0x9e3779b97f4a7c15ull)) | 1;
}

static size_t pending_size(void)
{
    return sizeof(Pending) + g.task_bytes;
}

/* The pending table's entries counted by a hash of their key, so that a thread with none
 * there (every entry's case: it looks for a lost exit's) skips the table's lookup. */
static uint8_t pending_hint(uint64_t key)
{
    return (uint8_t)((key * 0x9e3779b97f4a7c15ull) >> 56);
}

static void pending_table_insert(uint64_t key, Pending *p)
{
    if (g_hash_table_insert(g.pending, (gpointer)(uintptr_t)key, p)) { /* a new key */
        g.pending_hints[pending_hint(key)]++;
    }
}

static void pending_table_remove(uint64_t key)
{
    g_hash_table_remove(g.pending, (gpointer)(uintptr_t)key); /* frees it */
    g.pending_hints[pending_hint(key)]--;
}

/* Takes the pending entry of `key` out of the slots or the table into v->taken (under
 * pending_lock); false when the thread has none. */
static bool take_pending(Vcpu *v, uint64_t key)
{
    if (v->slot_used && v->slot_key == key) { /* the common case: entered here */
        Pending *spare = v->taken; /* both this vCPU's, of the same size: swapped, not copied */
        v->taken = v->slot;
        v->slot = spare;
        v->slot_used = false;
        g.slots_used--;
        __atomic_sub_fetch(&g.n_pending, 1, __ATOMIC_RELAXED);
        return true;
    }
    Pending *p = g.pending_hints[pending_hint(key)]
                     ? g_hash_table_lookup(g.pending, (gpointer)(uintptr_t)key)
                     : NULL;
    if (p) {
        memcpy(v->taken, p, pending_size());
        pending_table_remove(key); /* frees p */
        __atomic_sub_fetch(&g.n_pending, 1, __ATOMIC_RELAXED);
        return true;
    }
    if (g.slots_used <= (v->slot_used ? 1u : 0u)) {
        return false; /* no other vCPU's slot holds an entry */
    }
    for (unsigned int i = 0; i < g.n_vcpus; i++) { /* it entered on another vCPU */
        Vcpu *u = &g.vcpus[i];
        if (u != v && u->slot_used && u->slot_key == key) {
            memcpy(v->taken, u->slot, pending_size());
            u->slot_used = false;
            g.slots_used--;
            __atomic_sub_fetch(&g.n_pending, 1, __ATOMIC_RELAXED);
            return true;
        }
    }
    return false;
}

/* Makes room for one more record counter: lets go of one no pending entry points at (its
 * thread, if alive, numbers its records from 1 again: counted, the trace is incomplete). */
static void evict_thread(void)
{
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, g.threads);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        if (((ThreadSeq *)val)->busy == 0) {
            g_hash_table_iter_remove(&it); /* frees it */
            g.threads_gen++;               /* which every vCPU's thr_last may point at */
            g.evicted_threads++;
            return;
        }
    }
}

/* Lets go of one entry of the pending table (its exit, if it comes, finds none: the reader
 * shows the call unfinished; counted, the trace is incomplete). */
static void evict_pending(void)
{
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, g.pending);
    if (g_hash_table_iter_next(&it, &key, &val)) {
        const Pending *p = val;
        if (p->thr) {
            p->thr->busy--;
        }
        g.pending_hints[pending_hint((uint64_t)(uintptr_t)key)]--;
        g_hash_table_iter_remove(&it); /* frees it */
        __atomic_sub_fetch(&g.n_pending, 1, __ATOMIC_RELAXED);
        g.evicted_pending++;
    }
}

/* The record counter of the thread on `task` whose tid is `ident` (under pending_lock).
 * The vCPU keeps the last one it found: a thread makes call after call on the same vCPU,
 * and the table lookup was 1% of the vCPU thread on a syscall loop.  A counter is freed
 * only by evict_thread(), which bumps threads_gen. */
static ThreadSeq *thread_seq(Vcpu *v, uint64_t task, uint64_t ident)
{
    ThreadSeq *t = v->thr_last_task == task && v->thr_last_gen == g.threads_gen
                       ? v->thr_last
                       : g_hash_table_lookup(g.threads, (gpointer)(uintptr_t)task);
    if (!t) {
        if (g_hash_table_size(g.threads) >= MAX_THREADS) {
            evict_thread();
        }
        t = g_new0(ThreadSeq, 1);
        t->ident = ident;
        g_hash_table_insert(g.threads, (gpointer)(uintptr_t)task, t);
    } else if (t->ident != ident) {
        t->ident = ident; /* a new thread on a reused task_struct */
        t->next = 0;
    }
    v->thr_last = t;
    v->thr_last_task = task;
    v->thr_last_gen = g.threads_gen;
    return t;
}

/* The entry's seq: the next record number of its thread (0 without a task).  A guest thread
 * runs on one vCPU at a time and the guest's own scheduler orders its moves, so its counter
 * needs the lock only to be found, not to be advanced. */
static uint32_t next_seq(ThreadSeq *t)
{
    return t ? ++t->next : 0;
}

/* Keeps `p` (with its task block) as `key`'s pending entry, in this vCPU's slot, and
 * returns the entry's seq; a thread that re-enters without an exit (a lost exit) has its old
 * entry replaced. */
static uint32_t put_pending(Vcpu *v, uint64_t key, Pending *p, const uint8_t *task_bytes)
{
    g_mutex_lock(&g.pending_lock);
    p->thr = p->task ? thread_seq(v, p->task, p->ident) : NULL;
    if (p->thr) {
        p->thr->busy++;
    }
    uint32_t seq = next_seq(p->thr);
    if (take_pending(v, key) && v->taken->thr) {
        v->taken->thr->busy--; /* dropped: replaced by this entry */
    }
    if (v->slot_used) { /* the slot's thread is still in its call: to the table with it */
        if (g_hash_table_size(g.pending) >= MAX_PENDING) {
            evict_pending();
        }
        Pending *old = g_malloc(pending_size());
        memcpy(old, v->slot, pending_size());
        pending_table_insert(v->slot_key, old);
    } else {
        g.slots_used++;
    }
    __atomic_add_fetch(&g.n_pending, 1, __ATOMIC_RELAXED);
    *v->slot = *p;
    memcpy(v->slot->task_bytes, task_bytes, g.task_bytes);
    v->slot_key = key;
    v->slot_used = true;
    g_mutex_unlock(&g.pending_lock);
    return seq;
}

/* Takes the pending entry of `key` for its exit into v->taken, with the exit record's seq in
 * v->taken_seq (worked out here, under the lock, while the entry's counter is sure to be
 * kept); false when the thread has none. */
static bool take_for_exit(Vcpu *v, uint64_t key)
{
    g_mutex_lock(&g.pending_lock);
    bool found = take_pending(v, key);
    if (found) {
        ThreadSeq *t = v->taken->thr;
        v->taken_seq = next_seq(t);
        if (t) {
            t->busy--;
        }
        v->taken->thr = NULL;
    }
    g_mutex_unlock(&g.pending_lock);
    return found;
}

/* The seq of an entry that keeps no pending state (a call that does not return): the
 * thread's last record, so its count starts again (the reader forgets it there too). */
static uint32_t last_seq(Vcpu *v, uint64_t task, uint64_t ident)
{
    if (!task) {
        return 0;
    }
    g_mutex_lock(&g.pending_lock);
    ThreadSeq *t = thread_seq(v, task, ident);
    uint32_t seq = next_seq(t);
    t->next = 0;
    g_mutex_unlock(&g.pending_lock);
    return seq;
}

/* ---- callbacks ------------------------------------------------------------------------- */

/* A trapped instruction's callback data: its kind (VMST_INSN_*), what translation found out
 * about its mode, and an address: an exit's own (kernel text, mapped once) << 8; an entry's
 * page offset << 8 (entry_pc()). */
#define PACK_KIND 0x0f
#define PACK_COMPAT 0x10     /* runs with a 32-bit code segment: the i386 ABI */
#define PACK_CS_UNKNOWN 0x20 /* the mode could not be read at translation: read CS */
#define PACK_FAR 0x40        /* 4 KiB or more past its block's first instruction */

/* QEMU's names for the registers of enum reg (gdb's x86-64 feature descriptions). */
static const char *const reg_names[R_COUNT] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
    "r8", "r9", "r10", "cs", "cr3", "k_gs_base", "cr4", "rip",
};

static void lookup_registers(void)
{
    g_mutex_lock(&g.regs_lock);
    if (!g.regs_found) {
        GArray *list = qemu_plugin_get_registers();
        for (guint i = 0; list && i < list->len; i++) {
            qemu_plugin_reg_descriptor *d = &g_array_index(list, qemu_plugin_reg_descriptor, i);
            for (int r = 0; r < R_COUNT; r++) {
                if (!g.regs[r] && strcmp(d->name, reg_names[r]) == 0) {
                    g.regs[r] = d->handle;
                }
            }
        }
        if (list) {
            g_array_free(list, TRUE);
        }
        g.regs_found = true;
        for (int r = 0; r < R_COUNT; r++) {
            if (!g.regs[r]) {
                char msg[96];
                snprintf(msg, sizeof(msg), "vmstrace: register %s not exposed by QEMU\n",
                         reg_names[r]);
                qemu_plugin_outs(msg);
            }
        }
    }
    g_mutex_unlock(&g.regs_lock);
}

static void vcpu_init(qemu_plugin_id_t id, unsigned int vcpu_index)
{
    (void)id;
    lookup_registers();
    if (vcpu_index < g.n_vcpus) {
        g.vcpus[vcpu_index].last_flush_ns = now_ns();
    }
}

static Vcpu *vcpu(unsigned int i)
{
    return &g.vcpus[i < g.n_vcpus ? i : g.n_vcpus - 1];
}

static void vcpu_idle(qemu_plugin_id_t id, unsigned int vcpu_index)
{
    (void)id;
    flush_vcpu(vcpu(vcpu_index));
}

/*
 * The address the running process executes the entry instruction at.  Not the address seen
 * at translation: QEMU's x86 blocks are position-independent and found by physical page, so
 * a library page mapped elsewhere in another process runs the same block.  RIP read in the
 * callback is stale too: TCG updates it lazily, so it holds the address of an instruction
 * at or before this one in the same block (its first, or the last one that synced it).
 * Both addresses share the page offset (same physical page), so the instruction is at the
 * first address at or after RIP with that offset -- exact while the instruction is less than
 * 4 KiB past the block's start (x86 blocks end at a page boundary; PACK_FAR otherwise).
 */
static uint64_t entry_pc(Vcpu *v, uintptr_t packed, bool *sure)
{
    uint64_t off = (packed >> 8) & (PAGE - 1);
    uint64_t rip = reg(v, R_RIP);
    *sure = !(packed & PACK_FAR) && g.regs[R_RIP];
    return rip + ((off - rip) & (PAGE - 1));
}

/* Where an i386 sigreturn will resume: the context saved in the frame it unwinds.  One
 * that points into itself (pinfo, puc) 4 bytes below the stack pointer is rt_sigreturn's
 * rt_sigframe_ia32 (the handler's `ret` popped pretcode); else it is sigreturn's
 * sigframe_ia32, 8 below (its restorer popped the signal number too).  A frame that is
 * neither (a forged one) predicts a place the thread does not go, and its return shows as
 * unknown. */
static void sigreturn32_resume(Vcpu *v, Pending *p)
{
    uint32_t sp = (uint32_t)p->sp, head[4], saved[8]; /* pretcode, sig, pinfo, puc; sp..ip */
    uint32_t rt = sp - 4, frame = sp - 8, at_sp = VMST_FRAME32_SP;
    if (user_read(v, rt, head, sizeof(head)) && head[2] == rt + VMST_RT_FRAME32_SIGINFO &&
        head[3] == rt + VMST_RT_FRAME32_UC) {
        frame = rt;
        at_sp = VMST_RT_FRAME32_SP;
    }
    _Static_assert(VMST_FRAME32_IP - VMST_FRAME32_SP == 28, "sigcontext_32: ip 28 after sp");
    _Static_assert(VMST_RT_FRAME32_IP - VMST_RT_FRAME32_SP == 28, "sigcontext_32");
    if (user_read(v, (uint32_t)(frame + at_sp), saved, sizeof(saved))) {
        p->resume_sp = saved[0];
        p->resume_pc = saved[7];
    }
}

/* Where a call made here resumes when it returns plainly, and with which stack (0: not
 * checked), and where when the kernel restarts it.  x86_64's `syscall` resumes after
 * itself and restarts at itself; i386's `int $0x80` likewise.  i386's sysenter and 32-bit
 * `syscall` (the vDSO's __kernel_vsyscall: the instruction, `int $0x80`, then the landing
 * pad) resume at the landing pad 4 bytes on, and restart at that `int $0x80` (the kernel
 * sets ip to the pad, then backs it up 2 for a restart: arch/x86/entry/common.c,
 * do_fast_syscall_32); one made outside the vDSO resumes elsewhere and is flagged so.
 * A sigreturn resumes the context saved in the frame it unwinds (x86_64's: the handler's
 * `ret` popped pretcode, so that frame starts 8 bytes below the stack pointer; i386's:
 * sigreturn32_resume()) and is never restarted; an exec is not checked.  A number past
 * i386's table runs no call: it returns -ENOSYS plainly.  The exit's VMST_EXIT_RESTART and
 * VMST_EXIT_ELSEWHERE carry the outcome: the reader does not redo this arithmetic. */
static void expect_resume(Vcpu *v, Pending *p)
{
    bool known = p->nr < VMST_MAX_NR;
    if (known && g.sigreturn[p->abi][p->nr]) {
        uint64_t saved[2]; /* sp, ip */
        if (p->abi == ABI_64 && p->insn == VMST_INSN_SYSCALL &&
            user_read(v, p->sp - 8 + VMST_FRAME_RSP, saved, sizeof(saved))) {
            p->resume_sp = saved[0];
            p->resume_pc = saved[1];
        } else if (p->abi == ABI_32) {
            sigreturn32_resume(v, p);
        }
        return;
    }
    if (known && g.resumes_elsewhere[p->abi][p->nr]) {
        return;
    }
    if (!known && p->abi == ABI_64) {
        /* x32's calls are past x86_64's table, its execve among them: where one resumes is
         * not checked, but a restart is still told (at the `syscall`, on the call's stack) */
        if (p->insn == VMST_INSN_SYSCALL) {
            p->restart_pc = p->pc;
            p->resume_sp = p->sp;
        }
        return;
    }
    if (p->insn == VMST_INSN_INT80 || (p->abi == ABI_64 && p->insn == VMST_INSN_SYSCALL)) {
        p->resume_pc = p->pc + 2;
        p->restart_pc = p->pc;
    } else if (p->abi == ABI_32) { /* sysenter, or `syscall` in 32-bit code */
        p->resume_pc = p->pc + 4;
        p->restart_pc = p->pc + 2;
    } else {
        return; /* sysenter from 64-bit code: not a way into the kernel that returns */
    }
    p->resume_sp = p->sp;
}

static bool saved_is_call(const Pending *p, uint64_t sp, uint64_t ip)
{
    return sp == p->resume_sp && (ip == p->resume_pc || (p->restart_pc && ip == p->restart_pc));
}

/* Whether a signal frame at `sp` saved the context of call `p`: the kernel builds one when
 * it delivers a signal at the call's return, with the ip the call would have resumed at
 * (or the restart's) and its stack.  Returns the frame's size to copy (0: no such frame)
 * and sets *sig to the signal it was built for, *ax and *ip to the call's saved result
 * (signed as the ABI's word) and where it will resume.  x86_64's is struct rt_sigframe
 * (arch/x86/kernel/signal_64.c); an i386 caller gets rt_sigframe_ia32 from a handler with
 * SA_SIGINFO, whose pinfo and puc point into the frame itself, else sigframe_ia32
 * (arch/x86/include/asm/sigframe.h, struct sigcontext_32 inside either). */
static uint32_t frame_saved(Vcpu *v, const Pending *p, uint64_t sp, uint64_t *sig,
                            int64_t *ax, uint64_t *ip)
{
    if (p->abi == ABI_64) {
        uint64_t saved[2]; /* sp, ip */
        if (!user_read(v, sp + VMST_FRAME_RSP, saved, sizeof(saved)) ||
            !saved_is_call(p, saved[0], saved[1]) ||
            !user_read(v, sp + VMST_FRAME_RAX, ax, sizeof(*ax))) {
            return 0;
        }
        *ip = saved[1];
        *sig = reg(v, R_RDI); /* the handler's first argument */
        return VMST_SIGFRAME_BYTES;
    }
    uint32_t f[VMST_RT_SIGFRAME32_BYTES / 4];
    uint32_t at = (uint32_t)sp;
    uint32_t size = 0, at_ax = 0, at_ip = 0;
    if (user_read(v, at, f, VMST_RT_SIGFRAME32_BYTES) &&
        f[2] == at + VMST_RT_FRAME32_SIGINFO && f[3] == at + VMST_RT_FRAME32_UC &&
        saved_is_call(p, f[VMST_RT_FRAME32_SP / 4], f[VMST_RT_FRAME32_IP / 4])) {
        size = VMST_RT_SIGFRAME32_BYTES, at_ax = VMST_RT_FRAME32_AX, at_ip = VMST_RT_FRAME32_IP;
    } else if (user_read(v, at, f, VMST_SIGFRAME32_BYTES) &&
               saved_is_call(p, f[VMST_FRAME32_SP / 4], f[VMST_FRAME32_IP / 4])) {
        size = VMST_SIGFRAME32_BYTES, at_ax = VMST_FRAME32_AX, at_ip = VMST_FRAME32_IP;
    }
    if (size) {
        *sig = f[1];
        *ax = (int32_t)f[at_ax / 4];
        *ip = f[at_ip / 4];
    }
    return size;
}

static void write_header(void)
{
    struct vmst_stream_hdr hdr = {.version = VMST_VERSION, .task_bytes = g.task_bytes};
    memcpy(hdr.magic, VMST_MAGIC, sizeof(hdr.magic));
    g_mutex_lock(&g.out_lock);
    out_write((const uint8_t *)&hdr, sizeof(hdr));
    g_mutex_unlock(&g.out_lock);
}

/*
 * ask=/answer=: the kernel was not known when QEMU started (vmstrace qemu).  The first
 * system call means the kernel is up; this vCPU tells the host where its page tables are
 * (`kernel cr3=… cr4=…` on `ask`), the host learns the kernel from guest memory and sends
 * the whole capture spec (task reads included) on `answer`, and only then is anything
 * recorded, so no call is recorded unattributed.  Every other vCPU that makes a call
 * meanwhile waits on the lock.  A host that cannot answer ends the run; a spec that does
 * not load leaves the plugin without one (registers only, no task reads).
 */
static void await_spec(Vcpu *v)
{
    g_mutex_lock(&g.await_lock);
    if (__atomic_load_n(&g.awaiting, __ATOMIC_ACQUIRE)) {
        char line[128];
        int n = snprintf(line, sizeof(line), "kernel cr3=0x%" PRIx64 " cr4=0x%" PRIx64 "\n",
                         vcpu_cr3(v), reg(v, R_CR4));
        int fd = open(g.ask, O_WRONLY | O_CLOEXEC);
        bool asked = fd >= 0 && write(fd, line, (size_t)n) == n;
        if (fd >= 0) {
            close(fd);
        }
        FILE *f = asked ? fopen(g.answer, "re") : NULL;
        if (!f || !read_spec(f, "the host's spec")) {
            fprintf(stderr, "vmstrace plugin: no capture spec from the host (%s): tracing "
                    "registers only\n", asked ? "bad answer" : strerror(errno));
            g.have_task = false;
            g.n_task_fields = 0;
            g.task_bytes = 0;
        }
        if (f) {
            fclose(f);
        }
        write_header();
        __atomic_store_n(&g.awaiting, false, __ATOMIC_RELEASE);
    }
    g_mutex_unlock(&g.await_lock);
}

static void on_entry(unsigned int vcpu_index, void *udata)
{
    Vcpu *v = vcpu(vcpu_index);
    if (G_UNLIKELY(__atomic_load_n(&g.awaiting, __ATOMIC_ACQUIRE))) {
        await_spec(v);
    }
    uintptr_t packed = (uintptr_t)udata;
    uint8_t insn = (uint8_t)(packed & PACK_KIND);
    bool pc_sure;
    uint64_t pc = entry_pc(v, packed, &pc_sure);
    uint8_t abi = packed & PACK_COMPAT ? ABI_32 : ABI_64;
    if (insn == VMST_INSN_SYSCALL && (packed & PACK_CS_UNKNOWN)) {
        abi = (reg(v, R_CS) & 0xfffc) != 0x30 ? ABI_32 : ABI_64;
    }
    /* Every field set by name: `= {0}` on this struct compiles to a `rep stos`, a sixth
     * of the entry's own time on a syscall loop. */
    Pending p;
    p.abi = abi;
    p.pc = pc;
    p.insn = insn;
    p.resume_pc = p.resume_sp = p.restart_pc = 0;
    p.retry_mask = 0;
    p.thr = NULL;
    v->cr3_read = false;
    p.cr3 = vcpu_cr3(v); /* every entry record carries it (the process's address space) */
    p.sp = reg(v, R_RSP);
    /* The kernel dispatches on the low 32 bits (arch/x86/entry/common.c, 6.1 to 6.12:
     * do_syscall_64() takes an int, int 0x80 and the compat entries eax) and compares them
     * unsigned against its table size: the rest of rax is junk a caller may set to hide. */
    uint64_t rax = reg(v, R_RAX);
    p.nr = (uint32_t)rax;
    /* Only the registers the call takes: each read is a trip through QEMU's gdb stub. */
    static const enum reg arg_regs[2][6] = {
        {R_RDI, R_RSI, R_RDX, R_R10, R_R8, R_R9},
        {R_RBX, R_RCX, R_RDX, R_RSI, R_RDI, R_RBP},
    };
    uint8_t mask = p.nr < VMST_MAX_NR ? g.argmask[abi][p.nr] : 0x3f;
    for (int i = 0; i < 6; i++) {
        p.args[i] = 0;
        if (mask & (1u << i)) {
            p.args[i] = reg(v, arg_regs[abi][i]);
            if (abi == ABI_32) {
                p.args[i] &= 0xffffffffu;
            }
        }
    }
    if (abi == ABI_32 && (mask & 0x20)) {
        uint32_t a6 = 0;
        /* The vDSO's sysenter/syscall paths pass the 6th argument on the user stack
         * (arch/x86/entry/vdso/vdso32/system_call.S). */
        if (insn == VMST_INSN_SYSENTER && user_read(v, p.args[5], &a6, 4)) {
            p.args[5] = a6;
        } else if (insn == VMST_INSN_SYSCALL && user_read(v, p.sp & 0xffffffffu, &a6, 4)) {
            p.args[5] = a6;
        }
    }
    p.task = current_task(v);

    size_t start = reserve(v, sizeof(struct vmst_rec_hdr) + sizeof(struct vmst_entry));
    size_t task_off = v->out->len;
    uint8_t task_ok = put_task_fields_cached(v, p.task);
    p.ident = task_ident(v, task_off);
    p.task_ok = task_ok;
    pad8(v);
    uint32_t budget = VMST_MAX_RECORD_BLOBS;
    uint16_t nblobs = 0;
    const CallSpec *cs_spec = p.nr < VMST_MAX_NR ? &g.spec[abi][p.nr] : NULL;
    for (int i = 0; cs_spec && i < cs_spec->n; i++) {
        const Capture *c = &cs_spec->caps[i];
        bool faulted = false;
        if (c->when & WHEN_ENTRY) {
            int n = do_capture(v, c, abi, p.args, 0, false, 0, &budget, &faulted);
            nblobs = (uint16_t)(nblobs + n);
            if (faulted && c->when == WHEN_BOTH) {
                p.retry_mask |= (uint8_t)(1u << c->arg);
            }
        }
    }
    if (rax != p.nr) {
        put_raw_blob(v, VMST_ARG_RAX, VMST_INDEX_TOP, 0, 0, &rax, sizeof(rax));
        nblobs++;
    }
    expect_resume(v, &p); /* (with an unsure pc, a wrong guess shows as VMST_EXIT_ELSEWHERE) */
    if (abi == ABI_64 && p.nr < VMST_MAX_NR && g.sigreturn[ABI_64][p.nr]) {
        /* the signal mask it restores (strace prints it), as the argument's blob */
        put_blob(v, 0, VMST_INDEX_TOP, 0, p.sp - 8 + VMST_FRAME_SIGMASK, 8, 8, false, &budget);
        nblobs++;
    } else if (abi == ABI_32 && p.nr < VMST_MAX_NR && g.sigreturn[ABI_32][p.nr]) {
        /* i386 has two: rt_sigreturn's frame (rt_sigframe_ia32) starts 4 bytes below the
         * stack pointer (the handler's `ret` popped pretcode), sigreturn's (sigframe_ia32) 8
         * (its restorer popped the signal number too), and the latter keeps its mask in two
         * words apart.  Each one's mask, as arguments 0 and 1's blobs: the decoder takes
         * its call's. */
        uint32_t sp = (uint32_t)p.sp;
        put_blob(v, 0, VMST_INDEX_TOP, 0, sp - 4 + VMST_RT_FRAME32_SIGMASK, 8, 8, false,
                 &budget);
        nblobs++;
        uint32_t mask[2];
        if (user_read(v, sp - 8 + VMST_FRAME32_OLDMASK, &mask[0], 4) &&
            user_read(v, sp - 8 + VMST_FRAME32_EXTRAMASK, &mask[1], 4)) {
            put_raw_blob(v, 1, VMST_INDEX_TOP, 0, sp - 8 + VMST_FRAME32_OLDMASK, mask,
                         sizeof(mask));
            nblobs++;
        }
    }
    struct vmst_entry *e = (void *)(v->out->data + start + sizeof(struct vmst_rec_hdr));
    e->cr3 = p.cr3;
    e->task = p.task;
    e->pc = pc;
    e->sp = p.sp;
    e->nr = p.nr;
    memcpy(e->args, p.args, sizeof(e->args));
    e->abi = abi;
    e->insn = insn;
    e->task_ok = task_ok;
    e->flags = pc_sure ? 0 : VMST_ENTRY_PC_UNSURE;
    e->nblobs = nblobs;
    if (p.nr < VMST_MAX_NR && g.noreturn[abi][p.nr]) {
        e->seq = last_seq(v, p.task, p.ident);
        finish_record(v, start, VMST_REC_ENTRY);
        if (g.task_refresh[abi][p.nr]) {
            /* a process exit reparents its children: their parent pid changes */
            __atomic_add_fetch(&g.task_epoch, 1, __ATOMIC_RELEASE);
        }
        return; /* never returns, so nothing to pair */
    }
    /* (the task block is still in the buffer: finish_record() may flush it) */
    e->seq = put_pending(v, thread_key(p.task, p.cr3, p.sp), &p, v->out->data + task_off);
    finish_record(v, start, VMST_REC_ENTRY);
}

/*
 * Whether the thread of call `p` now has `tid` because its execve made it its process's
 * leader: a thread that is not the leader and whose execve succeeds takes the leader's pid
 * on its own task_struct (fs/exec.c, de_thread()).  The spec's first two task fields are
 * the tid and the tgid.
 */
static bool took_leader_pid(const Pending *p, uint64_t tid)
{
    if (p->nr >= VMST_MAX_NR || !g.resumes_elsewhere[p->abi][p->nr] || g.sigreturn[p->abi][p->nr] ||
        g.n_task_fields < 2 || g.task_fields[1].ptr_off >= 0 || g.task_fields[1].len > 8) {
        return false;
    }
    uint64_t tgid = 0;
    memcpy(&tgid, p->task_bytes + g.task_fields[0].len, g.task_fields[1].len);
    return tid == tgid;
}

static void on_exit_insn(unsigned int vcpu_index, void *udata)
{
    Vcpu *v = vcpu(vcpu_index);
    uintptr_t packed = (uintptr_t)udata;
    uint8_t insn = (uint8_t)(packed & PACK_KIND);
    uint64_t pc = (uint64_t)((int64_t)packed >> 8); /* canonical: sign-extend */
    uint64_t user_sp = 0, user_pc = 0;
    bool sp_read = insn != VMST_INSN_SYSRETQ; /* sysretq: read only if needed, below */
    v->cr3_read = false; /* an exit needs CR3 only to walk page tables or key a taskless thread */
    if (insn == VMST_INSN_IRETQ) {
        /* iretq frame: rip, cs, rflags, rsp, ss.  Only a return to CPL 3 ends a syscall. */
        uint64_t frame[4];
        if (!guest_read(v, reg(v, R_RSP), frame, sizeof(frame)) || (frame[1] & 3) != 3) {
            return;
        }
        user_pc = frame[0];
        user_sp = frame[3];
    } else {
        if (insn == VMST_INSN_SYSRETQ || insn == VMST_INSN_SYSRETL) {
            user_pc = reg(v, R_RCX); /* sysret jumps to rcx */
        }
        if (sp_read) {
            user_sp = reg(v, R_RSP);
        }
    }
    if (__atomic_load_n(&g.n_pending, __ATOMIC_RELAXED) == 0) {
        return;
    }
    uint64_t task = current_task(v);
    if (!task && !sp_read) {
        user_sp = reg(v, R_RSP); /* a thread without a task is keyed by its stack */
        sp_read = true;
    }
    uint64_t key = thread_key(task, task ? 0 : vcpu_cr3(v), user_sp);
    if (!take_for_exit(v, key)) {
        return; /* an interrupt or exception return, or a new thread's first return */
    }
    Pending *p = v->taken;
    if (!sp_read) {
        /* sysretq restores the stack pointer the syscall saved -- or a signal frame's: a
         * handler installed at the very address the call returns to is entered by sysretq
         * too, and only its stack tells it from a plain return (one register read a call) */
        user_sp = reg(v, R_RSP);
    }
    size_t start = reserve(v, sizeof(struct vmst_rec_hdr) + sizeof(struct vmst_exit));
    /* The exit's task block is the entry's (the same thread; what changed in between,
     * such as comm after execve, Python takes from the next entry): reading only the tid
     * here saves a page walk per field on every exit. */
    size_t task_off = reserve(v, g.task_bytes);
    memcpy(v->out->data + task_off, p->task_bytes, g.task_bytes);
    uint8_t task_ok = p->task_ok;
    bool reused = false;
    if (task && g.n_task_fields > 0 && g.task_fields[0].ptr_off < 0) {
        uint64_t tid;
        if (read_ident(v, task, &tid)) {
            reused = tid != p->ident && !took_leader_pid(p, tid);
        }
    }
    if (reused) {
        /* The task_struct was freed and reused: a thread that died inside a call, and a
         * new thread's first return.  Not this entry's exit. */
        g_byte_array_set_size(v->out, start);
        v->orphan_exits++;
        return;
    }
    if (!v->cr3_read && p->nr < VMST_MAX_NR && !g.resumes_elsewhere[p->abi][p->nr]) {
        /* the entry's CR3 is this thread's address space, which only an exec replaces
         * (resumes_elsewhere; a number out of the tables has its CR3 read): page walks
         * for the exit's captures use it, unread */
        v->cr3 = p->cr3;
        v->cr3_read = true;
    }
    int64_t ret = (int64_t)reg(v, R_RAX);
    if (p->abi == ABI_32) {
        ret = (int32_t)(uint32_t)ret;
    }
    if (p->nr < VMST_MAX_NR && g.task_refresh[p->abi][p->nr]) {
        __atomic_add_fetch(&g.task_epoch, 1, __ATOMIC_RELEASE); /* its task fields changed */
    }
    pad8(v);
    uint32_t budget = VMST_MAX_RECORD_BLOBS;
    uint16_t nblobs = 0;
    uint64_t handler_sig = 0; /* the signal number the handler was called with */
    uint8_t flags = 0;
    /* What the call returned, for the captures (as many bytes of an output as it says, the
     * fd it names): the register's, unless the thread resumed somewhere else than after
     * the call.  A restart (the kernel rewound ip onto the instruction) transferred
     * nothing.  A signal handler was entered: the register holds the handler's argument,
     * the call's result is in the signal frame the kernel pushed, which saved the call's
     * context; that frame goes to Python, first, so that the record's budget holds it
     * whole.  Anything else is flagged: the result is unknown, and no output is read. */
    int64_t result = ret;
    bool own_stack = user_sp == p->resume_sp;
    if (p->restart_pc && user_pc == p->restart_pc && own_stack) {
        result = -1;
        flags |= VMST_EXIT_RESTART;
    } else if (p->resume_pc && (user_pc != p->resume_pc || !own_stack)) {
        int64_t saved_ax = 0;
        uint64_t saved_ip = 0;
        uint32_t frame = frame_saved(v, p, user_sp, &handler_sig, &saved_ax, &saved_ip);
        if (frame) {
            if (p->restart_pc && saved_ip == p->restart_pc) {
                result = -1;
                flags |= VMST_EXIT_RESTART;
            } else {
                result = saved_ax;
            }
            put_blob(v, VMST_ARG_SIGFRAME, VMST_INDEX_TOP, VMST_BLOB_EXIT, user_sp, frame, frame,
                     false, &budget);
            nblobs++;
        } else {
            flags |= VMST_EXIT_ELSEWHERE;
            result = -1;
        }
    }
    const CallSpec *cs_spec = p->nr < VMST_MAX_NR ? &g.spec[p->abi][p->nr] : NULL;
    for (int i = 0; cs_spec && i < cs_spec->n; i++) {
        const Capture *c = &cs_spec->caps[i];
        bool faulted;
        bool retry = c->when == WHEN_BOTH && (p->retry_mask & (1u << c->arg)) &&
                     !(cs_spec->has_execstack && result == 0);
        if (c->when == WHEN_EXIT || retry) {
            /* A retry reads an input as the caller passed it: every byte of its buffers,
             * not (as for an output) only the bytes the call transferred. */
            int64_t limit = retry ? -1 : result;
            nblobs = (uint16_t)(nblobs + do_capture(v, c, p->abi, p->args, limit, true,
                                                    user_sp, &budget, &faulted));
        }
    }
    struct vmst_exit *x = (void *)(v->out->data + start + sizeof(struct vmst_rec_hdr));
    x->cr3 = v->cr3_read ? v->cr3 : p->cr3; /* unread: the entry's, the same thread's */
    x->task = task;
    x->pc = pc;
    x->ret = (uint64_t)ret;
    x->nr = p->nr;
    x->sp = user_sp;
    x->user_pc = user_pc;
    x->rdi = handler_sig;
    x->abi = p->abi;
    x->insn = insn;
    x->task_ok = task_ok;
    x->flags = flags;
    x->seq = v->taken_seq;
    x->nblobs = nblobs;
    finish_record(v, start, VMST_REC_EXIT);
}

/* Classifies an instruction by its bytes (after any legacy prefixes). */
static int classify(const uint8_t *b, size_t n, bool *is_exit)
{
    size_t i = 0;
    bool rexw = false;
    while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 ||
                     b[i] == 0x2e || b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x36 ||
                     b[i] == 0x64 || b[i] == 0x65)) {
        i++;
    }
    if (i < n && (b[i] & 0xf0) == 0x40) {
        rexw = (b[i] & 0x08) != 0;
        i++;
    }
    *is_exit = false;
    if (n - i == 2 && b[i] == 0x0f) {
        switch (b[i + 1]) {
        case 0x05:
            return VMST_INSN_SYSCALL;
        case 0x34:
            return VMST_INSN_SYSENTER;
        case 0x07:
            *is_exit = true;
            return rexw ? VMST_INSN_SYSRETQ : VMST_INSN_SYSRETL;
        case 0x35:
            *is_exit = true;
            return VMST_INSN_SYSEXIT;
        }
    }
    if (n - i == 2 && b[i] == 0xcd && b[i + 1] == 0x80) {
        return VMST_INSN_INT80;
    }
    if (n - i == 1 && b[i] == 0xcf && rexw) {
        *is_exit = true;
        return VMST_INSN_IRETQ;
    }
    return 0;
}

/*
 * Whether a `syscall` instruction being translated runs in compatibility mode (a 32-bit
 * code segment: the i386 ABI).  A translation block is only ever run in the mode it was
 * translated for (the code segment's size is part of its lookup key), so the code segment
 * in effect now decides it once instead of a register read on every call.  The selector
 * says it: the only 64-bit code segment user mode can run in is __USER_CS (0x33); an LDT or
 * TLS descriptor a process installs never has L set (fill_ldt() in asm/desc.h clears it;
 * checked on 6.1: modify_ldt with lm=1 installs L=0), so any other selector is
 * compatibility mode.
 */
static uintptr_t translation_abi(void)
{
    static __thread GByteArray *buf;
    uint64_t cs = 0;
    if (!g.regs[R_CS]) {
        return PACK_CS_UNKNOWN;
    }
    if (!buf) {
        buf = g_byte_array_new();
    }
    g_byte_array_set_size(buf, 0);
    int n = qemu_plugin_read_register(g.regs[R_CS], buf);
    if (n <= 0) {
        return PACK_CS_UNKNOWN; /* read it when the instruction runs instead */
    }
    memcpy(&cs, buf->data, n < 8 ? (size_t)n : 8);
    return (cs & 0xfffc) != 0x30 ? PACK_COMPAT : 0;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint8_t bytes[16];
        size_t len = qemu_plugin_insn_size(insn);
        if (len < 1 || len > 4) {
            continue; /* every trapped instruction is 1-4 bytes with its prefixes */
        }
        qemu_plugin_insn_data(insn, bytes, len);
        bool is_exit;
        int kind = classify(bytes, len, &is_exit);
        if (!kind) {
            continue;
        }
        uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
        uintptr_t packed = (uintptr_t)kind;
        if (is_exit) {
            packed |= (uintptr_t)vaddr << 8;
        } else {
            packed |= (uintptr_t)(vaddr & (PAGE - 1)) << 8;
            if (vaddr - qemu_plugin_tb_vaddr(tb) >= PAGE) {
                packed |= PACK_FAR;
            }
        }
        if (kind == VMST_INSN_SYSENTER || kind == VMST_INSN_INT80) {
            packed |= PACK_COMPAT;
        } else if (kind == VMST_INSN_SYSCALL) {
            packed |= translation_abi();
        }
        qemu_plugin_register_vcpu_insn_exec_cb(insn, is_exit ? on_exit_insn : on_entry,
                                               QEMU_PLUGIN_CB_R_REGS, (void *)packed);
    }
}

/* The STATS record: what was produced in all, so the reader can tell a complete trace. */
static void write_stats(void)
{
    struct {
        struct vmst_rec_hdr h;
        struct vmst_stats s;
    } rec = {{.type = VMST_REC_STATS, .size = sizeof(rec)}, {0}};
    for (unsigned int i = 0; i < g.n_vcpus; i++) {
        const Vcpu *v = &g.vcpus[i];
        rec.s.entries += v->entries;
        rec.s.exits += v->exits;
        rec.s.records += v->records;
        rec.s.bytes += v->bytes;
        rec.s.orphan_exits += v->orphan_exits;
    }
    g_mutex_lock(&g.out_lock);
    rec.s.dropped = g.dropped;
    rec.s.pending = g.n_pending; /* (QEMU has stopped every vCPU by now) */
    rec.s.evicted_pending = g.evicted_pending;
    rec.s.evicted_threads = g.evicted_threads;
    rec.h.ts = now_ns() - g.start_ns;
    out_write((const uint8_t *)&rec, sizeof(rec));
    g_mutex_unlock(&g.out_lock);
}

static void plugin_exit(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    if (__atomic_load_n(&g.awaiting, __ATOMIC_ACQUIRE)) {
        write_header(); /* no system call was ever made: an empty stream */
    }
    for (unsigned int i = 0; i < g.n_vcpus; i++) {
        flush_vcpu(&g.vcpus[i]);
    }
    write_stats();
    out_close();
}

/*
 * An option's number: decimal, or hexadecimal after 0x, whole (no sign, no spaces, nothing
 * after it) and within [min, max]; anything else is refused naming the option and the
 * value, as QEMU's own plugins refuse theirs, so a typo stops QEMU instead of running with
 * a number nobody asked for.
 */
static bool parse_number(const char *key, const char *val, uint64_t min, uint64_t max,
                         uint64_t *out)
{
    bool hex = val[0] == '0' && (val[1] == 'x' || val[1] == 'X');
    const char *digits = hex ? val + 2 : val;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(digits, &end, hex ? 16 : 10);
    if (!(hex ? g_ascii_isxdigit(digits[0]) : g_ascii_isdigit(digits[0])) || *end || errno == ERANGE || n < min || n > max) {
        fprintf(stderr, "vmstrace plugin: bad value for %s: '%s' (a number from %" PRIu64
                " to %" PRIu64 ")\n", key, val, min, max);
        return false;
    }
    *out = n;
    return true;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    const char *out = NULL, *ring = NULL, *bell = NULL, *spec = NULL, *ram = NULL;
    bool ram_sized = false;
    uint64_t n;
    g.batch = 1 << 16;
    memset(g.argmask, 0x3f, sizeof(g.argmask));
    g.flush_ns = 20 * 1000000ull;
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "vmstrace plugin: option without '=': %s\n", argv[i]);
            return -1;
        }
        *eq = 0;
        const char *key = argv[i], *val = eq + 1;
        const char **path = strcmp(key, "out") == 0    ? &out
                            : strcmp(key, "ring") == 0 ? &ring
                            : strcmp(key, "bell") == 0 ? &bell
                            : strcmp(key, "spec") == 0 ? &spec
                            : strcmp(key, "ram") == 0  ? &ram
                            : strcmp(key, "ask") == 0  ? &g.ask
                            : strcmp(key, "answer") == 0 ? &g.answer
                                                       : NULL;
        if (path != NULL) {
            if (!*val) {
                fprintf(stderr, "vmstrace plugin: bad value for %s: '' (a path)\n", key);
                return -1;
            }
            *path = val;
        } else if (strcmp(key, "batch") == 0) {
            /* bytes a vCPU buffers before a write: its buffer is this much plus a page */
            if (!parse_number(key, val, 0, 1u << 30, &n)) {
                return -1;
            }
            g.batch = (uint32_t)n;
        } else if (strcmp(key, "flush_ms") == 0) {
            if (!parse_number(key, val, 0, UINT64_MAX / 1000000u, &n)) {
                return -1;
            }
            g.flush_ns = n * 1000000u;
        } else if (strcmp(key, "ram_size") == 0) {
            if (!parse_number(key, val, 1, UINT64_MAX, &g.ram_size)) {
                return -1;
            }
            ram_sized = true;
        } else if (strcmp(key, "ram_low") == 0) {
            if (!parse_number(key, val, 1, UINT64_MAX, &g.ram_low)) {
                return -1;
            }
            ram_sized = true;
        } else {
            fprintf(stderr, "vmstrace plugin: unknown option %s=%s (options: out, ring, bell, "
                    "spec, ask, answer, batch, flush_ms, ram, ram_size, ram_low)\n", key, val);
            return -1;
        }
    }
    if (ram_sized && !ram) {
        fprintf(stderr, "vmstrace plugin: ram_size and ram_low need ram=PATH\n");
        return -1;
    }
    if (!info->system_emulation || strcmp(info->target_name, "x86_64") != 0) {
        fprintf(stderr, "vmstrace plugin: needs qemu-system-x86_64 (got %s)\n",
                info->target_name);
        return -1;
    }
    if (!out == !ring || !ring != !bell) {
        fprintf(stderr, "vmstrace plugin: give either out=PATH or ring=PATH,bell=PATH\n");
        return -1;
    }
    if (!g.ask != !g.answer || (g.ask && spec)) {
        fprintf(stderr, "vmstrace plugin: give spec=PATH, or ask=PATH,answer=PATH (the spec "
                "comes from the host once the kernel is up)\n");
        return -1;
    }
    if (spec && !load_spec(spec)) {
        return -1;
    }
    if (g.ask) { /* (QEMU may free argv once installed) */
        g.ask = g_strdup(g.ask);
        g.answer = g_strdup(g.answer);
        g.awaiting = true;
    }
    if (ram && !map_ram(ram)) {
        return -1;
    }
    if (!(out ? out_open_path(out) : out_open_ring(ring, bell))) {
        return -1;
    }
    g.start_ns = now_ns();
    g.n_vcpus = (unsigned int)(info->system.max_vcpus > 0 ? info->system.max_vcpus : 1);
    g.vcpus = g_new0(Vcpu, g.n_vcpus);
    for (unsigned int i = 0; i < g.n_vcpus; i++) {
        g.vcpus[i].out = g_byte_array_sized_new(g.batch + 4096);
        g.vcpus[i].out_cap = g.batch + 4096;
        g.vcpus[i].scratch = g_byte_array_sized_new(PAGE);
        g.vcpus[i].tcache = g_new0(TaskCacheEntry, TASK_CACHE);
        g.vcpus[i].index = i;
        /* (with ask=, task_bytes is known only later: the most any spec may ask for) */
        size_t slot = sizeof(Pending) + (g.ask ? MAX_TASK_FIELDS * 64 : g.task_bytes);
        g.vcpus[i].slot = g_malloc0(slot);
        g.vcpus[i].taken = g_malloc0(slot);
    }
    g.pending = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g.threads = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g_mutex_init(&g.out_lock);
    g_mutex_init(&g.pending_lock);
    g_mutex_init(&g.regs_lock);
    g_mutex_init(&g.await_lock);
    if (!g.awaiting) {
        write_header();
    }

    qemu_plugin_register_vcpu_init_cb(id, vcpu_init);
    qemu_plugin_register_vcpu_idle_cb(id, vcpu_idle);
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
