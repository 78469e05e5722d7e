/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The compiled sinks' lines (_jsonl.c, _text.c): ASCII text built in one str.
 * Header-only: each extension module keeps its own copy.
 */
#ifndef VMSTRACE_SINKS_BUF_H
#define VMSTRACE_SINKS_BUF_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* The text is written straight into the str that will hold it, made with room for a
 * guess and resized (PyUnicode_Resize: a str nobody else has seen yet may be) when the
 * guess was short and at the end: no buffer to copy into a str, and no growth from a few
 * kilobytes each batch.  `hint`, the guess, is the caller's (the last batch's size). */
typedef struct {
    PyObject *s; /* the str, of `cap` characters (NULL until the first put) */
    char *p;     /* its characters */
    size_t len, cap, hint;
} Buf;

#define BUF_INIT(hint) {NULL, NULL, 0, 0, (hint)}

/* Room for `more` bytes (-1 with MemoryError). */
static int grow(Buf *b, size_t more)
{
    if (b->len + more <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap * 2 : b->hint > 256 ? b->hint : 256;
    while (cap < b->len + more)
        cap *= 2;
    if (cap > (size_t)PY_SSIZE_T_MAX) {
        PyErr_NoMemory();
        return -1;
    }
    if (b->s == NULL) {
        if ((b->s = PyUnicode_New((Py_ssize_t)cap, 127)) == NULL)
            return -1;
    } else if (PyUnicode_Resize(&b->s, (Py_ssize_t)cap) < 0) {
        return -1; /* (b->s is still the str it was: buf_drop() lets it go) */
    }
    b->p = (char *)PyUnicode_1BYTE_DATA(b->s);
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

/* A text given up (an error on the way). */
static void buf_drop(Buf *b)
{
    Py_CLEAR(b->s);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* The buffer's text as a str (every byte is ASCII: the puts' callers check); the buffer
 * is empty after, either way. */
static PyObject *buf_str(Buf *b)
{
    PyObject *out = b->s;
    b->s = NULL;
    b->p = NULL;
    if (out == NULL)
        out = PyUnicode_New(0, 127);
    else if (b->len != b->cap && PyUnicode_Resize(&out, (Py_ssize_t)b->len) < 0)
        Py_CLEAR(out);
    b->len = b->cap = 0;
    return out;
}

#endif
