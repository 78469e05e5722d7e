/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The record stream's transport (vmstrace_out.h).
 *
 * The ring exists so the guest never waits for the reader's Python process while there is
 * room: a pipe holds at most 1 MiB and a reader thread draining it competes with the
 * decoder for the interpreter lock, so bursts of calls (hundreds of thousands a second
 * under TCG) stalled the vCPU.  The ring is as large as the reader makes it (--buffer-mb)
 * and costs the vCPU one memcpy per batch.
 */
#include "vmstrace_out.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmstrace_records.h"

static struct {
    int fd;                      /* out=: the file or pipe */
    struct vmst_ring_hdr *ring;  /* ring=: the shared header, data after it */
    uint8_t *data;
    uint64_t size;
    int bell;                    /* bell=: the pipe that wakes a sleeping reader */
    bool dead;
} o = {.fd = -1, .bell = -1};

bool out_open_path(const char *path)
{
    o.fd = open(path, O_WRONLY | O_CLOEXEC);
    if (o.fd < 0) {
        fprintf(stderr, "vmstrace plugin: cannot open %s: %s\n", path, strerror(errno));
        return false;
    }
    return true;
}

bool out_open_ring(const char *ring_path, const char *bell_path)
{
    struct stat st;
    struct vmst_ring_hdr hdr;
    int fd = open(ring_path, O_RDWR | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || pread(fd, &hdr, sizeof(hdr), 0) != sizeof(hdr) ||
        memcmp(hdr.magic, VMST_RING_MAGIC, 8) != 0 || hdr.version != VMST_RING_VERSION ||
        hdr.data_size == 0 || (uint64_t)st.st_size < VMST_RING_DATA_OFF + hdr.data_size) {
        fprintf(stderr, "vmstrace plugin: ring=%s: %s\n", ring_path,
                fd < 0 ? strerror(errno) : "not a vmstrace ring of the right size");
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    /* Populated up front: a first touch of a shared page costs a fault (and zeroing) that
     * would otherwise fall on the vCPU thread in the middle of a burst. */
    void *p = mmap(NULL, VMST_RING_DATA_OFF + hdr.data_size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_POPULATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        fprintf(stderr, "vmstrace plugin: mmap ring %s: %s\n", ring_path, strerror(errno));
        return false;
    }
    o.bell = open(bell_path, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
    if (o.bell < 0) {
        fprintf(stderr, "vmstrace plugin: bell=%s: %s\n", bell_path, strerror(errno));
        munmap(p, VMST_RING_DATA_OFF + hdr.data_size);
        return false;
    }
    o.ring = p;
    o.data = (uint8_t *)p + VMST_RING_DATA_OFF;
    o.size = hdr.data_size;
    return true;
}

static bool write_fd(const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(o.fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Wakes the reader if it said it is about to sleep (a full bell pipe is awake enough). */
static void ring_bell(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* head is visible before waiting is read */
    if (__atomic_exchange_n(&o.ring->waiting, 0, __ATOMIC_ACQ_REL)) {
        if (write(o.bell, "", 1) < 0 && errno == EPIPE) {
            o.dead = true;
        }
    }
}

/* The ring is full: naps of 100 us until the reader frees room, or is found gone (a pipe
 * whose reading end is closed reports POLLERR to its writer). */
static bool wait_for_room(void)
{
    struct pollfd pfd = {.fd = o.bell, .events = 0};
    struct timespec nap = {0, 100 * 1000};
    struct timespec t0, t1;
    ring_bell(); /* a reader asleep while the ring is full would never wake */
    if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLERR | POLLNVAL))) {
        return false;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* the reader only reads it (flush_vcpu's lock serialises the writers) */
    __atomic_store_n(&o.ring->stalled_ns,
                     o.ring->stalled_ns + (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL +
                                                     (t1.tv_nsec - t0.tv_nsec)),
                     __ATOMIC_RELAXED);
    return true;
}

static bool write_ring(const uint8_t *p, size_t n)
{
    uint64_t head = o.ring->head; /* only this side writes it */
    while (n > 0) {
        uint64_t tail = __atomic_load_n(&o.ring->tail, __ATOMIC_ACQUIRE);
        /* A tail past head or a ring behind is no room (the reader's word is untrusted). */
        uint64_t room = head - tail > o.size ? 0 : o.size - (head - tail);
        if (room == 0) {
            if (!wait_for_room()) {
                return false;
            }
            continue;
        }
        uint64_t at = head % o.size;
        size_t chunk = n;
        if (chunk > room) {
            chunk = (size_t)room;
        }
        if (chunk > o.size - at) {
            chunk = (size_t)(o.size - at);
        }
        memcpy(o.data + at, p, chunk);
        head += chunk;
        __atomic_store_n(&o.ring->head, head, __ATOMIC_RELEASE);
        p += chunk;
        n -= chunk;
    }
    ring_bell();
    return true;
}

bool out_write(const uint8_t *p, size_t n)
{
    if (o.dead) {
        return false;
    }
    if (!(o.ring ? write_ring(p, n) : write_fd(p, n))) {
        o.dead = true;
    }
    return !o.dead;
}

bool out_dead(void)
{
    return o.dead;
}

void out_close(void)
{
    if (o.ring) {
        __atomic_store_n(&o.ring->closed, 1, __ATOMIC_SEQ_CST);
        if (write(o.bell, "", 1) < 0) {
            /* a reader that is gone needs no wake-up */
        }
        close(o.bell);
        o.bell = -1;
    }
    if (o.fd >= 0) {
        close(o.fd);
        o.fd = -1;
    }
}
