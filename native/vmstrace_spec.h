/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the capture spec (Python -> plugin, docs/event-format.md) and the plugin agree on
 * beyond the record layout: the ceilings the plugin enforces whatever the spec asks, and
 * the names of the `fdwalk` offsets.  Kept apart from vmstrace_plugin.h (which needs QEMU's
 * and glib's headers) so that the Python side's vmstrace.core._abi builds from it too:
 * Python reads these values from there instead of keeping copies.
 */
#ifndef VMSTRACE_SPEC_H
#define VMSTRACE_SPEC_H

/* The spec file's first line: its grammar's name and version. */
#define VMST_SPEC_HEADER "vmstrace-spec 1"

/* Hard ceilings: guest memory is hostile input. */
#define VMST_MAX_NR 1024                 /* syscall numbers the plugin has tables for */
#define VMST_MAX_BYTES (1u << 16)        /* bytes of one blob (a capture's cap) */
#define VMST_MAX_ELEMS 1024u             /* elements of one array capture */
#define VMST_MAX_RECORD_BLOBS (1u << 20) /* bytes of memory data in one record */
#define VMST_MAX_FDARR 2u /* fds an `fdarr` capture resolves: pipe2 and socketpair store two */
#define VMST_MAX_FDLIST 64u /* fds an entry `fdarr` or `fdbits` resolves (poll, select) */
#define VMST_MAX_FDBITS 1024u /* fds of a `fdbits` set looked at: FD_SETSIZE */

/*
 * The kinds of guest memory a `sys` line's capture reads, one row each: the plugin's enum
 * name (KIND_<NAME>) and the spec's word.  src/vmstrace/capture/spec.py says what each is.
 */
#define VMST_SPEC_KINDS(X)                                                                   \
    X(STR, str) X(BUF, buf) X(IOV, iov) X(STRARR, strarr) X(EXECSTACK, execstack)            \
    X(MSGHDR, msghdr) X(FD, fd) X(EXE, exe) X(FDARR, fdarr) X(FDBITS, fdbits)               \
    X(CMSGFDS, cmsgfds) X(MMSGHDR, mmsghdr)

/*
 * The offsets an `fd`/`exe` capture walks (spec line `fdwalk name=offset ...`), one row
 * each: the plugin's enum name (FDW_<NAME>, its index into the offsets) and the spec's key.
 * src/vmstrace/kernel/fdwalk.py says which struct member each key is the offset of.
 */
#define VMST_FDWALK_KEYS(X)                                                                  \
    X(FILES, files) X(FDT, fdt) X(MAX_FDS, max_fds) X(FD, fd) X(F_PATH, f_path)             \
    X(PATH_MNT, path_mnt) X(PATH_DENTRY, path_dentry) X(D_NAME, d_name)                      \
    X(QSTR_LEN, qstr_len) X(QSTR_NAME, qstr_name) X(D_PARENT, d_parent)                      \
    X(D_INODE, d_inode) X(I_INO, i_ino) X(I_MODE, i_mode) X(I_SB, i_sb) X(S_MAGIC, s_magic) \
    X(MNT_ROOT, mnt_root) X(MOUNT_MNT, mount_mnt) X(MNT_PARENT, mnt_parent)                  \
    X(MNT_MOUNTPOINT, mnt_mountpoint) X(MM, mm) X(EXE_FILE, exe_file)                        \
    X(PRIVATE_DATA, private_data) X(SOCKET_SK, socket_sk) X(SKC_FAMILY, skc_family)          \
    X(SKC_RCV_SADDR, skc_rcv_saddr) X(SKC_DADDR, skc_daddr) X(SKC_NUM, skc_num)              \
    X(SKC_DPORT, skc_dport) X(SK_PROTOCOL, sk_protocol) X(SK_TYPE, sk_type)                  \
    X(UNIX_ADDR, unix_addr) X(UNIX_ADDR_LEN, unix_addr_len)                                  \
    X(UNIX_ADDR_NAME, unix_addr_name) X(UNIX_PEER, unix_peer)                                \
    X(SKC_V6_DADDR, skc_v6_daddr) X(SKC_V6_RCV_SADDR, skc_v6_rcv_saddr) X(FS, fs)            \
    X(FS_PWD, fs_pwd) X(D_HASH_PPREV, d_hash_pprev) X(I_RDEV, i_rdev) X(D_FSDATA, d_fsdata)  \
    X(NS_OPS_NAME, ns_ops_name)

#endif
