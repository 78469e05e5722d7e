/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the capture plugin's record stream goes: a file or pipe (plugin argument out=), or
 * the ring shared with the reader (ring= and bell=, vmstrace_records.h).  Callers
 * serialise; every write is complete or the reader is gone.
 */
#ifndef VMSTRACE_OUT_H
#define VMSTRACE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool out_open_path(const char *path);
bool out_open_ring(const char *ring_path, const char *bell_path);
/* Blocks while the reader is behind (back-pressure); false once the reader went away. */
bool out_write(const uint8_t *p, size_t n);
bool out_dead(void);
/* After the last write: marks the end of the stream for the reader. */
void out_close(void);

#endif
