#!/bin/sh
# vmstrace guest: the Debian guest's runner, started by systemd (vmstrace.service) once
# the system is up: the command's run as in every guest (guest/vmstrace-command.sh), then
# power-off.

. /vmstrace/bin/vmstrace-command  # sourced: the command stays a child of this shell
# The rootfs is memory: nothing to unmount or save, so no orderly shutdown, which under
# TCG would take seconds after the command has ended.
systemctl poweroff --force --force
