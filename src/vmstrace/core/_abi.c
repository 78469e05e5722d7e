/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capture plugin's constants and record layouts, as the plugin's own headers define
 * them (native/vmstrace_records.h, native/vmstrace_spec.h), for the Python side: built from
 * those headers, so Python keeps no copy of a number the plugin writes or enforces.
 * vmstrace.core.abi is its one user and the rest of the package's way to it.
 *
 * Every struct of the record stream is described field by field (name, offset, size), so
 * the reader's struct formats can be held to the plugin's layout (tests/unit/test_abi.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stddef.h>

#include "vmstrace_records.h"
#include "vmstrace_spec.h"

typedef struct {
    const char *name;
    size_t offset, size;
} Field;

#define FIELD(type, member) \
    {#member, offsetof(struct type, member), sizeof(((struct type *)0)->member)}

static const Field stream_hdr[] = {
    FIELD(vmst_stream_hdr, magic), FIELD(vmst_stream_hdr, version),
    FIELD(vmst_stream_hdr, task_bytes),
};
static const Field rec_hdr[] = {
    FIELD(vmst_rec_hdr, type), FIELD(vmst_rec_hdr, vcpu), FIELD(vmst_rec_hdr, size),
    FIELD(vmst_rec_hdr, ts),
};
static const Field entry[] = {
    FIELD(vmst_entry, cr3), FIELD(vmst_entry, task), FIELD(vmst_entry, pc),
    FIELD(vmst_entry, sp), FIELD(vmst_entry, nr), FIELD(vmst_entry, args),
    FIELD(vmst_entry, seq), FIELD(vmst_entry, abi), FIELD(vmst_entry, insn),
    FIELD(vmst_entry, task_ok), FIELD(vmst_entry, flags), FIELD(vmst_entry, nblobs),
};
static const Field exit_[] = {
    FIELD(vmst_exit, cr3), FIELD(vmst_exit, task), FIELD(vmst_exit, pc),
    FIELD(vmst_exit, ret), FIELD(vmst_exit, nr), FIELD(vmst_exit, sp),
    FIELD(vmst_exit, user_pc), FIELD(vmst_exit, rdi), FIELD(vmst_exit, seq),
    FIELD(vmst_exit, abi), FIELD(vmst_exit, insn), FIELD(vmst_exit, task_ok),
    FIELD(vmst_exit, flags), FIELD(vmst_exit, nblobs),
};
static const Field stats[] = {
    FIELD(vmst_stats, entries), FIELD(vmst_stats, exits), FIELD(vmst_stats, records),
    FIELD(vmst_stats, bytes), FIELD(vmst_stats, dropped), FIELD(vmst_stats, orphan_exits),
    FIELD(vmst_stats, pending), FIELD(vmst_stats, evicted_pending),
    FIELD(vmst_stats, evicted_threads),
};
static const Field blob_hdr[] = {
    FIELD(vmst_blob_hdr, arg), FIELD(vmst_blob_hdr, flags), FIELD(vmst_blob_hdr, index),
    FIELD(vmst_blob_hdr, len), FIELD(vmst_blob_hdr, addr),
};
static const Field fd_hdr[] = {
    FIELD(vmst_fd_hdr, ino), FIELD(vmst_fd_hdr, mode), FIELD(vmst_fd_hdr, magic),
    FIELD(vmst_fd_hdr, ncomp), FIELD(vmst_fd_hdr, flags),
};
static const Field fd_socket[] = {
    FIELD(vmst_fd_socket, family), FIELD(vmst_fd_socket, type),
    FIELD(vmst_fd_socket, protocol), FIELD(vmst_fd_socket, lport),
    FIELD(vmst_fd_socket, rport), FIELD(vmst_fd_socket, unix_len),
    FIELD(vmst_fd_socket, laddr), FIELD(vmst_fd_socket, raddr), FIELD(vmst_fd_socket, peer),
};
static const Field ring_hdr[] = {
    FIELD(vmst_ring_hdr, magic), FIELD(vmst_ring_hdr, version),
    FIELD(vmst_ring_hdr, data_size), FIELD(vmst_ring_hdr, head), FIELD(vmst_ring_hdr, tail),
    FIELD(vmst_ring_hdr, waiting), FIELD(vmst_ring_hdr, closed),
    FIELD(vmst_ring_hdr, stalled_ns),
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* PyModule_Add (3.13): adds `value` as `name`, taking the reference (also on failure). */
static int add(PyObject *m, const char *name, PyObject *value)
{
    int rc = value == NULL ? -1 : PyModule_AddObjectRef(m, name, value);
    Py_XDECREF(value);
    return rc;
}

/* ((name, offset, size), ...) for one struct, and sizeof the struct. */
static PyObject *layout(const Field *f, size_t n, size_t size)
{
    PyObject *fields = PyTuple_New((Py_ssize_t)n);
    if (fields == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *row = Py_BuildValue("(snn)", f[i].name, (Py_ssize_t)f[i].offset,
                                      (Py_ssize_t)f[i].size);
        if (row == NULL) {
            Py_DECREF(fields);
            return NULL;
        }
        PyTuple_SET_ITEM(fields, (Py_ssize_t)i, row);
    }
    return Py_BuildValue("(Nn)", fields, (Py_ssize_t)size);
}

static int add_layouts(PyObject *m)
{
    static const struct {
        const char *name;
        const Field *fields;
        size_t n, size;
    } structs[] = {
        {"stream_hdr", stream_hdr, NFIELDS(stream_hdr), sizeof(struct vmst_stream_hdr)},
        {"rec_hdr", rec_hdr, NFIELDS(rec_hdr), sizeof(struct vmst_rec_hdr)},
        {"entry", entry, NFIELDS(entry), sizeof(struct vmst_entry)},
        {"exit", exit_, NFIELDS(exit_), sizeof(struct vmst_exit)},
        {"stats", stats, NFIELDS(stats), sizeof(struct vmst_stats)},
        {"blob_hdr", blob_hdr, NFIELDS(blob_hdr), sizeof(struct vmst_blob_hdr)},
        {"fd_hdr", fd_hdr, NFIELDS(fd_hdr), sizeof(struct vmst_fd_hdr)},
        {"fd_socket", fd_socket, NFIELDS(fd_socket), sizeof(struct vmst_fd_socket)},
        {"ring_hdr", ring_hdr, NFIELDS(ring_hdr), sizeof(struct vmst_ring_hdr)},
    };
    PyObject *d = PyDict_New();
    if (d == NULL)
        return -1;
    for (size_t i = 0; i < NFIELDS(structs); i++) {
        PyObject *l = layout(structs[i].fields, structs[i].n, structs[i].size);
        if (l == NULL || PyDict_SetItemString(d, structs[i].name, l) < 0) {
            Py_XDECREF(l);
            Py_DECREF(d);
            return -1;
        }
        Py_DECREF(l);
    }
    return add(m, "LAYOUTS", d);
}

/* A tuple of the words of one of vmstrace_spec.h's X-macro lists. */
static PyObject *words(const char *const *w, size_t n)
{
    PyObject *t = PyTuple_New((Py_ssize_t)n);
    if (t == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *s = PyUnicode_InternFromString(w[i]);
        if (s == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, (Py_ssize_t)i, s);
    }
    return t;
}

static int add_spec_words(PyObject *m)
{
    static const char *const fdwalk_keys[] = {
#define X(name, word) #word,
        VMST_FDWALK_KEYS(X)
    };
    static const char *const kinds[] = {
        VMST_SPEC_KINDS(X)
#undef X
    };
    if (add(m, "FDWALK_KEYS", words(fdwalk_keys, NFIELDS(fdwalk_keys))) < 0
        || add(m, "SPEC_KINDS", words(kinds, NFIELDS(kinds))) < 0)
        return -1;
    return add(m, "SPEC_HEADER", PyUnicode_FromString(VMST_SPEC_HEADER));
}

static int exec_module(PyObject *m)
{
    static const struct {
        const char *name;
        long long value;
    } ints[] = {
#define INT(name) {#name, VMST_##name}
        INT(VERSION), INT(REC_ENTRY), INT(REC_EXIT), INT(REC_STATS),
        INT(ABI_X86_64), INT(ABI_I386),
        INT(INSN_SYSCALL), INT(INSN_SYSENTER), INT(INSN_INT80), INT(INSN_SYSRETQ),
        INT(INSN_SYSRETL), INT(INSN_SYSEXIT), INT(INSN_IRETQ),
        INT(BLOB_FAULT), INT(BLOB_TRUNC), INT(BLOB_EXIT), INT(BLOB_ARRAY),
        INT(INDEX_TOP), INT(INDEX_MSG_NAME), INT(INDEX_MSG_CONTROL), INT(INDEX_MSG_IOV),
        INT(INDEX_MSG_FDS), INT(MSG_FDS_LIMIT), INT(MSG_CONTROL_CAP),
        INT(MAX_MMSG), INT(MAX_MMSG_IOV),
        INT(ARG_SIGFRAME), INT(ARG_RETFD), INT(ARG_EXE), INT(ARG_RAX),
        INT(SIGFRAME_BYTES), INT(FRAME_RAX), INT(FRAME_RSP), INT(FRAME_RIP),
        INT(FRAME_SIGMASK), INT(FRAME_SIGINFO), INT(SIGINFO_BYTES),
        INT(SIGFRAME32_BYTES), INT(FRAME32_SP), INT(FRAME32_AX), INT(FRAME32_IP),
        INT(RT_SIGFRAME32_BYTES), INT(RT_FRAME32_SIGINFO), INT(RT_FRAME32_UC),
        INT(RT_FRAME32_SP), INT(RT_FRAME32_AX), INT(RT_FRAME32_IP),
        INT(ENTRY_PC_UNSURE), INT(EXIT_ELSEWHERE), INT(EXIT_RESTART), INT(FD_CUT), INT(FD_DELETED),
        INT(FD_PSEUDO), INT(FD_MAX_COMPONENTS),
        INT(RING_VERSION), INT(RING_DATA_OFF),
        INT(MAX_NR), INT(MAX_BYTES), INT(MAX_ELEMS), INT(MAX_RECORD_BLOBS), INT(MAX_FDARR),
        INT(MAX_FDLIST), INT(MAX_FDBITS),
#undef INT
    };
    for (size_t i = 0; i < NFIELDS(ints); i++) {
        if (add(m, ints[i].name, PyLong_FromLongLong(ints[i].value)) < 0)
            return -1;
    }
    /* the magics without their C strings' NUL: the 8 bytes the stream carries */
    if (add(m, "MAGIC", PyBytes_FromStringAndSize(VMST_MAGIC, 8)) < 0
        || add(m, "RING_MAGIC", PyBytes_FromStringAndSize(VMST_RING_MAGIC, 8)) < 0)
        return -1;
    return add_layouts(m) < 0 || add_spec_words(m) < 0 ? -1 : 0;
}

_Static_assert(sizeof(VMST_MAGIC) == 9 && sizeof(VMST_RING_MAGIC) == 9, "8-byte magics");

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, exec_module},
    {0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "vmstrace.core._abi",
    "The capture plugin's constants and record layouts, from its headers (see abi.py).", 0,
    NULL, slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__abi(void)
{
    return PyModuleDef_Init(&module);
}
