/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory captures: what the capture spec asks the plugin to copy out of the guest for a
 * call's arguments (docs/event-format.md), every length capped, every pointer suspect.
 */
#include <stdio.h>
#include <string.h>

#include "vmstrace_plugin.h"
#include "vmstrace_records.h"

/* ---- memory captures ------------------------------------------------------------------- */

/*
 * Appends one blob: header, then up to `cap` bytes of user memory from `addr` read page by
 * page so a fault keeps the readable prefix.  For strings, stops after the NUL.
 */
void put_blob(Vcpu *v, uint8_t arg, uint16_t index, uint8_t flags, uint64_t addr,
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
        const uint8_t *src = user_host_addr(v, a, chunk);
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
        if (!user_read(v, a, v->out->data + doff, chunk)) {
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
    /* argc is bounded by the kernel (MAX_ARG_STRINGS, include/uapi/linux/binfmts.h); the
     * reads below stop at the capture's cap and at VMST_MAX_ELEMS, not at argc */
    if (!user_read(v, sp, &argc, ptr) || argc > 0x7fffffff) {
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
        if (!user_read(v, argv + i * ptr, &p, ptr) || p == 0) {
            break;
        }
        put_blob(v, a + 1, (uint16_t)i, VMST_BLOB_EXIT, p, c->elem_cap, c->elem_cap, true,
                 budget);
        n++;
    }
    for (i = 0; i < VMST_MAX_ELEMS; i++) {
        p = 0;
        if (!user_read(v, envp + i * ptr, &p, ptr) || p == 0) {
            break;
        }
    }
    /* more variables than VMST_MAX_ELEMS: the pointers read, marked cut, and no auxv (it
     * starts after the NULL that was not reached) */
    bool env_cut = i == VMST_MAX_ELEMS;
    uint64_t nenv = env_cut ? i : i + 1;
    hoff = v->out->len;
    put_blob(v, a + 2, VMST_INDEX_TOP, VMST_BLOB_EXIT | VMST_BLOB_ARRAY, envp, nenv * ptr,
             (uint32_t)(nenv * ptr), false, budget);
    n++;
    if (env_cut) {
        ((struct vmst_blob_hdr *)(v->out->data + hoff))->flags |= VMST_BLOB_TRUNC;
        return n;
    }
    uint64_t auxv = envp + (i + 1) * ptr;
    for (i = 0; i < 64; i++) {
        uint64_t type = 0, val = 0;
        if (!user_read(v, auxv + 2 * i * ptr, &type, ptr) || !user_read(v, auxv + (2 * i + 1) * ptr, &val, ptr) ||
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
void put_raw_blob(Vcpu *v, uint8_t arg, uint16_t index, uint8_t flags, uint64_t addr,
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
#define NSFS_MAGIC 0x6E736673u
/* the guest's i_mode: a character or block device (include/uapi/linux/stat.h) */
#define IS_DEVICE(mode) (((mode) & 0170000) == 0020000 || ((mode) & 0170000) == 0060000)
#define AT_FDCWD (-100)           /* include/uapi/linux/fcntl.h */

/* Appends a dentry's name (u16 length, then the bytes) to an fd blob's names at *pos. */
static bool put_name(Vcpu *v, uint64_t dentry, uint8_t *buf, uint32_t *pos)
{
    const uint32_t *o = g.fdw;
    uint64_t name = 0;
    uint32_t len = 0;
    if (!guest_read(v, dentry + o[FDW_D_NAME] + o[FDW_QSTR_LEN], &len, 4) ||
        !k64(v, dentry + o[FDW_D_NAME] + o[FDW_QSTR_NAME], &name) || len > 255 ||
        *pos + 2 + len > 4096 || !guest_read(v, name, buf + *pos + 2, len)) {
        return false;
    }
    uint16_t l16 = (uint16_t)len;
    memcpy(buf + *pos, &l16, 2);
    *pos += 2 + len;
    return true;
}

/* A namespace file's type ("net", "mnt"...): what fs/nsfs.c's ns_dname prints before the
 * inode number, from the proc_ns_operations its dentry's d_fsdata points to; a name as
 * put_name appends one. */
static bool put_ns_name(Vcpu *v, uint64_t dentry, uint8_t *buf, uint32_t *pos)
{
    const uint32_t *o = g.fdw;
    uint64_t ops = 0, name = 0;
    char text[16];
    if (!k64(v, dentry + o[FDW_D_FSDATA], &ops) || !k64(v, ops + o[FDW_NS_OPS_NAME], &name) ||
        !guest_read(v, name, text, sizeof(text))) {
        return false;
    }
    uint16_t len = (uint16_t)strnlen(text, sizeof(text));
    if (len == sizeof(text)) {
        return false; /* every type name is short: this is not one */
    }
    memcpy(buf + *pos, &len, 2);
    memcpy(buf + *pos + 2, text, len);
    *pos += 2 + len;
    return true;
}

/* The blob (vmst_fd_hdr, names, vmst_fd_socket: vmstrace_records.h) describing the struct
 * path at `path`; `file` (0: none, the cwd) is the struct file it belongs to, for a
 * socket's details. */
static int put_path_blob(Vcpu *v, uint8_t arg, uint16_t index, uint8_t flags, uint64_t path,
                         uint64_t file)
{
    const uint32_t *o = g.fdw;
    uint64_t mnt, dentry, inode, sb, mount;
    uint32_t magic = 0;
    uint16_t mode = 0;
    if (!k64(v, path + o[FDW_PATH_MNT], &mnt) || !k64(v, path + o[FDW_PATH_DENTRY], &dentry)) {
        return 0;
    }
    uint8_t buf[4096 + sizeof(struct vmst_fd_socket) + 128];
    uint32_t pos = sizeof(struct vmst_fd_hdr), ncomp = 0, cut = 0;
    uint64_t ino = 0;
    uint32_t rdev = 0;
    if (k64(v, dentry + o[FDW_D_INODE], &inode)) {
        guest_read(v, inode + o[FDW_I_INO], &ino, 8);
        guest_read(v, inode + o[FDW_I_MODE], &mode, 2);
        if (IS_DEVICE(mode)) {
            guest_read(v, inode + o[FDW_I_RDEV], &rdev, 4);
        }
        if (k64(v, inode + o[FDW_I_SB], &sb)) {
            guest_read(v, sb + o[FDW_S_MAGIC], &magic, 4);
        }
    }
    mount = mnt - o[FDW_MOUNT_MNT];
    uint32_t fdflags = 0;
    for (int depth = 0; depth < VMST_FD_MAX_COMPONENTS; depth++) {
        uint64_t root = 0, parent = 0, pprev = 1;
        k64(v, mnt + o[FDW_MNT_ROOT], &root);
        if (!k64(v, dentry + o[FDW_D_PARENT], &parent)) {
            cut = 1;
            break;
        }
        if (depth == 0 && dentry == parent && dentry != root) {
            /* no tree above it: the kernel names it by its filesystem (memfd:, anon_inode:) */
            fdflags |= VMST_FD_PSEUDO;
            if (magic == NSFS_MAGIC ? put_ns_name(v, dentry, buf, &pos)
                                    : put_name(v, dentry, buf, &pos)) {
                ncomp = 1;
            }
            break;
        }
        if (depth == 0 && dentry != parent &&
            guest_read(v, dentry + o[FDW_D_HASH_PPREV], &pprev, 8) && pprev == 0) {
            fdflags |= VMST_FD_DELETED; /* d_unlinked: unhashed, not a root */
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
        if (!put_name(v, dentry, buf, &pos)) {
            cut = 1;
            break;
        }
        ncomp++;
        dentry = parent;
    }
    struct vmst_fd_hdr hdr = {.ino = ino, .mode = mode, .magic = magic, .ncomp = ncomp,
                              .flags = fdflags | (cut ? VMST_FD_CUT : 0)};
    memcpy(buf, &hdr, sizeof(hdr));
    uint64_t sock, sk;
    if (magic == SOCKFS_MAGIC && file && k64(v, file + o[FDW_PRIVATE_DATA], &sock) &&
        k64(v, sock + o[FDW_SOCKET_SK], &sk)) {
        /* struct sock_common / struct sock (include/net/sock.h), struct unix_sock */
        struct vmst_fd_socket s = {0};
        uint8_t *tail = buf + pos + sizeof(s); /* what follows it: a path, two addresses */
        uint64_t addr = 0;
        uint32_t ulen = 0;
        guest_read(v, sk + o[FDW_SKC_FAMILY], &s.family, 2);
        guest_read(v, sk + o[FDW_SK_TYPE], &s.type, 2);
        guest_read(v, sk + o[FDW_SK_PROTOCOL], &s.protocol, 2);
        guest_read(v, sk + o[FDW_SKC_NUM], &s.lport, 2);
        guest_read(v, sk + o[FDW_SKC_DPORT], &s.rport, 2);
        guest_read(v, sk + o[FDW_SKC_RCV_SADDR], &s.laddr, 4);
        guest_read(v, sk + o[FDW_SKC_DADDR], &s.raddr, 4);
        pos += sizeof(s);
        if (s.family == 10 /* AF_INET6 */) {
            guest_read(v, sk + o[FDW_SKC_V6_RCV_SADDR], tail, 16);
            guest_read(v, sk + o[FDW_SKC_V6_DADDR], tail + 16, 16);
            pos += 32;
        } else if (s.family == 1 /* AF_UNIX */) {
            uint64_t peer = 0;
            k64(v, sk + o[FDW_UNIX_PEER], &peer);
            s.peer = peer;
            if (k64(v, sk + o[FDW_UNIX_ADDR], &addr) &&
                guest_read(v, addr + o[FDW_UNIX_ADDR_LEN], &ulen, 4) && ulen > 2 && ulen <= 110 &&
                guest_read(v, addr + o[FDW_UNIX_ADDR_NAME] + 2, tail, ulen - 2)) {
                s.unix_len = (uint16_t)(ulen - 2);
                pos += ulen - 2;
            }
        }
        memcpy(tail - sizeof(s), &s, sizeof(s));
    }
    if (IS_DEVICE(mode)) { /* a device: its number follows the names */
        memcpy(buf + pos, &rdev, 4);
        pos += 4;
    }
    put_raw_blob(v, arg, index, flags, file ? file : path, buf, pos);
    return 1;
}

static int put_file_blob(Vcpu *v, uint8_t arg, uint16_t index, uint8_t flags, uint64_t file)
{
    return put_path_blob(v, arg, index, flags, file + g.fdw[FDW_F_PATH], file);
}

/* What fd `fd` of the current task refers to: task->files->fdt->fd[fd]; the blob gets
 * `index` (VMST_INDEX_TOP, or its place in an fdarr capture's array). */
static int capture_fd(Vcpu *v, uint8_t arg, uint16_t index, uint8_t flags, int64_t fd)
{
    const uint32_t *o = g.fdw;
    uint64_t task, files, fdt, arr, file, fs;
    uint32_t max_fds = 0;
    if (g.have_fdw && fd == AT_FDCWD && (task = current_task(v)) &&
        k64(v, task + o[FDW_FS], &fs)) {
        /* AT_FDCWD: the working directory, task->fs->pwd (include/linux/fs_struct.h) */
        return put_path_blob(v, arg, index, flags, fs + o[FDW_FS_PWD], 0);
    }
    if (!g.have_fdw || fd < 0 || fd >= (1 << 20) || !(task = current_task(v)) ||
        !k64(v, task + o[FDW_FILES], &files) || !k64(v, files + o[FDW_FDT], &fdt) ||
        !guest_read(v, fdt + o[FDW_MAX_FDS], &max_fds, 4) || (uint64_t)fd >= max_fds ||
        !k64(v, fdt + o[FDW_FD], &arr) || !k64(v, arr + (uint64_t)fd * 8, &file)) {
        return 0; /* not open, or unreadable: the decoder prints the bare number */
    }
    return put_file_blob(v, arg, index, flags, file);
}

/*
 * The fds of an int array at `addr`, one every `stride` bytes: `count` of them, each
 * resolved as capture_fd does, as elements 0.. of the argument.  At exit the two a
 * successful pipe2 or socketpair stored; at entry the first ints of poll's struct pollfd
 * entries (at most VMST_MAX_FDLIST).
 */
static int capture_fdarr(Vcpu *v, uint8_t arg, uint8_t flags, uint64_t addr, uint64_t count,
                         uint32_t stride)
{
    int n = 0;
    for (uint64_t i = 0; i < count && i < VMST_MAX_FDLIST; i++) {
        int32_t fd;
        if (!user_read(v, addr + i * stride, &fd, 4)) {
            break;
        }
        n += fd >= 0 ? capture_fd(v, arg, (uint16_t)i, flags, fd) : 0;
    }
    return n;
}

/*
 * The fds set in a bitmap at `addr` of `nfds` bits (select's fd_set, at most
 * VMST_MAX_FDBITS bits), the first `cap` of them each resolved as capture_fd does, as
 * elements of the argument indexed by the fd itself.
 */
static int capture_fdbits(Vcpu *v, uint8_t arg, uint8_t flags, uint64_t addr, uint64_t nfds,
                          uint32_t cap)
{
    uint8_t bits[VMST_MAX_FDBITS / 8];
    uint32_t nbits = nfds < VMST_MAX_FDBITS ? (uint32_t)nfds : VMST_MAX_FDBITS;
    uint32_t done = 0;
    int n = 0;
    if (nbits == 0 || !user_read(v, addr, bits, (nbits + 7) / 8)) {
        return 0;
    }
    for (uint32_t fd = 0; fd < nbits && done < cap; fd++) {
        if (bits[fd / 8] & (1u << (fd % 8))) {
            n += capture_fd(v, arg, (uint16_t)fd, flags, fd);
            done++;
        }
    }
    return n;
}

/*
 * What the fds a msghdr's SCM_RIGHTS control messages carry refer to (strace -y prints
 * them in cmsg_data): the sender's at entry, the receiver's new ones at exit.  The header
 * and the control data (as much as a msghdr capture reads of it) are read again here; each
 * fd is resolved as capture_fd does, at most `cap` of them, as element VMST_INDEX_MSG_FDS +
 * its number: keyed by the number, not by its place, so that a message changed between
 * the two reads cannot lend one fd's file to another.
 */
static int capture_cmsg_fds(Vcpu *v, uint8_t arg, uint8_t flags, uint64_t addr, uint32_t cap)
{
    uint8_t hdr[56], buf[VMST_MSG_CONTROL_CAP];
    uint64_t control, controllen;
    if (!user_read(v, addr, hdr, sizeof(hdr))) {
        return 0;
    }
    memcpy(&control, hdr + 32, 8);
    memcpy(&controllen, hdr + 40, 8);
    uint32_t len = controllen < sizeof(buf) ? (uint32_t)controllen : (uint32_t)sizeof(buf);
    if (control == 0 || len < 16 || !user_read(v, control, buf, len)) {
        return 0;
    }
    int n = 0;
    uint32_t done = 0;
    /* struct cmsghdr: cmsg_len (u64), cmsg_level, cmsg_type (int), then the data; each
     * message padded to 8 bytes (CMSG_NXTHDR) */
    for (uint32_t off = 0; off + 16 <= len && done < cap;) {
        uint64_t clen;
        int32_t level, type;
        memcpy(&clen, buf + off, 8);
        memcpy(&level, buf + off + 8, 4);
        memcpy(&type, buf + off + 12, 4);
        if (clen < 16) {
            break;
        }
        uint32_t end = clen < len - off ? off + (uint32_t)clen : len;
        for (uint32_t at = off + 16; level == 1 && type == 1 && at + 4 <= end && done < cap;
             at += 4) { /* SOL_SOCKET, SCM_RIGHTS: ints */
            int32_t fd;
            memcpy(&fd, buf + at, 4);
            if (fd >= 0 && fd < (int32_t)VMST_MSG_FDS_LIMIT) {
                n += capture_fd(v, arg, (uint16_t)(VMST_INDEX_MSG_FDS + fd), flags, fd);
                done++;
            }
        }
        uint64_t step = (clen + 7) & ~7ull;
        if (step >= len - off) {
            break;
        }
        off += (uint32_t)step;
    }
    return n;
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
    return put_file_blob(v, VMST_ARG_EXE, VMST_INDEX_TOP, flags, file);
}

/*
 * An array capture: `iov` (struct iovec[count], then each buffer, at most `remaining` bytes
 * in all, UINT64_MAX for no limit) or `strarr` (NULL-terminated pointers, at most `cap`,
 * then each string).  The array blob gets `index`; its elements are numbered from 0.
 * Returns the blobs written.
 */
static int put_array(Vcpu *v, uint8_t arg, uint16_t index, uint16_t first, uint8_t flags,
                     bool iov, uint8_t abi, uint64_t addr, uint64_t count, uint32_t cap,
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
    if (count > VMST_MAX_ELEMS) {
        count = VMST_MAX_ELEMS;
        more = true;
    }
    if (!iov) {
        /* Count the pointers up to the NULL terminator (included), within the cap. */
        uint64_t i = 0, p = 0;
        for (; i < count; i++) {
            p = 0;
            if (!user_read(v, addr + i * ptr, &p, ptr) || p == 0) {
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
            /* UINT64_MAX: no total (an entry read): the lengths, which the kernel has not
             * checked yet, may add up past it, and must not starve the later buffers */
            if (remaining != UINT64_MAX) {
                if (len > remaining) {
                    len = remaining;
                }
                remaining -= len;
            }
        }
        if (elem_cap > 0 && p != 0) {
            put_blob(v, arg, (uint16_t)(first + i), flags, p, len, elem_cap, !iov, budget);
            n++;
        }
    }
    g_free(elems);
    return n;
}

#define MSGHDR_BYTES 56u
#define MMSGHDR_BYTES 64u

/*
 * A msghdr's parts, from its 56 bytes `hdr` (msg_name, msg_namelen, msg_iov, msg_iovlen,
 * msg_control, msg_controllen, msg_flags): the name (at most 128 bytes, sockaddr_storage)
 * at index `name`, the control data (at most VMST_MSG_CONTROL_CAP) at `name` + 1, the
 * iovec array at `name` + 2 and its buffers (an iov capture's: at most `cap` of them,
 * `elem_cap` bytes each, `remaining` bytes in all) at `first`, `first` + 1, ...
 */
static int put_msghdr_parts(Vcpu *v, uint8_t arg, uint8_t flags, const uint8_t *hdr,
                            uint16_t name, uint16_t first, uint32_t cap, uint32_t elem_cap,
                            uint64_t remaining, uint32_t *budget)
{
    uint64_t name_at, iov, iovlen, control, controllen;
    uint32_t namelen;
    int n = 0;
    memcpy(&name_at, hdr, 8);
    memcpy(&namelen, hdr + 8, 4);
    memcpy(&iov, hdr + 16, 8);
    memcpy(&iovlen, hdr + 24, 8);
    memcpy(&control, hdr + 32, 8);
    memcpy(&controllen, hdr + 40, 8);
    if (name_at && namelen) {
        put_blob(v, arg, name, flags, name_at, namelen, 128, false, budget);
        n++;
    }
    if (control && controllen) {
        put_blob(v, arg, (uint16_t)(name + 1), flags, control, controllen, VMST_MSG_CONTROL_CAP,
                 false, budget);
        n++;
    }
    if (iov) {
        n += put_array(v, arg, (uint16_t)(name + 2), first, flags, true, ABI_64, iov, iovlen,
                       cap, elem_cap, remaining, budget);
    }
    return n;
}

int do_capture(Vcpu *v, const Capture *c, uint8_t abi, const uint64_t *args,
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
            return at_exit ? capture_fd(v, VMST_ARG_RETFD, VMST_INDEX_TOP, flags, ret) : 0;
        }
        /* the kernel takes an fd argument as an int (or unsigned int): its low 32 bits,
         * whatever the rest of the register holds (AT_FDCWD often as 0xffffff9c) */
        return capture_fd(v, c->arg, VMST_INDEX_TOP, flags, (int32_t)addr);
    }
    if (c->kind == KIND_FDARR) {
        uint64_t at = abi == ABI_32 ? addr & 0xffffffffu : addr;
        if (c->when == WHEN_ENTRY) { /* poll: the count in an argument, the read capped */
            uint64_t count = capture_size(c, args, ret);
            return at != 0 ? capture_fdarr(v, c->arg, flags, at, count < c->cap ? count : c->cap,
                                           c->elem_cap)
                           : 0;
        }
        return at_exit && ret == 0 && at != 0 ? capture_fdarr(v, c->arg, flags, at, c->size_val, 4)
                                              : 0;
    }
    if (c->kind == KIND_CMSGFDS) { /* entry or exit (config.c); at exit, of a call that worked */
        return addr != 0 && abi == ABI_64 && !(at_exit && ret < 0)
                   ? capture_cmsg_fds(v, c->arg, flags, addr, c->cap)
                   : 0;
    }
    if (c->kind == KIND_FDBITS) { /* entry only (config.c): select's sets */
        uint64_t at = abi == ABI_32 ? addr & 0xffffffffu : addr;
        int32_t nfds = (int32_t)capture_size(c, args, ret); /* the kernel's int nfds */
        return at != 0 && nfds > 0 ? capture_fdbits(v, c->arg, flags, at, (uint64_t)nfds, c->cap)
                                   : 0;
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
    case KIND_FDARR:
    case KIND_FDBITS:
    case KIND_CMSGFDS:
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
        n = put_array(v, c->arg, VMST_INDEX_TOP, 0, flags, c->kind == KIND_IOV, abi, addr,
                      c->kind == KIND_IOV ? capture_size(c, args, ret) : c->cap, c->cap,
                      c->elem_cap, at_exit && ret >= 0 ? (uint64_t)ret : UINT64_MAX, budget);
        break;
    case KIND_MSGHDR: {
        /* struct user_msghdr (include/linux/socket.h, x86_64): 56 bytes, then its parts */
        size_t hoff = v->out->len;
        put_blob(v, c->arg, VMST_INDEX_TOP, flags, addr, MSGHDR_BYTES, MSGHDR_BYTES, false,
                 budget);
        n = 1;
        const struct vmst_blob_hdr *h = (const void *)(v->out->data + hoff);
        if (abi != ABI_64 || h->len < MSGHDR_BYTES) {
            break;
        }
        uint8_t hdr[MSGHDR_BYTES];
        memcpy(hdr, v->out->data + hoff + sizeof(*h), sizeof(hdr));
        n += put_msghdr_parts(v, c->arg, flags, hdr, VMST_INDEX_MSG_NAME, 0, c->cap,
                              c->elem_cap, at_exit && ret >= 0 ? (uint64_t)ret : UINT64_MAX,
                              budget);
        break;
    }
    case KIND_MMSGHDR: {
        /* struct mmsghdr: a user_msghdr, msg_len (u32), padding: 64 bytes each.  `size` of
         * them, at most `cap` (and VMST_MAX_MMSG); with elem_cap, each one's parts, message
         * k's at VMST_INDEX_MMSG_NAME(k) and VMST_INDEX_MMSG_IOV(k, j), its buffers at exit
         * as many bytes as its msg_len says it moved. */
        uint64_t count = capture_size(c, args, ret);
        count = count < c->cap ? count : c->cap;
        count = count < VMST_MAX_MMSG ? count : VMST_MAX_MMSG;
        if (abi != ABI_64) {
            break;
        }
        size_t hoff = v->out->len;
        uint32_t bytes = (uint32_t)count * MMSGHDR_BYTES;
        put_blob(v, c->arg, VMST_INDEX_TOP, flags, addr, bytes, bytes, false, budget);
        n = 1;
        const struct vmst_blob_hdr *h = (const void *)(v->out->data + hoff);
        uint32_t have = h->len / MMSGHDR_BYTES;
        if (c->elem_cap == 0 || have == 0) {
            break;
        }
        uint8_t *msgs = g_malloc((size_t)have * MMSGHDR_BYTES);
        memcpy(msgs, v->out->data + hoff + sizeof(*h), (size_t)have * MMSGHDR_BYTES);
        for (uint32_t k = 0; k < have; k++) {
            const uint8_t *m = msgs + (size_t)k * MMSGHDR_BYTES;
            uint32_t msg_len;
            memcpy(&msg_len, m + MSGHDR_BYTES, 4);
            n += put_msghdr_parts(v, c->arg, flags, m, (uint16_t)VMST_INDEX_MMSG_NAME(k),
                                  (uint16_t)VMST_INDEX_MMSG_IOV(k, 0),
                                  c->cap < VMST_MAX_MMSG_IOV ? c->cap : VMST_MAX_MMSG_IOV,
                                  c->elem_cap, at_exit ? msg_len : UINT64_MAX, budget);
        }
        g_free(msgs);
        break;
    }
    }
    (void)before;
    *faulted = v->fault_seen; /* any part: an array readable but a string in it not */
    return n;
}
