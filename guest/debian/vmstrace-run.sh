#!/bin/sh
# vmstrace guest: the Debian guest's runner, started by systemd (vmstrace.service) once
# the system is up. It speaks guest/init.sh's protocol on the same serial lines: READY and
# EXIT on ttyS3, the command's stdout and stderr on ttyS1 and ttyS2, then powers off.

nonce=-
for word in $(cat /proc/cmdline); do
    case "$word" in vmstrace.nonce=?*) nonce=${word#vmstrace.nonce=} ;; esac
done

for n in 1 2 3; do
    stty -F /dev/ttyS$n raw -echo -opost || echo "vmstrace-run: stty ttyS$n failed"
done

printf '\nVMSTRACE %s READY\n' "$nonce" >/dev/ttyS3

if [ -f /vmstrace/cmd ]; then
    VMSTRACE_NONCE=$nonce /vmstrace/bin/vmstrace-exec </dev/null >/dev/ttyS1 2>/dev/ttyS2
    status=$?
else
    echo "vmstrace: /vmstrace/cmd is missing: the initramfs has no overlay with the command" \
        >/dev/ttyS2
    status=127
fi

printf '\nVMSTRACE %s EXIT %s\n' "$nonce" "$status" >/dev/ttyS3
sync
# The rootfs is memory: nothing to unmount or save, so no orderly shutdown, which under
# TCG would take seconds after the command has ended.
systemctl poweroff --force --force
