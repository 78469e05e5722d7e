/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmstrace capture plugin for QEMU's TCG plugin API (QEMU 10.0, API version 4).
 *
 * One job: trap the guest's system call entry instructions (syscall, sysenter, int 0x80)
 * and its returns to user mode (sysretq, sysretl, sysexit, iretq to CPL 3), read the vCPU
 * registers, the current task (through the kernel's per-CPU area) and the guest memory the
 * capture spec asks for, and write compact binary records (docs/event-format.md) to a pipe.
 * All meaning lives in Python; this file only captures facts.
 *
 * Lossless by design: a reader that falls behind by the whole ring (or pipe) stalls the
 * vCPU (back-pressure) instead of losing events (vmstrace_out.c).  Counters of everything
 * produced are written as a final STATS record so the reader can tell a complete trace from
 * a cut one.
 *
 * Arguments (key=value, unknown keys fail):
 *   out=PATH     file or FIFO the record stream is written to, or:
 *   ring=PATH    the ring shared with the reader (vmstrace_records.h), with
 *   bell=PATH    the pipe that wakes the reader
 *   spec=PATH    capture spec written by the Python side (optional: without it, registers
 *                only and no task attribution)
 *   batch=BYTES  per-vCPU buffer size before a write (default 65536)
 *   flush_ms=N   longest time a record may wait in a buffer (default 20)
 *   ram=PATH     the file backing guest RAM (QEMU memory-backend-file, share=on); with it,
 *                kernel data is read by walking the kernel's page tables in that file, so
 *                the current task is found even where the CR3 in use does not map the
 *                kernel (KPTI: at `syscall` and at `sysretq`)
 *   ram_size=B   its size in bytes (required with ram=)
 *   ram_low=B    how much of it sits at guest-physical 0 (the rest starts at 4 GiB; the
 *                PC machine's below-4G split); default: all of it
 */
#include "qemu_plugin_api.h"

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

/* Hard ceilings: guest memory is hostile input. */
#define MAX_NR 1024
#define MAX_CAPS_PER_CALL 16
#define MAX_BYTES (1u << 16)
#define MAX_ELEMS 1024u
#define MAX_RECORD_BLOBS (1u << 20) /* bytes of memory data in one record */
#define MAX_TASK_FIELDS 16
#define PAGE 4096u

enum abi { ABI_64 = 0, ABI_32 = 1 };
enum when { WHEN_ENTRY = 1, WHEN_EXIT = 2, WHEN_BOTH = 3 };
enum kind {
    KIND_STR, KIND_BUF, KIND_IOV, KIND_STRARR, KIND_EXECSTACK, KIND_MSGHDR, KIND_FD, KIND_EXE
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

/* Offsets for resolving an fd (spec line `fdwalk`, kernel/fdwalk.py names them). */
enum fdw {
    FDW_FILES, FDW_FDT, FDW_MAX_FDS, FDW_FD, FDW_F_PATH, FDW_PATH_MNT, FDW_PATH_DENTRY,
    FDW_D_NAME, FDW_QSTR_LEN, FDW_QSTR_NAME, FDW_D_PARENT, FDW_D_INODE, FDW_I_INO, FDW_I_MODE,
    FDW_I_SB, FDW_S_MAGIC, FDW_MNT_ROOT, FDW_MOUNT_MNT, FDW_MNT_PARENT, FDW_MNT_MOUNTPOINT,
    FDW_MM, FDW_EXE_FILE, FDW_PRIVATE_DATA, FDW_SOCKET_SK, FDW_SKC_FAMILY, FDW_SKC_RCV_SADDR,
    FDW_SKC_DADDR, FDW_SKC_NUM, FDW_SKC_DPORT, FDW_SK_PROTOCOL, FDW_SK_TYPE, FDW_UNIX_ADDR,
    FDW_UNIX_ADDR_LEN, FDW_UNIX_ADDR_NAME, FDW_UNIX_PEER, FDW_SKC_V6_DADDR,
    FDW_SKC_V6_RCV_SADDR,
    FDW_COUNT
};
static const char *const fdw_names[FDW_COUNT] = {
    "files", "fdt", "max_fds", "fd", "f_path", "path_mnt", "path_dentry", "d_name",
    "qstr_len", "qstr_name", "d_parent", "d_inode", "i_ino", "i_mode", "i_sb", "s_magic",
    "mnt_root", "mount_mnt", "mnt_parent", "mnt_mountpoint",
    "mm", "exe_file", "private_data", "socket_sk", "skc_family", "skc_rcv_saddr",
    "skc_daddr", "skc_num", "skc_dport", "sk_protocol", "sk_type", "unix_addr",
    "unix_addr_len", "unix_addr_name", "unix_peer", "skc_v6_daddr", "skc_v6_rcv_saddr",
};

typedef struct {
    uint32_t off;
    uint32_t len;
    int32_t ptr_off; /* -1: field of the current task; else deref this pointer first */
} TaskField;

typedef struct {
    uint64_t task;
    uint64_t cr3;
    uint64_t sp;
    uint64_t nr;
    uint64_t args[6];
    uint64_t ident;     /* the first task field (the tid): tells a reused task_struct apart */
    uint64_t pc;        /* the entry instruction's address */
    uint8_t insn;
    uint8_t abi;
    uint8_t retry_mask; /* args whose entry read faulted and should be re-read at exit */
    uint8_t task_ok;
    uint8_t task_bytes[]; /* the entry's task block, reused for the exit record */
} Pending;

/* Register handles, looked up by name once (the same on every vCPU). */
enum reg {
    R_RAX, R_RBX, R_RCX, R_RDX, R_RSI, R_RDI, R_RBP, R_RSP,
    R_R8, R_R9, R_R10, R_CS, R_CR3, R_KGSBASE, R_CR4, R_COUNT
};
static const char *const reg_names[R_COUNT] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
    "r8", "r9", "r10", "cs", "cr3", "k_gs_base", "cr4",
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
    bool fault_seen;     /* a blob of the capture in progress faulted */
    TaskCacheEntry *tcache;
    GByteArray *scratch; /* register and memory reads */
    uint64_t last_flush_ns;
    unsigned int index;
    uint64_t cr3;   /* CR3 at the trapped instruction: the page tables guest_read() walks */
    uint64_t kgs;   /* the kernel's per-CPU base for this vCPU; 0 until read */
    const uint8_t *task_slot; /* host address of this vCPU's current-task pointer */
    uint64_t entries, exits, records, bytes, orphan_exits; /* summed into STATS at exit */
    int8_t levels;  /* paging levels (CR4.LA57 ? 5 : 4); 0 until read */
} Vcpu;

static struct {
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
    bool task_refresh[2][MAX_NR]; /* calls after which cached task blocks are stale */
    bool noreturn[2][MAX_NR];     /* calls that never return (exit, exit_group) */
    bool resumes_elsewhere[2][MAX_NR]; /* calls that return to another place by design
                                        * (execve, rt_sigreturn): no signal frame check */
    uint8_t argmask[2][MAX_NR];   /* the argument registers a call uses (spec `nargs`) */
    uint64_t task_epoch;          /* bumped (atomically) after such a call */
    CallSpec spec[2][MAX_NR];
    struct qemu_plugin_register *regs[R_COUNT];
    bool regs_found;
    GMutex regs_lock;
    Vcpu *vcpus;
    unsigned int n_vcpus;
    GMutex out_lock; /* serialises output (vmstrace_out.c) and `dropped` */
    GMutex pending_lock;
    GHashTable *pending; /* key -> Pending*, one per guest thread in a syscall */
    const uint8_t *ram;  /* guest RAM, mapped read-only from ram=PATH; NULL without it */
    uint64_t ram_size, ram_low;
    bool kpti;           /* the user CR3 does not map the kernel: walk its kernel twin */
    uint64_t dropped; /* records that never reached the reader (under out_lock) */
} g;

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

static size_t reserve(Vcpu *v, size_t n)
{
    size_t off = v->out->len;
    g_byte_array_set_size(v->out, off + n);
    memset(v->out->data + off, 0, n);
    return off;
}

static void pad8(Vcpu *v)
{
    size_t pad = (8 - (v->out->len & 7)) & 7;
    if (pad) {
        reserve(v, pad);
    }
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

/* ---- guest state ----------------------------------------------------------------------- */

static uint64_t reg(Vcpu *v, enum reg r)
{
    if (!g.regs[r]) {
        return 0;
    }
    v->scratch->len = 0; /* g_byte_array_set_size(, 0) without the call: a hot path */
    int n = qemu_plugin_read_register(g.regs[r], v->scratch);
    uint64_t val = 0;
    if (n > 0) {
        memcpy(&val, v->scratch->data, n < 8 ? (size_t)n : 8);
    }
    return val;
}

static bool qemu_read(Vcpu *v, uint64_t addr, void *dst, size_t len)
{
    if (len == 0) {
        return true;
    }
    if (addr + len < addr) {
        return false;
    }
    g_byte_array_set_size(v->scratch, 0);
    if (!qemu_plugin_read_memory_vaddr(addr, v->scratch, len) || v->scratch->len < len) {
        return false;
    }
    memcpy(dst, v->scratch->data, len);
    return true;
}

/* ---- kernel memory through the RAM file ------------------------------------------------ */

#define GIB4 (1ull << 32)
#define PTE_PRESENT 0x1ull
#define PTE_PS 0x80ull                    /* 1 GiB (PDPT) or 2 MiB (PD) page */
#define PTE_ADDR 0x000ffffffffff000ull    /* bits 51:12 */
#define CR3_KPTI_USER 0x1000ull           /* user PGD = kernel PGD | 0x1000 (KPTI) */
#define CR4_LA57 (1ull << 12)

/* Host pointer to `len` bytes of guest-physical memory, or NULL outside RAM.  The PC
 * machine puts the first ram_low bytes at physical 0 and the rest at 4 GiB (hw/i386). */
static const uint8_t *phys(uint64_t pa, size_t len)
{
    uint64_t off;
    if (pa < g.ram_low && len <= g.ram_low - pa) {
        off = pa;
    } else if (pa >= GIB4 && pa - GIB4 < g.ram_size - g.ram_low &&
               len <= g.ram_size - g.ram_low - (pa - GIB4)) {
        off = g.ram_low + (pa - GIB4);
    } else {
        return NULL;
    }
    return g.ram + off;
}

/*
 * x86-64 page walk (Intel SDM vol. 3 ch. 4.5): from the top table at `root`, each level
 * takes 9 bits of the address (bits 56:48 for the fifth level with LA57, 47:39, 38:30,
 * 29:21, 20:12); bit 7 ends the walk early at the PDPT (1 GiB) and PD (2 MiB) levels.
 * At most `levels` loads; any entry outside RAM or not present fails.
 */
static bool translate(uint64_t root, int levels, uint64_t va, uint64_t *pa)
{
    uint64_t table = root & PTE_ADDR;
    for (int level = levels; level >= 1; level--) {
        unsigned int shift = 12 + 9 * (unsigned int)(level - 1);
        const uint8_t *slot = phys(table + ((va >> shift) & 511) * 8, 8);
        uint64_t e;
        if (!slot) {
            return false;
        }
        memcpy(&e, slot, 8);
        if (!(e & PTE_PRESENT)) {
            return false;
        }
        if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
            uint64_t mask = (1ull << shift) - 1;
            *pa = ((e & PTE_ADDR) & ~mask) | (va & mask);
            return true;
        }
        table = e & PTE_ADDR;
    }
    return false;
}

/* The kernel half of the address space: 0xffff8... with 4-level paging, 0xff... with
 * 5-level paging (LA57, which QEMU's `max` CPU model offers and Linux then uses). */
static bool is_kernel_ptr(uint64_t p)
{
    return (p >> 56) == 0xff && p != ~0ull;
}

static int paging_levels(Vcpu *v)
{
    /* CR4.LA57 cannot change while paging is on: read it once per vCPU. */
    if (v->levels == 0) {
        v->levels = (reg(v, R_CR4) & CR4_LA57) ? 5 : 4;
    }
    return v->levels;
}

/*
 * Translates a guest virtual address through the page tables of the CR3 in use (PCID bits
 * dropped).  Under KPTI the user PGD maps only the entry trampolines of the kernel, so a
 * kernel address it does not map is looked up in the kernel PGD, the other half of the
 * 8 KiB pair (user = kernel | 0x1000).  That second walk is only tried once KPTI is known
 * to be on: without KPTI bit 12 of a PGD's address is just an address bit.
 */
static bool walk(Vcpu *v, uint64_t addr, uint64_t *pa)
{
    int levels = paging_levels(v);
    return translate(v->cr3, levels, addr, pa) ||
           (g.kpti && is_kernel_ptr(addr) && (v->cr3 & CR3_KPTI_USER) &&
            translate(v->cr3 & ~CR3_KPTI_USER, levels, addr, pa));
}

/* Host address of `len` bytes at guest virtual `addr` (one page at most), or NULL. */
static const uint8_t *host_addr(Vcpu *v, uint64_t addr, size_t len)
{
    uint64_t pa;
    if (!g.ram || (addr & (PAGE - 1)) + len > PAGE || !walk(v, addr, &pa)) {
        return NULL;
    }
    return phys(pa, len);
}

/*
 * Reads guest memory (user or kernel) at a virtual address.  With the RAM file: our own
 * page walk and a copy out of the file, a fraction of the cost of QEMU's debug access;
 * without it, or where the walk fails, the vCPU's own view (qemu_plugin_read_memory_vaddr),
 * which also says the final word on a fault.
 */
static bool guest_read(Vcpu *v, uint64_t addr, void *dst, size_t len)
{
    uint8_t *out = dst;
    if (!g.ram || addr + len < addr) {
        return qemu_read(v, addr, dst, len);
    }
    while (len > 0) {
        size_t chunk = PAGE - (size_t)(addr & (PAGE - 1));
        if (chunk > len) {
            chunk = len;
        }
        const uint8_t *src = host_addr(v, addr, chunk);
        if (src) {
            memcpy(out, src, chunk);
        } else if (!qemu_read(v, addr, out, chunk)) {
            return false;
        }
        out += chunk;
        addr += chunk;
        len -= chunk;
    }
    return true;
}

/*
 * The kernel's per-CPU base of this vCPU (KERNEL_GS_BASE while in user mode, and at the
 * trapped instructions, which run before swapgs on entry and after it on exit).  Fixed once
 * the kernel set up its per-CPU areas, long before the first user-mode syscall: read once.
 */
static uint64_t percpu_base(Vcpu *v)
{
    if (!v->kgs) {
        uint64_t base = reg(v, R_KGSBASE);
        if (!is_kernel_ptr(base)) {
            return 0;
        }
        v->kgs = base;
    }
    return v->kgs;
}

/*
 * The current task_struct, read from the per-CPU slot.  The slot's physical page never
 * moves (per-CPU areas are allocated once at boot), so its host address is kept and every
 * later read is one load.  Finding the slot also tells whether KPTI is on: the CR3 in use
 * at a syscall does not map it, the kernel half of the PGD pair does.
 */
static uint64_t current_task(Vcpu *v)
{
    uint64_t base = g.have_task ? percpu_base(v) : 0, task = 0;
    if (!base) {
        return 0;
    }
    uint64_t slot = base + g.percpu_task;
    if (!v->task_slot && g.ram) {
        uint64_t pa;
        if (!g.kpti && (v->cr3 & CR3_KPTI_USER) && !translate(v->cr3, paging_levels(v), slot, &pa) &&
            translate(v->cr3 & ~CR3_KPTI_USER, paging_levels(v), slot, &pa)) {
            g.kpti = true;
        }
        v->task_slot = host_addr(v, slot, 8);
    }
    if (v->task_slot) {
        memcpy(&task, v->task_slot, 8);
    } else if (!guest_read(v, slot, &task, 8)) {
        return 0;
    }
    return is_kernel_ptr(task) ? task : 0;
}

/* Copies the task_struct fields the spec names into the record; zeros where unreadable. */
static uint8_t put_task_fields(Vcpu *v, uint64_t task)
{
    size_t off = reserve(v, g.task_bytes);
    uint8_t ok = task != 0;
    for (uint32_t i = 0, pos = 0; i < g.n_task_fields; i++) {
        const TaskField *f = &g.task_fields[i];
        uint64_t base = task;
        uint8_t tmp[64];
        if (task && f->ptr_off >= 0 &&
            (!guest_read(v, task + (uint64_t)f->ptr_off, &base, 8) || !is_kernel_ptr(base))) {
            base = 0;
        }
        if (base && guest_read(v, base + f->off, tmp, f->len)) {
            memcpy(v->out->data + off + pos, tmp, f->len);
        } else {
            ok = 0;
        }
        pos += f->len;
    }
    return ok;
}

/* The first task field of a record's task block (the tid, by the spec's convention). */
static uint64_t task_ident(Vcpu *v, size_t task_off)
{
    uint64_t ident = 0;
    if (g.n_task_fields > 0) {
        uint32_t n = g.task_fields[0].len < 8 ? g.task_fields[0].len : 8;
        memcpy(&ident, v->out->data + task_off, n);
    }
    return ident;
}

/*
 * The task's first field (its tid, which tells a reused task_struct apart).  The vCPU's
 * cache keeps the host address of a task's tid: a task_struct does not move while it
 * lives, and once freed and reused the tid read there changes, which is what the check is
 * for.
 */
static bool read_ident(Vcpu *v, uint64_t task, uint64_t *ident)
{
    const TaskField *f0 = &g.task_fields[0];
    const TaskCacheEntry *c = &v->tcache[(task >> 6) % TASK_CACHE];
    size_t len = f0->len < 8 ? f0->len : 8;
    *ident = 0;
    if (c->task == task && c->ident_at) {
        memcpy(ident, c->ident_at, len);
        return true;
    }
    return guest_read(v, task + f0->off, ident, len);
}

/* put_task_fields through the vCPU's cache: a hit costs one load (the tid) instead of a
 * page walk per field. */
static uint8_t put_task_fields_cached(Vcpu *v, uint64_t task)
{
    uint64_t epoch = __atomic_load_n(&g.task_epoch, __ATOMIC_ACQUIRE);
    const TaskField *f0 = g.n_task_fields ? &g.task_fields[0] : NULL;
    TaskCacheEntry *c = &v->tcache[(task >> 6) % TASK_CACHE];
    uint64_t tid = 0;
    if (task && f0 && f0->ptr_off < 0 && g.task_bytes <= sizeof(c->bytes) &&
        c->task == task && c->epoch == epoch && c->ok && read_ident(v, task, &tid) &&
        tid == c->ident) {
        size_t off = reserve(v, g.task_bytes);
        memcpy(v->out->data + off, c->bytes, g.task_bytes);
        return 1;
    }
    size_t off = v->out->len;
    uint8_t ok = put_task_fields(v, task);
    if (task && ok && f0 && f0->ptr_off < 0 && g.task_bytes <= sizeof(c->bytes)) {
        c->task = task;
        c->epoch = epoch;
        c->ok = ok;
        memcpy(c->bytes, v->out->data + off, g.task_bytes);
        c->ident = task_ident(v, off);
        c->ident_at = host_addr(v, task + f0->off, f0->len < 8 ? f0->len : 8);
    }
    return ok;
}

/* ---- memory captures ------------------------------------------------------------------- */

/*
 * Appends one blob: header, then up to `cap` bytes from `addr` read page by page so a
 * fault keeps the readable prefix.  For strings, stops after the NUL.
 */
static void put_blob(Vcpu *v, uint8_t arg, uint16_t index, uint8_t flags, uint64_t addr,
                     uint64_t want, uint32_t cap, bool is_str, uint32_t *budget)
{
    size_t hoff = reserve(v, sizeof(struct vmst_blob_hdr));
    uint64_t limit = want < cap ? want : cap;
    if (limit > *budget) {
        limit = *budget;
    }
    if (want > limit) {
        flags |= VMST_BLOB_TRUNC;
    }
    uint32_t got = 0;
    bool nul = false;
    while (got < limit) {
        uint64_t a = addr + got;
        uint32_t chunk = PAGE - (uint32_t)(a & (PAGE - 1));
        if (chunk > limit - got) {
            chunk = (uint32_t)(limit - got);
        }
        const uint8_t *src = host_addr(v, a, chunk);
        if (src) {
            /* Straight from guest RAM; a string stops at its NUL without copying (and
             * zeroing) the rest of the page first. */
            const uint8_t *z = is_str ? memchr(src, 0, chunk) : NULL;
            uint32_t n = z ? (uint32_t)(z - src) + 1 : chunk;
            g_byte_array_append(v->out, src, n);
            got += n;
            if (z) {
                nul = true;
                break;
            }
            continue;
        }
        size_t doff = reserve(v, chunk);
        if (!guest_read(v, a, v->out->data + doff, chunk)) {
            g_byte_array_set_size(v->out, doff);
            flags |= VMST_BLOB_FAULT;
            flags &= (uint8_t)~VMST_BLOB_TRUNC;
            break;
        }
        if (is_str) {
            void *z = memchr(v->out->data + doff, 0, chunk);
            if (z) {
                uint32_t keep = (uint32_t)((uint8_t *)z - (v->out->data + doff)) + 1;
                g_byte_array_set_size(v->out, doff + keep);
                got += keep;
                nul = true;
                break;
            }
        }
        got += chunk;
    }
    if (is_str && !nul && !(flags & VMST_BLOB_FAULT)) {
        flags |= VMST_BLOB_TRUNC;
    }
    *budget -= got;
    if (flags & VMST_BLOB_FAULT) {
        v->fault_seen = true;
    }
    struct vmst_blob_hdr *h = (void *)(v->out->data + hoff);
    h->arg = arg;
    h->flags = flags;
    h->index = index;
    h->len = got;
    h->addr = addr;
    pad8(v);
}

static uint64_t capture_size(const Capture *c, const uint64_t *args, int64_t ret)
{
    switch (c->size_src) {
    case SIZE_ARG:
        return args[c->size_val];
    case SIZE_RET:
        return ret > 0 ? (uint64_t)ret : 0;
    case SIZE_CONST:
        return c->size_val;
    default:
        return 0;
    }
}

/* Performs one capture; returns the number of blobs written, or -1 if the top read faulted. */
/*
 * After a successful execve the caller's memory is gone, but the kernel has copied the
 * filename, argv and envp to the top of the new stack (fs/exec.c, create_elf_tables):
 * sp -> argc, argv[argc], NULL, envp[], NULL, auxv pairs (AT_EXECFN = the filename).
 * Emits them as blobs of the capture's argument (the filename) and the next two (argv with
 * strings, envp pointers): execve's 0, 1, 2 and execveat's 1, 2, 3, shaped like the entry
 * captures, so a decoder can use whichever is readable.
 */
static int capture_execstack(Vcpu *v, const Capture *c, uint8_t abi, uint64_t sp,
                             uint32_t *budget)
{
    uint32_t ptr = abi == ABI_32 ? 4 : 8;
    uint64_t argc = 0, p = 0, i;
    int n = 0;
    if (!guest_read(v, sp, &argc, ptr) || argc > MAX_ELEMS) {
        return 0;
    }
    uint64_t argv = sp + ptr, envp = argv + (argc + 1) * ptr;
    uint64_t nargv = argc + 1 < c->cap ? argc + 1 : c->cap;
    size_t hoff = v->out->len;
    uint8_t a = c->arg;
    if (a > 3) {
        return 0;
    }
    put_blob(v, a + 1, VMST_INDEX_TOP, VMST_BLOB_EXIT | VMST_BLOB_ARRAY, argv, nargv * ptr,
             (uint32_t)(nargv * ptr), false, budget);
    n++;
    struct vmst_blob_hdr *h = (void *)(v->out->data + hoff);
    if (nargv < argc + 1) {
        h->flags |= VMST_BLOB_TRUNC;
    }
    for (i = 0; i < argc && i < nargv; i++) {
        p = 0;
        if (!guest_read(v, argv + i * ptr, &p, ptr) || p == 0) {
            break;
        }
        put_blob(v, a + 1, (uint16_t)i, VMST_BLOB_EXIT, p, c->elem_cap, c->elem_cap, true,
                 budget);
        n++;
    }
    for (i = 0; i < MAX_ELEMS; i++) {
        p = 0;
        if (!guest_read(v, envp + i * ptr, &p, ptr) || p == 0) {
            break;
        }
    }
    put_blob(v, a + 2, VMST_INDEX_TOP, VMST_BLOB_EXIT | VMST_BLOB_ARRAY, envp, (i + 1) * ptr,
             (uint32_t)((i + 1) * ptr), false, budget);
    n++;
    uint64_t auxv = envp + (i + 1) * ptr;
    for (i = 0; i < 64; i++) {
        uint64_t type = 0, val = 0;
        if (!guest_read(v, auxv + 2 * i * ptr, &type, ptr) || !guest_read(v, auxv + (2 * i + 1) * ptr, &val, ptr) ||
            type == 0) {
            break;
        }
        if (type == 31 /* AT_EXECFN */) {
            put_blob(v, a, VMST_INDEX_TOP, VMST_BLOB_EXIT, val, 4096, 4096, true, budget);
            n++;
            break;
        }
    }
    return n;
}

/* Appends a blob whose bytes the plugin assembled itself (not a copy of guest memory). */
static void put_raw_blob(Vcpu *v, uint8_t arg, uint16_t index, uint8_t flags, uint64_t addr,
                         const void *data, uint32_t len)
{
    size_t hoff = reserve(v, sizeof(struct vmst_blob_hdr) + len);
    struct vmst_blob_hdr *h = (void *)(v->out->data + hoff);
    h->arg = arg;
    h->flags = flags;
    h->index = index;
    h->len = len;
    h->addr = addr;
    memcpy(v->out->data + hoff + sizeof(*h), data, len);
    pad8(v);
}

static bool k64(Vcpu *v, uint64_t addr, uint64_t *out)
{
    *out = 0;
    return guest_read(v, addr, out, 8) && is_kernel_ptr(*out);
}

#define SOCKFS_MAGIC 0x534F434Bu /* include/uapi/linux/magic.h */

/*
 * A blob describing `file` (strace -y): u64 ino, u32 mode, u32 magic, u32 ncomp, u32 flags
 * (1: the walk was cut), then ncomp × (u16 len, bytes): the dentry names from the leaf up
 * to the root, crossing mount points.  For a socket (sockfs), 32 more bytes follow the
 * names: u16 family, u16 type, u16 protocol, u16 local port, u16 remote port (network
 * order), u16 unix path length, u32 local addr, u32 remote addr, u64 peer socket (unix),
 * then the unix path bytes (sockaddr_un.sun_path, at most 108), or for AF_INET6 the
 * 16-byte local and remote addresses.
 */
static int put_file_blob(Vcpu *v, uint8_t arg, uint8_t flags, uint64_t file)
{
    const uint32_t *o = g.fdw;
    uint64_t mnt, dentry, inode, sb, mount;
    uint32_t magic = 0;
    uint16_t mode = 0;
    if (!k64(v, file + o[FDW_F_PATH] + o[FDW_PATH_MNT], &mnt) ||
        !k64(v, file + o[FDW_F_PATH] + o[FDW_PATH_DENTRY], &dentry)) {
        return 0;
    }
    uint8_t buf[4096 + 32 + 128];
    uint32_t pos = 24, ncomp = 0, cut = 0;
    uint64_t ino = 0;
    if (k64(v, dentry + o[FDW_D_INODE], &inode)) {
        guest_read(v, inode + o[FDW_I_INO], &ino, 8);
        guest_read(v, inode + o[FDW_I_MODE], &mode, 2);
        if (k64(v, inode + o[FDW_I_SB], &sb)) {
            guest_read(v, sb + o[FDW_S_MAGIC], &magic, 4);
        }
    }
    mount = mnt - o[FDW_MOUNT_MNT];
    for (int depth = 0; depth < 128; depth++) {
        uint64_t root = 0, parent = 0, name = 0;
        uint32_t len = 0;
        k64(v, mnt + o[FDW_MNT_ROOT], &root);
        if (!k64(v, dentry + o[FDW_D_PARENT], &parent)) {
            cut = 1;
            break;
        }
        if (dentry == root || dentry == parent) {
            uint64_t mparent = 0, mpoint = 0;
            if (!k64(v, mount + o[FDW_MNT_PARENT], &mparent) || mparent == mount ||
                !k64(v, mount + o[FDW_MNT_MOUNTPOINT], &mpoint)) {
                break; /* the root of the mount tree */
            }
            dentry = mpoint;
            mount = mparent;
            mnt = mount + o[FDW_MOUNT_MNT];
            continue;
        }
        if (!guest_read(v, dentry + o[FDW_D_NAME] + o[FDW_QSTR_LEN], &len, 4) ||
            !k64(v, dentry + o[FDW_D_NAME] + o[FDW_QSTR_NAME], &name) || len > 255 ||
            pos + 2 + len > 4096 || !guest_read(v, name, buf + pos + 2, len)) {
            cut = 1;
            break;
        }
        uint16_t l16 = (uint16_t)len;
        memcpy(buf + pos, &l16, 2);
        pos += 2 + len;
        ncomp++;
        dentry = parent;
    }
    uint32_t m32 = mode;
    memcpy(buf, &ino, 8);
    memcpy(buf + 8, &m32, 4);
    memcpy(buf + 12, &magic, 4);
    memcpy(buf + 16, &ncomp, 4);
    memcpy(buf + 20, &cut, 4);
    uint64_t sock, sk;
    if (magic == SOCKFS_MAGIC && k64(v, file + o[FDW_PRIVATE_DATA], &sock) &&
        k64(v, sock + o[FDW_SOCKET_SK], &sk)) {
        /* struct sock_common / struct sock (include/net/sock.h), struct unix_sock */
        uint8_t *d = buf + pos;
        uint64_t addr = 0, peer = 0;
        uint32_t ulen = 0;
        memset(d, 0, 32);
        guest_read(v, sk + o[FDW_SKC_FAMILY], d, 2);
        guest_read(v, sk + o[FDW_SK_TYPE], d + 2, 2);
        guest_read(v, sk + o[FDW_SK_PROTOCOL], d + 4, 2);
        guest_read(v, sk + o[FDW_SKC_NUM], d + 6, 2);
        guest_read(v, sk + o[FDW_SKC_DPORT], d + 8, 2);
        guest_read(v, sk + o[FDW_SKC_RCV_SADDR], d + 12, 4);
        guest_read(v, sk + o[FDW_SKC_DADDR], d + 16, 4);
        if (d[0] == 10 /* AF_INET6 */) {
            /* the 16-byte local and remote addresses follow the block */
            guest_read(v, sk + o[FDW_SKC_V6_RCV_SADDR], d + 32, 16);
            guest_read(v, sk + o[FDW_SKC_V6_DADDR], d + 48, 16);
            pos += 32;
        } else if (d[0] == 1 /* AF_UNIX */) {
            k64(v, sk + o[FDW_UNIX_PEER], &peer);
            memcpy(d + 20, &peer, 8);
            if (k64(v, sk + o[FDW_UNIX_ADDR], &addr) &&
                guest_read(v, addr + o[FDW_UNIX_ADDR_LEN], &ulen, 4) && ulen > 2 && ulen <= 110 &&
                guest_read(v, addr + o[FDW_UNIX_ADDR_NAME] + 2, d + 32, ulen - 2)) {
                uint16_t u16 = (uint16_t)(ulen - 2);
                memcpy(d + 10, &u16, 2);
                pos += ulen - 2;
            }
        }
        pos += 32;
    }
    put_raw_blob(v, arg, VMST_INDEX_TOP, flags, file, buf, pos);
    return 1;
}

/* What fd `fd` of the current task refers to: task->files->fdt->fd[fd]. */
static int capture_fd(Vcpu *v, uint8_t arg, uint8_t flags, int64_t fd)
{
    const uint32_t *o = g.fdw;
    uint64_t task, files, fdt, arr, file;
    uint32_t max_fds = 0;
    if (!g.have_fdw || fd < 0 || fd >= (1 << 20) || !(task = current_task(v)) ||
        !k64(v, task + o[FDW_FILES], &files) || !k64(v, files + o[FDW_FDT], &fdt) ||
        !guest_read(v, fdt + o[FDW_MAX_FDS], &max_fds, 4) || (uint64_t)fd >= max_fds ||
        !k64(v, fdt + o[FDW_FD], &arr) || !k64(v, arr + (uint64_t)fd * 8, &file)) {
        return 0; /* not open, or unreadable: the decoder prints the bare number */
    }
    return put_file_blob(v, arg, flags, file);
}

/* The executable of the current process: task->mm->exe_file. */
static int capture_exe(Vcpu *v, uint8_t flags)
{
    const uint32_t *o = g.fdw;
    uint64_t task, mm, file;
    if (!g.have_fdw || !(task = current_task(v)) || !k64(v, task + o[FDW_MM], &mm) ||
        !k64(v, mm + o[FDW_EXE_FILE], &file)) {
        return 0;
    }
    return put_file_blob(v, VMST_ARG_EXE, flags, file);
}

/*
 * An array capture: `iov` (struct iovec[count], then each buffer, at most `remaining` bytes
 * in all) or `strarr` (NULL-terminated pointers, at most `cap`, then each string).  The
 * array blob gets `index`; its elements are numbered from 0.  Returns the blobs written.
 */
static int put_array(Vcpu *v, uint8_t arg, uint16_t index, uint8_t flags, bool iov,
                     uint8_t abi, uint64_t addr, uint64_t count, uint32_t cap,
                     uint32_t elem_cap, uint64_t remaining, uint32_t *budget)
{
    uint32_t ptr = abi == ABI_32 ? 4 : 8, esize = iov ? 2 * ptr : ptr;
    bool more = false;
    int n = 0;
    if (!iov) {
        count = cap;
    }
    if (count > cap) {
        count = cap;
        more = true;
    }
    if (count > MAX_ELEMS) {
        count = MAX_ELEMS;
        more = true;
    }
    if (!iov) {
        /* Count the pointers up to the NULL terminator (included), within the cap. */
        uint64_t i = 0, p = 0;
        for (; i < count; i++) {
            p = 0;
            if (!guest_read(v, addr + i * ptr, &p, ptr) || p == 0) {
                break;
            }
        }
        more = i == count;
        count = i < count ? i + 1 : count;
    }
    size_t hoff = v->out->len;
    put_blob(v, arg, index, flags | VMST_BLOB_ARRAY, addr, count * esize,
             (uint32_t)(count * esize), false, budget);
    n = 1;
    struct vmst_blob_hdr *h = (void *)(v->out->data + hoff);
    if (more && !(h->flags & VMST_BLOB_FAULT)) {
        h->flags |= VMST_BLOB_TRUNC;
    }
    uint32_t have = h->len / esize;
    uint8_t *elems = g_malloc((size_t)have * esize + 1);
    memcpy(elems, v->out->data + hoff + sizeof(*h), (size_t)have * esize);
    for (uint32_t i = 0; i < have; i++) {
        uint64_t p = 0, len = elem_cap;
        memcpy(&p, elems + (size_t)i * esize, ptr);
        if (!iov && p == 0) {
            break;
        }
        if (iov) {
            len = 0;
            memcpy(&len, elems + (size_t)i * esize + ptr, ptr);
            if (len > remaining) {
                len = remaining;
            }
            remaining -= len;
        }
        if (elem_cap > 0 && p != 0) {
            put_blob(v, arg, (uint16_t)i, flags, p, len, elem_cap, !iov, budget);
            n++;
        }
    }
    g_free(elems);
    return n;
}

static int do_capture(Vcpu *v, const Capture *c, uint8_t abi, const uint64_t *args,
                      int64_t ret, bool at_exit, uint64_t user_sp, uint32_t *budget,
                      bool *faulted)
{
    uint64_t addr = args[c->arg];
    uint8_t flags = at_exit ? VMST_BLOB_EXIT : 0;
    size_t before = v->out->len;
    int n = 0;
    *faulted = false;
    v->fault_seen = false;
    if (c->kind == KIND_EXECSTACK) {
        return at_exit && ret == 0 ? capture_execstack(v, c, abi, user_sp, budget) : 0;
    }
    if (c->kind == KIND_EXE) {
        return at_exit && ret == 0 ? capture_exe(v, flags) : 0;
    }
    if (c->kind == KIND_FD) {
        if (c->size_src == SIZE_RET) {
            return at_exit ? capture_fd(v, VMST_ARG_RETFD, flags, ret) : 0;
        }
        return capture_fd(v, c->arg, flags, abi == ABI_32 ? (int32_t)addr : (int64_t)addr);
    }
    if (addr == 0) {
        return 0; /* NULL: nothing to read, the decoder prints NULL */
    }
    if (abi == ABI_32) {
        addr &= 0xffffffffu;
    }
    switch (c->kind) {
    case KIND_EXECSTACK:
    case KIND_FD:
    case KIND_EXE:
        break;
    case KIND_STR:
        put_blob(v, c->arg, VMST_INDEX_TOP, flags, addr, c->cap, c->cap, true, budget);
        n = 1;
        break;
    case KIND_BUF:
        put_blob(v, c->arg, VMST_INDEX_TOP, flags, addr, capture_size(c, args, ret), c->cap,
                 false, budget);
        n = 1;
        break;
    case KIND_IOV:
    case KIND_STRARR:
        n = put_array(v, c->arg, VMST_INDEX_TOP, flags, c->kind == KIND_IOV, abi, addr,
                      c->kind == KIND_IOV ? capture_size(c, args, ret) : c->cap, c->cap,
                      c->elem_cap, at_exit && ret >= 0 ? (uint64_t)ret : UINT64_MAX, budget);
        break;
    case KIND_MSGHDR: {
        /* struct user_msghdr (include/linux/socket.h, x86_64): msg_name, msg_namelen, msg_iov,
         * msg_iovlen, msg_control, msg_controllen, msg_flags: 56 bytes.  Then the name (at
         * most 128 bytes, sockaddr_storage), the control data (at most 256), the iovec array
         * (elements as an iov capture: at exit, only the bytes the call transferred). */
        uint8_t hdr[56];
        size_t hoff = v->out->len;
        put_blob(v, c->arg, VMST_INDEX_TOP, flags, addr, sizeof(hdr), sizeof(hdr), false,
                 budget);
        n = 1;
        const struct vmst_blob_hdr *h = (const void *)(v->out->data + hoff);
        if (abi != ABI_64 || h->len < sizeof(hdr)) {
            break;
        }
        memcpy(hdr, v->out->data + hoff + sizeof(*h), sizeof(hdr));
        uint64_t name, iov, iovlen, control, controllen;
        uint32_t namelen;
        memcpy(&name, hdr, 8);
        memcpy(&namelen, hdr + 8, 4);
        memcpy(&iov, hdr + 16, 8);
        memcpy(&iovlen, hdr + 24, 8);
        memcpy(&control, hdr + 32, 8);
        memcpy(&controllen, hdr + 40, 8);
        if (name && namelen) {
            put_blob(v, c->arg, VMST_INDEX_MSG_NAME, flags, name, namelen, 128, false, budget);
            n++;
        }
        if (control && controllen) {
            put_blob(v, c->arg, VMST_INDEX_MSG_CONTROL, flags, control, controllen, 256, false,
                     budget);
            n++;
        }
        if (iov) {
            n += put_array(v, c->arg, VMST_INDEX_MSG_IOV, flags, true, abi, iov, iovlen, c->cap,
                           c->elem_cap, at_exit && ret >= 0 ? (uint64_t)ret : UINT64_MAX,
                           budget);
        }
        break;
    }
    }
    (void)before;
    *faulted = v->fault_seen; /* any part: an array readable but a string in it not */
    return n;
}

/* ---- pending syscalls, one per guest thread -------------------------------------------- */

/* Threads are told apart by their task_struct; without one, by address space + stack. */
static uint64_t thread_key(uint64_t task, uint64_t cr3, uint64_t user_sp)
{
    return task ? task : ((cr3 & ~0xfffull) ^ (user_sp * 0x9e3779b97f4a7c15ull)) | 1;
}

/* ---- callbacks ------------------------------------------------------------------------- */

/* A trapped instruction's callback data: its address << 8, its kind (VMST_INSN_*) and
 * what translation found out about its mode. */
#define PACK_KIND 0x0f
#define PACK_COMPAT 0x10     /* runs with a 32-bit code segment: the i386 ABI */
#define PACK_CS_UNKNOWN 0x20 /* the mode could not be read at translation: read CS */

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

static void on_entry(unsigned int vcpu_index, void *udata)
{
    Vcpu *v = vcpu(vcpu_index);
    uintptr_t packed = (uintptr_t)udata;
    uint8_t insn = (uint8_t)(packed & PACK_KIND);
    uint64_t pc = (uint64_t)((int64_t)packed >> 8); /* canonical: sign-extend */
    uint8_t abi = packed & PACK_COMPAT ? ABI_32 : ABI_64;
    if (insn == VMST_INSN_SYSCALL && (packed & PACK_CS_UNKNOWN)) {
        abi = (reg(v, R_CS) & 0xfffc) != 0x30 ? ABI_32 : ABI_64;
    }
    Pending p = {0};
    p.abi = abi;
    p.pc = pc;
    p.insn = insn;
    p.cr3 = reg(v, R_CR3);
    v->cr3 = p.cr3;
    p.sp = reg(v, R_RSP);
    p.nr = reg(v, R_RAX);
    if (abi == ABI_32) {
        p.nr &= 0xffffffffu;
    }
    /* Only the registers the call takes: each read is a trip through QEMU's gdb stub. */
    static const enum reg arg_regs[2][6] = {
        {R_RDI, R_RSI, R_RDX, R_R10, R_R8, R_R9},
        {R_RBX, R_RCX, R_RDX, R_RSI, R_RDI, R_RBP},
    };
    uint8_t mask = p.nr < MAX_NR ? g.argmask[abi][p.nr] : 0x3f;
    for (int i = 0; i < 6; i++) {
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
        if (insn == VMST_INSN_SYSENTER && guest_read(v, p.args[5], &a6, 4)) {
            p.args[5] = a6;
        } else if (insn == VMST_INSN_SYSCALL && guest_read(v, p.sp & 0xffffffffu, &a6, 4)) {
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
    uint32_t budget = MAX_RECORD_BLOBS;
    uint16_t nblobs = 0;
    const CallSpec *cs_spec = p.nr < MAX_NR ? &g.spec[abi][p.nr] : NULL;
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
    e->nblobs = nblobs;
    uint8_t task_copy[MAX_TASK_FIELDS * 64];
    memcpy(task_copy, v->out->data + task_off, g.task_bytes); /* before a flush reuses it */
    finish_record(v, start, VMST_REC_ENTRY);

    if (p.nr < MAX_NR && g.noreturn[abi][p.nr]) {
        if (g.task_refresh[abi][p.nr]) {
            /* a process exit reparents its children: their parent pid changes */
            __atomic_add_fetch(&g.task_epoch, 1, __ATOMIC_RELEASE);
        }
        return; /* never returns, so nothing to pair */
    }
    uint64_t key = thread_key(p.task, p.cr3, p.sp);
    Pending *copy = g_malloc(sizeof(Pending) + g.task_bytes);
    *copy = p;
    memcpy(copy->task_bytes, task_copy, g.task_bytes);
    g_mutex_lock(&g.pending_lock);
    /* A thread that re-enters without an exit (exit_group, a lost exit) replaces its entry. */
    g_hash_table_insert(g.pending, (gpointer)(uintptr_t)key, copy);
    g_mutex_unlock(&g.pending_lock);
}

static void on_exit_insn(unsigned int vcpu_index, void *udata)
{
    Vcpu *v = vcpu(vcpu_index);
    uintptr_t packed = (uintptr_t)udata;
    uint8_t insn = (uint8_t)(packed & PACK_KIND);
    uint64_t pc = (uint64_t)((int64_t)packed >> 8); /* canonical: sign-extend */
    uint64_t rsp = reg(v, R_RSP), user_sp = rsp, user_pc = 0;
    uint64_t cr3 = reg(v, R_CR3);
    v->cr3 = cr3;
    if (insn == VMST_INSN_IRETQ) {
        /* iretq frame: rip, cs, rflags, rsp, ss.  Only a return to CPL 3 ends a syscall. */
        uint64_t frame[4];
        if (!guest_read(v, rsp, frame, sizeof(frame)) || (frame[1] & 3) != 3) {
            return;
        }
        user_pc = frame[0];
        user_sp = frame[3];
    } else if (insn == VMST_INSN_SYSRETQ || insn == VMST_INSN_SYSRETL) {
        user_pc = reg(v, R_RCX); /* sysret jumps to rcx */
    }
    if (g_hash_table_size(g.pending) == 0) {
        return;
    }
    uint64_t task = current_task(v);
    uint64_t key = thread_key(task, cr3, user_sp);
    g_mutex_lock(&g.pending_lock);
    Pending *p = g_hash_table_lookup(g.pending, (gpointer)(uintptr_t)key);
    if (p) {
        g_hash_table_steal(g.pending, (gpointer)(uintptr_t)key);
    }
    g_mutex_unlock(&g.pending_lock);
    if (!p) {
        return; /* an interrupt or exception return, or a new thread's first return */
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
            reused = tid != p->ident;
        }
    }
    if (reused) {
        /* The task_struct was freed and reused: a thread that died inside a call, and a
         * new thread's first return.  Not this entry's exit. */
        g_byte_array_set_size(v->out, start);
        v->orphan_exits++;
        g_free(p);
        return;
    }
    int64_t ret = (int64_t)reg(v, R_RAX);
    if (p->abi == ABI_32) {
        ret = (int32_t)(uint32_t)ret;
    }
    if (p->nr < MAX_NR && g.task_refresh[p->abi][p->nr]) {
        __atomic_add_fetch(&g.task_epoch, 1, __ATOMIC_RELEASE); /* its task fields changed */
    }
    pad8(v);
    uint32_t budget = MAX_RECORD_BLOBS;
    uint16_t nblobs = 0;
    const CallSpec *cs_spec = p->nr < MAX_NR ? &g.spec[p->abi][p->nr] : NULL;
    for (int i = 0; cs_spec && i < cs_spec->n; i++) {
        const Capture *c = &cs_spec->caps[i];
        bool faulted;
        bool retry = c->when == WHEN_BOTH && (p->retry_mask & (1u << c->arg)) &&
                     !(cs_spec->has_execstack && ret == 0);
        if (c->when == WHEN_EXIT || retry) {
            nblobs = (uint16_t)(nblobs + do_capture(v, c, p->abi, p->args, ret, true, user_sp,
                                                    &budget, &faulted));
        }
    }
    uint64_t handler_sig = 0; /* rdi: the handler's first argument, the signal number */
    /* Returning somewhere else than after the syscall instruction (calls that do so by
     * design aside): a signal handler was entered, and the call's own result is in the signal
     * frame the kernel pushed (arch/x86/kernel/signal_64.c); or the call is being restarted
     * (the kernel rewound rip onto the instruction).  Hand the frame to Python. */
    if (p->abi == ABI_64 && p->insn == VMST_INSN_SYSCALL && user_pc != p->pc + 2 &&
        user_pc != p->pc && p->nr < MAX_NR && !g.resumes_elsewhere[ABI_64][p->nr]) {
        put_blob(v, VMST_ARG_SIGFRAME, VMST_INDEX_TOP, VMST_BLOB_EXIT, user_sp,
                 VMST_SIGFRAME_BYTES, VMST_SIGFRAME_BYTES, false, &budget);
        nblobs++;
        handler_sig = reg(v, R_RDI);
    }
    struct vmst_exit *x = (void *)(v->out->data + start + sizeof(struct vmst_rec_hdr));
    x->cr3 = cr3;
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
    x->nblobs = nblobs;
    finish_record(v, start, VMST_REC_EXIT);
    g_free(p);
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
 * in effect now decides it once instead of a register read on every call.
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
        uintptr_t packed = ((uintptr_t)qemu_plugin_insn_vaddr(insn) << 8) | (uintptr_t)kind;
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
    rec.s.pending = g_hash_table_size(g.pending);
    rec.h.ts = now_ns() - g.start_ns;
    out_write((const uint8_t *)&rec, sizeof(rec));
    g_mutex_unlock(&g.out_lock);
}

static void plugin_exit(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    for (unsigned int i = 0; i < g.n_vcpus; i++) {
        flush_vcpu(&g.vcpus[i]);
    }
    write_stats();
    out_close();
}

/* ---- configuration --------------------------------------------------------------------- */

static bool parse_size(const char *s, Capture *c)
{
    char *end;
    if (strcmp(s, "-") == 0) {
        c->size_src = SIZE_NONE;
        return true;
    }
    if (strcmp(s, "ret") == 0) {
        c->size_src = SIZE_RET;
        return true;
    }
    if ((s[0] == 'a' || s[0] == 'c') && s[1]) {
        unsigned long val = strtoul(s + 1, &end, 10);
        if (*end || (s[0] == 'a' && val > 5) || val > MAX_BYTES) {
            return false;
        }
        c->size_src = s[0] == 'a' ? SIZE_ARG : SIZE_CONST;
        c->size_val = (uint32_t)val;
        return true;
    }
    return false;
}

/* The call set a `NAME ABI nr...` spec line fills, or NULL if the line is another kind. */
static bool (*call_set(const char *line))[MAX_NR]
{
    if (strncmp(line, "task_refresh ", 13) == 0) {
        return g.task_refresh;
    }
    if (strncmp(line, "noreturn ", 9) == 0) {
        return g.noreturn;
    }
    if (strncmp(line, "resumes_elsewhere ", 18) == 0) {
        return g.resumes_elsewhere;
    }
    return NULL;
}

static bool load_spec(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int lineno = 0;
    if (!f) {
        fprintf(stderr, "vmstrace plugin: cannot open spec %s: %s\n", path, strerror(errno));
        return false;
    }
    while (fgets(line, sizeof(line), f)) {
        char a[16], b[16], c[16];
        unsigned long long x, y;
        unsigned int abi, nr, arg, cap, ecap;
        unsigned long long z = 0;
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, "vmstrace-spec 1", 15) != 0) {
                goto bad;
            }
        } else if (sscanf(line, "task_ptr %llx", &x) == 1) {
            g.have_task = true;
            g.percpu_task = x;
        } else if (sscanf(line, "task_field %llx %llu", &x, &y) == 2 ||
                   sscanf(line, "task_deref %llx %llx %llu", &z, &x, &y) == 3) {
            bool deref = strncmp(line, "task_deref", 10) == 0;
            if (g.n_task_fields >= MAX_TASK_FIELDS || y == 0 || y > 64 || x > 1 << 16 ||
                (deref && z > 1 << 16)) {
                goto bad;
            }
            TaskField *t = &g.task_fields[g.n_task_fields++];
            t->off = (uint32_t)x;
            t->len = (uint32_t)y;
            t->ptr_off = deref ? (int32_t)z : -1;
            g.task_bytes += (uint32_t)y;
        } else if (call_set(line) != NULL) {
            bool(*set)[MAX_NR] = call_set(line);
            char *rest = strchr(line, ' ') + 1, *end;
            unsigned long which = strtoul(rest, &end, 10);
            if (which != 64 && which != 32) {
                goto bad;
            }
            for (rest = end; *rest && *rest != '\n';) {
                unsigned long n = strtoul(rest, &end, 10);
                if (end == rest || n >= MAX_NR) {
                    goto bad;
                }
                set[which == 32][n] = true;
                rest = end;
                while (*rest == ' ') {
                    rest++;
                }
            }
        } else if (strncmp(line, "nargs ", 6) == 0) {
            /* nargs ABI N NR...: these calls take N arguments; the rest may take all 6 */
            char *rest = line + 6, *end;
            unsigned long which = strtoul(rest, &end, 10), n;
            rest = end;
            n = strtoul(rest, &end, 10);
            if ((which != 64 && which != 32) || end == rest || n > 6) {
                goto bad;
            }
            for (rest = end; *rest == ' ';) {
                unsigned long nr = strtoul(rest, &end, 10);
                if (end == rest || nr >= MAX_NR) {
                    goto bad;
                }
                g.argmask[which == 32][nr] = (uint8_t)((1u << n) - 1);
                rest = end;
            }
            if (*rest != '\n' && *rest != 0) {
                goto bad;
            }
        } else if (strncmp(line, "fdwalk ", 7) == 0) {
            int found = 0;
            for (char *tok = strtok(line + 7, " \n"); tok; tok = strtok(NULL, " \n")) {
                char *eqs = strchr(tok, '=');
                if (!eqs) {
                    goto bad;
                }
                *eqs = 0;
                for (int k = 0; k < FDW_COUNT; k++) {
                    if (strcmp(tok, fdw_names[k]) == 0) {
                        unsigned long long val = strtoull(eqs + 1, NULL, 0);
                        if (val > (1u << 16)) {
                            goto bad;
                        }
                        g.fdw[k] = (uint32_t)val;
                        found++;
                    }
                }
            }
            if (found != FDW_COUNT) {
                goto bad;
            }
            g.have_fdw = true;
        } else if (sscanf(line, "sys %u %u %u %15s %15s %15s %u %u", &abi, &nr, &arg, a, b, c,
                          &cap, &ecap) == 8) {
            if ((abi != 64 && abi != 32) || nr >= MAX_NR || arg > 5 || cap > MAX_BYTES ||
                ecap > MAX_BYTES) {
                goto bad;
            }
            CallSpec *cs = &g.spec[abi == 32][nr];
            if (cs->n >= MAX_CAPS_PER_CALL) {
                goto bad;
            }
            Capture *cp = &cs->caps[cs->n];
            memset(cp, 0, sizeof(*cp));
            cp->arg = (uint8_t)arg;
            cp->cap = cap;
            cp->elem_cap = ecap;
            if (strcmp(a, "entry") == 0) {
                cp->when = WHEN_ENTRY;
            } else if (strcmp(a, "exit") == 0) {
                cp->when = WHEN_EXIT;
            } else if (strcmp(a, "both") == 0) {
                cp->when = WHEN_BOTH;
            } else {
                goto bad;
            }
            if (strcmp(b, "str") == 0) {
                cp->kind = KIND_STR;
            } else if (strcmp(b, "buf") == 0) {
                cp->kind = KIND_BUF;
            } else if (strcmp(b, "iov") == 0) {
                cp->kind = KIND_IOV;
            } else if (strcmp(b, "strarr") == 0) {
                cp->kind = KIND_STRARR;
            } else if (strcmp(b, "execstack") == 0) {
                cp->kind = KIND_EXECSTACK;
                cs->has_execstack = true;
            } else if (strcmp(b, "msghdr") == 0) {
                cp->kind = KIND_MSGHDR;
            } else if (strcmp(b, "fd") == 0) {
                cp->kind = KIND_FD;
            } else if (strcmp(b, "exe") == 0) {
                cp->kind = KIND_EXE;
            } else {
                goto bad;
            }
            if (!parse_size(c, cp) || (cp->size_src == SIZE_RET && cp->when != WHEN_EXIT)) {
                goto bad;
            }
            cs->n++;
        } else if (line[0] != '\n' && line[0] != '#') {
            goto bad;
        }
    }
    fclose(f);
    /* Whatever a capture reads an address or a length from is read too. */
    for (int abi = 0; abi < 2; abi++) {
        for (unsigned int nr = 0; nr < MAX_NR; nr++) {
            const CallSpec *cs = &g.spec[abi][nr];
            for (int i = 0; i < cs->n; i++) {
                g.argmask[abi][nr] |= (uint8_t)(1u << cs->caps[i].arg);
                if (cs->caps[i].size_src == SIZE_ARG) {
                    g.argmask[abi][nr] |= (uint8_t)(1u << cs->caps[i].size_val);
                }
            }
        }
    }
    return true;
bad:
    fprintf(stderr, "vmstrace plugin: %s:%d: bad spec line: %s", path, lineno, line);
    fclose(f);
    return false;
}

/* Maps the RAM file read-only; QEMU writes it, the walk reads it (MAP_SHARED). */
static bool map_ram(const char *path)
{
    struct stat st;
    if (g.ram_low == 0) {
        g.ram_low = g.ram_size;
    }
    if (g.ram_size == 0 || g.ram_size % PAGE || g.ram_low % PAGE || g.ram_low > g.ram_size ||
        g.ram_low > GIB4) {
        fprintf(stderr, "vmstrace plugin: ram=%s needs ram_size (and ram_low <= it, below "
                "4 GiB), page multiples\n", path);
        return false;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_size < g.ram_size) {
        fprintf(stderr, "vmstrace plugin: ram=%s: %s\n", path,
                fd < 0 ? strerror(errno) : "smaller than ram_size");
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    void *p = mmap(NULL, g.ram_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        fprintf(stderr, "vmstrace plugin: mmap %s: %s\n", path, strerror(errno));
        return false;
    }
    g.ram = p;
    return true;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    const char *out = NULL, *ring = NULL, *bell = NULL, *spec = NULL, *ram = NULL;
    g.batch = 1 << 16;
    memset(g.argmask, 0x3f, sizeof(g.argmask));
    g.flush_ns = 20 * 1000000ull;
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "vmstrace plugin: argument without '=': %s\n", argv[i]);
            return -1;
        }
        *eq = 0;
        const char *key = argv[i], *val = eq + 1;
        if (strcmp(key, "out") == 0) {
            out = val;
        } else if (strcmp(key, "ring") == 0) {
            ring = val;
        } else if (strcmp(key, "bell") == 0) {
            bell = val;
        } else if (strcmp(key, "spec") == 0) {
            spec = val;
        } else if (strcmp(key, "batch") == 0) {
            g.batch = (uint32_t)strtoul(val, NULL, 0);
        } else if (strcmp(key, "flush_ms") == 0) {
            g.flush_ns = strtoull(val, NULL, 0) * 1000000ull;
        } else if (strcmp(key, "ram") == 0) {
            ram = val;
        } else if (strcmp(key, "ram_size") == 0) {
            g.ram_size = strtoull(val, NULL, 0);
        } else if (strcmp(key, "ram_low") == 0) {
            g.ram_low = strtoull(val, NULL, 0);
        } else {
            fprintf(stderr, "vmstrace plugin: unknown argument %s\n", key);
            return -1;
        }
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
    if (spec && !load_spec(spec)) {
        return -1;
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
        g.vcpus[i].scratch = g_byte_array_sized_new(PAGE);
        g.vcpus[i].tcache = g_new0(TaskCacheEntry, TASK_CACHE);
        g.vcpus[i].index = i;
    }
    g.pending = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g_mutex_init(&g.out_lock);
    g_mutex_init(&g.pending_lock);
    g_mutex_init(&g.regs_lock);

    struct vmst_stream_hdr hdr = {.version = VMST_VERSION, .task_bytes = g.task_bytes};
    memcpy(hdr.magic, VMST_MAGIC, sizeof(hdr.magic));
    out_write((const uint8_t *)&hdr, sizeof(hdr));

    qemu_plugin_register_vcpu_init_cb(id, vcpu_init);
    qemu_plugin_register_vcpu_idle_cb(id, vcpu_idle);
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
