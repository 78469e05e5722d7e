#!/bin/sh
# vmstrace guest: PID 1 of the default initramfs (busybox sh; applet symlinks are in the
# archive, so no `busybox --install` at boot).
#
# Protocol with the host (kernel cmdline `console=ttyS0 panic=-1 quiet`, QEMU -no-reboot):
#   ttyS0  console: kernel log and this script's own messages
#   ttyS1  the traced command's stdout      } raw mode, no echo, so bytes pass unchanged
#   ttyS2  the traced command's stderr      } (no \n -> \r\n)
#   ttyS3  control channel, one line per event (NONCE: the kernel command line's
#          vmstrace.nonce=, a per-run token; "-" without one):
#            VMSTRACE NONCE READY              before the command starts
#            VMSTRACE NONCE NOTFOUND <argv0>   written by vmstrace-exec when PATH has no argv0
#            VMSTRACE NONCE EXIT <status>      the command's exit status (128+N: signal N)
#          each after a newline, which ends whatever another process left unfinished there
#          (any guest process can write this line: the host takes the status from the
#          trace and only compares it with this one)
# then the guest powers off. The command runs through /vmstrace/bin/vmstrace-exec, which
# reads its argv from /vmstrace/cmd (the host's initramfs overlay); the tracer shows the
# command from the launcher's execve on.
#
# /tmp is the root filesystem's own directory (the initramfs rootfs is already a tmpfs), not
# a separate tmpfs mount, so files the host adds under /tmp stay visible.

export PATH=/vmstrace/bin:/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/ TERM=dumb

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
hostname -F /etc/hostname
# the network interface, when the run has one (src/vmstrace/guest/network.py)
if [ -f /vmstrace/net ]; then
    vmstrace-net || echo "vmstrace: the network interface is not configured"
fi

. /vmstrace/bin/vmstrace-command  # sourced: the command stays a child of this shell
poweroff -f
# Not reached; if poweroff failed, PID 1 exiting panics the kernel, and with panic=-1 and
# -no-reboot QEMU exits anyway.
