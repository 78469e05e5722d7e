/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * floor-plugin.c: the least a Nitro-style capture plugin can do, to measure what QEMU's
 * plugin API costs before any capture work (scripts/plugin-floor.sh builds and runs it).
 *
 * It traps the same instructions as vmstrace's plugin on x86_64 guests (`syscall`,
 * `sysretq`) with the same kind of callback, and in each callback reads READS_ENTRY or
 * READS_EXIT registers through qemu_plugin_read_register() and throws them away: 0 and 0
 * is the cost of the trap alone; 6 and 3 is the nine reads an x86_64 call of three
 * arguments needs at the least (entry: rip, cr3, rsp, rax and its arguments; exit: rcx,
 * rsp, rax).  It takes and ignores the options vmstrace passes its own plugin.
 */
#include "qemu_plugin_api.h"

#include <string.h>

#ifndef READS_ENTRY
#define READS_ENTRY 0
#endif
#ifndef READS_EXIT
#define READS_EXIT 0
#endif

QEMU_PLUGIN_EXPORT int qemu_plugin_version = VMSTRACE_QEMU_PLUGIN_VERSION;

static const char *const entry_names[] = {"rip", "cr3", "rsp", "rax", "rdi", "rsi",
                                          "rdx", "r10", "r8", "r9"};
static const char *const exit_names[] = {"rcx", "rsp", "rax"};
_Static_assert(READS_ENTRY <= 10 && READS_EXIT <= 3, "more reads than names");

static struct qemu_plugin_register *entry_regs[10], *exit_regs[3];
static __thread GByteArray *buf;
static GMutex lock;

static void find(const char *const *names, int n, struct qemu_plugin_register **out)
{
    GArray *list = qemu_plugin_get_registers();
    for (guint i = 0; list && i < list->len; i++) {
        qemu_plugin_reg_descriptor *d = &g_array_index(list, qemu_plugin_reg_descriptor, i);
        for (int r = 0; r < n; r++) {
            if (strcmp(d->name, names[r]) == 0) {
                out[r] = d->handle;
            }
        }
    }
    if (list) {
        g_array_free(list, TRUE);
    }
}

static void vcpu_init(qemu_plugin_id_t id, unsigned int vcpu_index)
{
    (void)id;
    (void)vcpu_index;
    g_mutex_lock(&lock);
    find(entry_names, 10, entry_regs);
    find(exit_names, 3, exit_regs);
    g_mutex_unlock(&lock);
}

static uint64_t read_all(struct qemu_plugin_register **regs, int n)
{
    uint64_t sum = 0;
    if (!buf) {
        buf = g_byte_array_new();
    }
    for (int r = 0; r < n; r++) {
        if (regs[r]) {
            buf->len = 0;
            qemu_plugin_read_register(regs[r], buf);
            sum += buf->data[0];
        }
    }
    return sum;
}

static volatile uint64_t sink;

static void on_entry(unsigned int vcpu_index, void *udata)
{
    (void)vcpu_index;
    (void)udata;
    sink += read_all(entry_regs, READS_ENTRY);
}

static void on_exit_insn(unsigned int vcpu_index, void *udata)
{
    (void)vcpu_index;
    (void)udata;
    sink += read_all(exit_regs, READS_EXIT);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint8_t b[3];
        size_t len = qemu_plugin_insn_size(insn);
        if (len != 2 && len != 3) {
            continue;
        }
        qemu_plugin_insn_data(insn, b, len);
        if (len == 2 && b[0] == 0x0f && b[1] == 0x05) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_entry, QEMU_PLUGIN_CB_R_REGS, NULL);
        } else if (len == 3 && b[0] == 0x48 && b[1] == 0x0f && b[2] == 0x07) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_exit_insn, QEMU_PLUGIN_CB_R_REGS,
                                                   NULL);
        }
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    (void)argc;
    (void)argv;
    g_mutex_init(&lock);
    qemu_plugin_register_vcpu_init_cb(id, vcpu_init);
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    return 0;
}
