/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A record's blobs as the record reader hands them on: one object holding a copy of the
 * record's blob area, read in place by the compiled stages (_decoder.c, _pairing.c) and
 * turned into the {argument: Mem} dict of the Python API only when Python code looks.
 *
 * Why: a record's blobs made a dict, and per blob a Mem and a bytes, which the lane read
 * back and the batch's end freed again (a tenth of the consumer's instructions a call);
 * most blobs are read once, by C, and never by Python.  The type (Blobs) lives in
 * capture/_records.c, which checked the area's framing before copying it: every header
 * and its data lie inside `raw`, so a walk here needs no bounds of its own.
 *
 * What Python sees is exactly what the reader made before (records.py's layout): the
 * mapping is built from `raw` by the same code on first use and kept.
 */
#ifndef VMSTRACE_BLOBS_H
#define VMSTRACE_BLOBS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vmstrace_records.h"

typedef struct {
    PyObject_VAR_HEAD         /* ob_size: the bytes of raw */
    PyObject *dict;           /* {arg: Mem}, made on first use from Python; NULL till then */
    uint32_t count;           /* the blobs in raw */
    uint32_t pad;
    _Alignas(8) char raw[];   /* the record's blob area: vmst_blob_hdr, data padded to 8 */
} BlobsObject;

/* One blob, read in place (data borrowed from the BlobsObject). */
typedef struct {
    const unsigned char *data;
    Py_ssize_t len;
    uint64_t addr;
    int flags;   /* VMST_BLOB_* */
    int elems;   /* the argument has element blobs (an array's reads): its Mem is needed */
} BlobView;

/* The argument's top blob, as the dict holds it (the last one of that argument: a later
 * one replaces an earlier one there): 1 with *v set, 0 when the argument has none. */
static inline int blobs_top(const BlobsObject *b, long arg, BlobView *v)
{
    const char *p = b->raw;
    int found = 0;
    v->elems = 0;
    for (uint32_t i = 0; i < b->count; i++) {
        struct vmst_blob_hdr h;
        memcpy(&h, p, sizeof(h));
        if (h.arg == arg) {
            if (h.index == VMST_INDEX_TOP) {
                found = 1;
                v->data = (const unsigned char *)p + sizeof(h);
                v->len = h.len;
                v->addr = h.addr;
                v->flags = h.flags;
            } else {
                v->elems = 1;
            }
        }
        p += sizeof(h) + (((size_t)h.len + 7) & ~(size_t)7);
    }
    return found;
}

/* The argument's element blobs (an array's reads: the strings execve's argv points to), in
 * the order they were read, one a call; a cursor starts zeroed. */
typedef struct {
    size_t off;    /* where the next blob's header starts in raw */
    uint32_t seen; /* the blobs passed */
} BlobCursor;

static inline int blobs_next_elem(const BlobsObject *b, long arg, BlobCursor *c, BlobView *v)
{
    while (c->seen < b->count) {
        struct vmst_blob_hdr h;
        const char *p = b->raw + c->off;
        memcpy(&h, p, sizeof(h));
        c->seen++;
        c->off += sizeof(h) + (((size_t)h.len + 7) & ~(size_t)7);
        if (h.arg == arg && h.index != VMST_INDEX_TOP) {
            v->data = (const unsigned char *)p + sizeof(h);
            v->len = h.len;
            v->addr = h.addr;
            v->flags = h.flags;
            v->elems = 0;
            return 1;
        }
    }
    return 0;
}

/* Which of two arguments have a top blob (bit 0: arg0, bit 1: arg1), in one walk. */
static inline unsigned blobs_have(const BlobsObject *b, long arg0, long arg1)
{
    const char *p = b->raw;
    unsigned has = 0;
    for (uint32_t i = 0; i < b->count; i++) {
        struct vmst_blob_hdr h;
        memcpy(&h, p, sizeof(h));
        if (h.index == VMST_INDEX_TOP)
            has |= (h.arg == arg0 ? 1u : 0u) | (h.arg == arg1 ? 2u : 0u);
        p += sizeof(h) + (((size_t)h.len + 7) & ~(size_t)7);
    }
    return has;
}

/* The Blobs type, from the reader's module (a new reference), for a stage that reads them
 * in place: compared by identity with an event's `mem` type. */
static inline PyTypeObject *blobs_type(void)
{
    PyObject *mod = PyImport_ImportModule("vmstrace.capture._records");
    PyObject *t = mod == NULL ? NULL : PyObject_GetAttrString(mod, "Blobs");
    Py_XDECREF(mod);
    if (t != NULL && !PyType_Check(t)) {
        Py_DECREF(t);
        PyErr_SetString(PyExc_TypeError, "vmstrace.capture._records.Blobs is not a type");
        return NULL;
    }
    return (PyTypeObject *)t;
}

#endif
