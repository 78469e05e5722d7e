#!/bin/sh
# vmstrace guest: the traced command's run, the same in every guest once the system is up
# (the default guest's /init, guest/init.sh; the Debian guest's vmstrace.service): READY
# and EXIT with the run's nonce on the control line ttyS3 (guest/init.sh has the protocol),
# the command through the launcher with its stdout and stderr on ttyS1 and ttyS2.  The
# caller sources it (so that the command stays its child: PID 1's, in the default guest)
# and powers the guest off afterwards.

nonce=-
for word in $(cat /proc/cmdline); do
    case "$word" in vmstrace.nonce=?*) nonce=${word#vmstrace.nonce=} ;; esac
done

# Serial termios survive close (the serial core keeps them per port), so setting them once
# here also covers the later opens by the redirections.
for n in 1 2 3; do
    stty -F /dev/ttyS$n raw -echo -opost || echo "vmstrace: stty ttyS$n failed"
done

# Each write opens and closes the port: the last close waits until the UART has sent
# everything, so nothing is lost at power-off.
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
