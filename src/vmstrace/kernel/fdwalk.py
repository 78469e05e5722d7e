"""Offsets for resolving a file descriptor to what it refers to (strace's `-y`), and for
the executable of a process.

The plugin follows, in the calling task: task->files->fdt->fd[n] (a struct file), then
file->f_path.{mnt,dentry}, the dentry's inode (number, mode, superblock magic) and the
dentry names up to the root, crossing mounts through struct mount (container of the
vfsmount). AT_FDCWD resolves to the working directory, task->fs->pwd, walked the same
way. Every offset comes from the guest kernel's type information, BTF or ISF
(kernel/types.py; include/linux/fdtable.h, fs.h, dcache.h, path.h, fs/mount.h); the walk
is the same on 6.1 and 6.12.
"""

from __future__ import annotations

from vmstrace.core.abi import FDWALK_KEYS
from vmstrace.kernel.errors import LayoutError, TypeLookupError
from vmstrace.kernel.types import KernelTypes

# name in the spec line -> (struct, member path); the names are the plugin's
# (FDWALK_KEYS, native/vmstrace_spec.h), which the spec line sends in its order
FIELDS: dict[str, tuple[str, str]] = {
    "files": ("task_struct", "files"),
    "fdt": ("files_struct", "fdt"),
    "max_fds": ("fdtable", "max_fds"),
    "fd": ("fdtable", "fd"),
    "f_path": ("file", "f_path"),
    "path_mnt": ("path", "mnt"),
    "path_dentry": ("path", "dentry"),
    "d_name": ("dentry", "d_name"),
    "qstr_len": ("qstr", "len"),
    "qstr_name": ("qstr", "name"),
    "d_parent": ("dentry", "d_parent"),
    "d_inode": ("dentry", "d_inode"),
    "i_ino": ("inode", "i_ino"),
    "i_mode": ("inode", "i_mode"),
    "i_sb": ("inode", "i_sb"),
    "s_magic": ("super_block", "s_magic"),
    "mnt_root": ("vfsmount", "mnt_root"),
    "mount_mnt": ("mount", "mnt"),
    "mnt_parent": ("mount", "mnt_parent"),
    "mnt_mountpoint": ("mount", "mnt_mountpoint"),
    # the executable: task->mm->exe_file (include/linux/mm_types.h)
    "mm": ("task_struct", "mm"),
    "exe_file": ("mm_struct", "exe_file"),
    # sockets: file->private_data is the struct socket (include/linux/net.h); its sk is a
    # struct sock (include/net/sock.h) that starts with struct sock_common, and for AF_UNIX
    # is a struct unix_sock (include/net/af_unix.h)
    "private_data": ("file", "private_data"),
    "socket_sk": ("socket", "sk"),
    "skc_family": ("sock", "__sk_common.skc_family"),
    "skc_rcv_saddr": ("sock", "__sk_common.skc_rcv_saddr"),
    "skc_daddr": ("sock", "__sk_common.skc_daddr"),
    "skc_num": ("sock", "__sk_common.skc_num"),
    "skc_dport": ("sock", "__sk_common.skc_dport"),
    "sk_protocol": ("sock", "sk_protocol"),
    "sk_type": ("sock", "sk_type"),
    "unix_addr": ("unix_sock", "addr"),
    "unix_addr_len": ("unix_address", "len"),
    "unix_addr_name": ("unix_address", "name"),
    "unix_peer": ("unix_sock", "peer"),
    "skc_v6_daddr": ("sock", "__sk_common.skc_v6_daddr"),
    "skc_v6_rcv_saddr": ("sock", "__sk_common.skc_v6_rcv_saddr"),
    # AT_FDCWD: the working directory, task->fs->pwd, a struct path
    # (include/linux/fs_struct.h)
    "fs": ("task_struct", "fs"),
    "fs_pwd": ("fs_struct", "pwd"),
    # an unlinked dentry is unhashed: d_hash.pprev NULL (d_unlinked, include/linux/dcache.h)
    "d_hash_pprev": ("dentry", "d_hash.pprev"),
    # a device file's number, for -yy (include/linux/fs.h; MAJOR/MINOR: kdev_t.h)
    "i_rdev": ("inode", "i_rdev"),
    # a namespace file's name (nsfs's ns_dname, fs/nsfs.c: "net:[4026531840]"): its
    # dentry's d_fsdata is the namespace type's operations, whose name says the type
    "d_fsdata": ("dentry", "d_fsdata"),
    "ns_ops_name": ("proc_ns_operations", "name"),
}


def fdwalk_from(types: KernelTypes) -> dict[str, int]:
    """The offsets, by spec name; LayoutError names the first one the types lack."""
    out: dict[str, int] = {}
    for key in FDWALK_KEYS:
        struct, member = FIELDS[key]
        try:
            out[key] = types.member(struct, member).offset
        except TypeLookupError as e:
            raise LayoutError(f"cannot locate {struct}.{member} for -y: {e}") from e
    return out


def render_fdwalk(offsets: dict[str, int]) -> str:
    """The spec line the plugin reads (`fdwalk key=offset ...`)."""
    return "fdwalk " + " ".join(f"{k}={offsets[k]:#x}" for k in FDWALK_KEYS)
