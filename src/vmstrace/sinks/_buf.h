/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The compiled sinks' lines (_jsonl.c, _text.c): ASCII text built in a growing buffer,
 * then made one str.  Header-only: each extension module keeps its own copy.
 */
#ifndef VMSTRACE_SINKS_BUF_H
#define VMSTRACE_SINKS_BUF_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    char *p;
    size_t len, cap;
} Buf;

/* Room for `more` bytes (-1 with MemoryError). */
static int grow(Buf *b, size_t more)
{
    if (b->len + more <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    char *p = PyMem_Realloc(b->p, cap);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static int put(Buf *b, const char *s, size_t n)
{
    if (grow(b, n) < 0)
        return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

#define PUT_LIT(b, s) put((b), (s), sizeof(s) - 1)

/* The buffer's text as a str (every byte is ASCII: the puts' callers check), the buffer
 * freed either way. */
static PyObject *buf_str(Buf *b)
{
    PyObject *out = PyUnicode_New((Py_ssize_t)b->len, 127);
    if (out != NULL && b->len)
        memcpy(PyUnicode_1BYTE_DATA(out), b->p, b->len);
    PyMem_Free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    return out;
}

#endif
