"""Constants of the calls on the kernel itself: modules, kexec, reboot, memfd_secret.

Sources: ``linux/module.h``, ``linux/kexec.h``, ``linux/reboot.h``, ``asm/fcntl.h`` (x86-64
O_* values).  Flag tables keep the order of strace 6.1's xlat/*.in (it decides the order
names print in).  (syslog's, swapon's and pkey_alloc's tables, which no UAPI header holds
whole, are in decode/kernel.py.)
"""

from __future__ import annotations

O_NONBLOCK, O_TRUNC, O_CLOEXEC = 0o4000, 0o1000, 0o2000000
DELETE_MODULE_FLAGS = ((O_NONBLOCK, "O_NONBLOCK"), (O_TRUNC, "O_TRUNC"))
MODULE_INIT_FLAGS = (
    (1, "MODULE_INIT_IGNORE_MODVERSIONS"),
    (2, "MODULE_INIT_IGNORE_VERMAGIC"),
    (4, "MODULE_INIT_COMPRESSED_FILE"),
)
MEMFD_SECRET_FLAGS = ((O_CLOEXEC, "O_CLOEXEC"),)

KEXEC_SEGMENT_MAX = 16
KEXEC_ARCH_MASK = 0xFFFF0000
KEXEC_ARCHES = {
    n << 16: "KEXEC_ARCH_" + name
    for n, name in (
        (0, "DEFAULT"), (3, "386"), (4, "68K"), (15, "PARISC"), (62, "X86_64"), (20, "PPC"),
        (21, "PPC64"), (50, "IA_64"), (40, "ARM"), (22, "S390"), (42, "SH"), (10, "MIPS_LE"),
        (8, "MIPS"), (183, "AARCH64"), (243, "RISCV"), (258, "LOONGARCH"),
    )
}  # fmt: skip
KEXEC_LOAD_FLAGS = ((1, "KEXEC_ON_CRASH"), (2, "KEXEC_PRESERVE_CONTEXT"))
KEXEC_FILE_LOAD_FLAGS = (
    (1, "KEXEC_FILE_UNLOAD"),
    (2, "KEXEC_FILE_ON_CRASH"),
    (4, "KEXEC_FILE_NO_INITRAMFS"),
)

REBOOT_MAGIC1 = {0xFEE1DEAD: "LINUX_REBOOT_MAGIC1"}
REBOOT_MAGIC2 = {
    672274793: "LINUX_REBOOT_MAGIC2",
    85072278: "LINUX_REBOOT_MAGIC2A",
    369367448: "LINUX_REBOOT_MAGIC2B",
    537993216: "LINUX_REBOOT_MAGIC2C",
}
REBOOT_CMD_RESTART2 = 0xA1B2C3D4
REBOOT_CMDS = {
    0x01234567: "LINUX_REBOOT_CMD_RESTART",
    0xCDEF0123: "LINUX_REBOOT_CMD_HALT",
    0x89ABCDEF: "LINUX_REBOOT_CMD_CAD_ON",
    0x00000000: "LINUX_REBOOT_CMD_CAD_OFF",
    0x4321FEDC: "LINUX_REBOOT_CMD_POWER_OFF",
    REBOOT_CMD_RESTART2: "LINUX_REBOOT_CMD_RESTART2",
    0xD000FCE2: "LINUX_REBOOT_CMD_SW_SUSPEND",
    0x45584543: "LINUX_REBOOT_CMD_KEXEC",
}
