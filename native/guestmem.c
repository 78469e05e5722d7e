/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest state for the capture plugin: registers through QEMU, guest memory through our
 * own page walk over the RAM file (QEMU's debug access as the fallback), and the current
 * task with its fields.
 */
#include <stdio.h>
#include <string.h>

#include "vmstrace_plugin.h"
#include "vmstrace_records.h"

/* ---- guest state ----------------------------------------------------------------------- */

uint64_t reg(Vcpu *v, enum reg r)
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

/* CR3, read once per callback and only if something walks the page tables. */
uint64_t vcpu_cr3(Vcpu *v)
{
    if (!v->cr3_read) {
        v->cr3 = reg(v, R_CR3);
        v->cr3_read = true;
    }
    return v->cr3;
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

/* ---- guest memory through the RAM file ------------------------------------------------- */

#define PTE_PRESENT 0x1ull
#define PTE_USER 0x4ull                   /* U/S: user mode may access the page */
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
 * At most `levels` loads; any entry outside RAM or not present fails, and with `user` so
 * does one without U/S (a page is user-accessible only if every level allows it).
 */
static bool translate(uint64_t root, int levels, uint64_t va, uint64_t *pa, bool user)
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
        if (!(e & PTE_PRESENT) || (user && !(e & PTE_USER))) {
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
bool is_kernel_ptr(uint64_t p)
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
    uint64_t cr3 = vcpu_cr3(v);
    return translate(cr3, levels, addr, pa, false) ||
           (g.kpti && is_kernel_ptr(addr) && (cr3 & CR3_KPTI_USER) &&
            translate(cr3 & ~CR3_KPTI_USER, levels, addr, pa, false));
}

/* Host address of `len` bytes at guest virtual `addr` (one page at most), or NULL. */
const uint8_t *host_addr(Vcpu *v, uint64_t addr, size_t len)
{
    uint64_t pa;
    if (!g.ram || (addr & (PAGE - 1)) + len > PAGE || !walk(v, addr, &pa)) {
        return NULL;
    }
    return phys(pa, len);
}

/*
 * Copies `len` bytes at `addr` out of the RAM file page by page, through our own walk of
 * the page tables: of `user` memory only, where the walk is the only judge; else of any
 * memory, with the vCPU's own view (qemu_plugin_read_memory_vaddr) where the walk fails.
 */
static bool read_pages(Vcpu *v, uint64_t addr, uint8_t *out, size_t len, bool user)
{
    while (len > 0) {
        size_t chunk = PAGE - (size_t)(addr & (PAGE - 1));
        if (chunk > len) {
            chunk = len;
        }
        const uint8_t *src = user ? user_host_addr(v, addr, chunk) : host_addr(v, addr, chunk);
        if (src) {
            memcpy(out, src, chunk);
        } else if (user || !qemu_read(v, addr, out, chunk)) {
            return false;
        }
        out += chunk;
        addr += chunk;
        len -= chunk;
    }
    return true;
}

/*
 * Reads guest memory (user or kernel) at a virtual address.  With the RAM file: our own
 * page walk and a copy out of the file, a fraction of the cost of QEMU's debug access;
 * without it, or where the walk fails, the vCPU's own view, which also says the final word
 * on a fault.
 */
bool guest_read(Vcpu *v, uint64_t addr, void *dst, size_t len)
{
    if (!g.ram || addr + len < addr) {
        return qemu_read(v, addr, dst, len);
    }
    return read_pages(v, addr, dst, len, false);
}

/* ---- user memory: what copy_from_user() could read ------------------------------------ */

/*
 * A syscall's pointer arguments are the caller's claims: the kernel reads them only below
 * TASK_SIZE_MAX (arch/x86/include/asm/page_64_types.h: the user half less its top guard
 * page, with 4- or 5-level paging) and only through pages mapped present and user-
 * accessible; anything else is EFAULT.  Reading the same way keeps a kernel address or an
 * unmapped page from showing up in the trace as the call's argument.
 */
static bool user_range(Vcpu *v, uint64_t addr, size_t len)
{
    uint64_t end = paging_levels(v) == 5 ? (1ull << 56) - PAGE : (1ull << 47) - PAGE;
    return addr < end && len <= end - addr;
}

/* Host address of `len` user bytes at `addr` (one page at most), or NULL. */
const uint8_t *user_host_addr(Vcpu *v, uint64_t addr, size_t len)
{
    uint64_t pa;
    if (!g.ram || (addr & (PAGE - 1)) + len > PAGE || !user_range(v, addr, len) ||
        !translate(vcpu_cr3(v), paging_levels(v), addr, &pa, true)) {
        return NULL;
    }
    return phys(pa, len);
}

/*
 * Reads user memory as the calling process's own kernel could.  With the RAM file the page
 * walk is the only judge (QEMU's debug access would read a supervisor page just as well);
 * without it, QEMU's view within the user range.
 */
bool user_read(Vcpu *v, uint64_t addr, void *dst, size_t len)
{
    if (!user_range(v, addr, len)) {
        return false;
    }
    if (!g.ram) {
        return qemu_read(v, addr, dst, len);
    }
    return read_pages(v, addr, dst, len, true);
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
uint64_t current_task(Vcpu *v)
{
    uint64_t base = g.have_task ? percpu_base(v) : 0, task = 0;
    if (!base) {
        return 0;
    }
    uint64_t slot = base + g.percpu_task;
    if (!v->task_slot && g.ram) {
        uint64_t pa;
        uint64_t cr3 = vcpu_cr3(v);
        if (!g.kpti && (cr3 & CR3_KPTI_USER) &&
            !translate(cr3, paging_levels(v), slot, &pa, false) &&
            translate(cr3 & ~CR3_KPTI_USER, paging_levels(v), slot, &pa, false)) {
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
uint64_t task_ident(Vcpu *v, size_t task_off)
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
bool read_ident(Vcpu *v, uint64_t task, uint64_t *ident)
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
uint8_t put_task_fields_cached(Vcpu *v, uint64_t task)
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
