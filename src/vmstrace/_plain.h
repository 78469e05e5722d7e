/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The runs of bytes that both strace's quoting (_decoder.c) and JSON's (sinks/_jsonl.c)
 * copy as they are: printable ASCII but '"' and '\\'.  Texts are mostly such runs (paths,
 * names, file data), and testing a byte at a time was a twentieth of the consumer's
 * instructions; eight are tested at once here.  Header-only: each module keeps its copy.
 */
#ifndef VMSTRACE_PLAIN_H
#define VMSTRACE_PLAIN_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define PLAIN(b) ((b) >= 0x20 && (b) < 0x7f && (b) != '"' && (b) != '\\')

#define PLAIN_ONES 0x0101010101010101ULL
#define PLAIN_HIGH 0x8080808080808080ULL
/* Nonzero if some byte of w is below n (n <= 128), or zero: the bit hacks' hasless()
 * and haszero(), exact as a yes or no (only which byte they point at can be wrong). */
#define PLAIN_HASLESS(w, n) (((w) - PLAIN_ONES * (n)) & ~(w) & PLAIN_HIGH)
#define PLAIN_HASZERO(w) PLAIN_HASLESS(w, 1)

/* Whether all eight bytes of w are PLAIN(). */
static inline int plain8(uint64_t w)
{
    return !((w & PLAIN_HIGH) | PLAIN_HASLESS(w, 0x20) | PLAIN_HASZERO(w ^ (PLAIN_ONES * '"'))
             | PLAIN_HASZERO(w ^ (PLAIN_ONES * '\\')) | PLAIN_HASZERO(w ^ (PLAIN_ONES * 0x7f)));
}

/* The end of the run of PLAIN() bytes of d[i:n] that starts at i. */
static inline Py_ssize_t plain_end(const unsigned char *d, Py_ssize_t i, Py_ssize_t n)
{
    uint64_t w;
    while (n - i >= 8 && (memcpy(&w, d + i, 8), plain8(w)))
        i += 8;
    while (i < n && PLAIN(d[i]))
        i++;
    return i;
}

#endif
