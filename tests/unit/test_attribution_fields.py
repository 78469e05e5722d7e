"""Attribution fields (uid, euid, task_id, normalised CR3) and the shared-RAM guest setup
that lets the plugin read them under KPTI."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmstrace.core.events import TaskInfo
from vmstrace.guest.qemu import GuestConfig, qemu_command, ram_below_4g
from vmstrace.trace.attribution import TASK_BYTES, decode_task, normalize_cr3, task_id

TASK = 0xFFFF888003A40000


def test_task_bytes_decode_every_field() -> None:
    data = TASK_BYTES.pack(86, 85, b"worker\0" + b"\0" * 9, 123_456_789, 1, 4321, 0)
    assert decode_task(data, TASK, 0x2000, True) == TaskInfo(
        task=TASK,
        cr3=0x2000,
        pid=85,
        tid=86,
        ppid=1,
        comm="worker",
        uid=4321,
        euid=0,
        start_time=123_456_789,
    )


def test_unreadable_task_has_no_fields() -> None:
    assert decode_task(b"\0" * TASK_BYTES.size, TASK, 0x2000, False) == TaskInfo(TASK, 0x2000)


def test_task_id_is_start_time_and_tid() -> None:
    who = TaskInfo(task=TASK, cr3=0, pid=85, tid=86, start_time=5_000_000)
    assert task_id(who) == "5000000:86"
    assert task_id(TaskInfo(task=0, cr3=0)) is None


@pytest.mark.parametrize(
    ("cr3", "pgd"),
    [
        (0x1F9A2000, 0x1F9A2000),  # kernel PGD, PCID 0
        (0x1F9A3000, 0x1F9A2000),  # KPTI user PGD (kernel | 0x1000)
        (0x1F9A3805, 0x1F9A2000),  # with a PCID
        (0x8000_0000_1F9A3001, 0x1F9A2000),  # CR3 bit 63 (no-flush) is not an address bit
    ],
)
def test_cr3_normalised(cr3: int, pgd: int) -> None:
    assert normalize_cr3(cr3) == pgd


@pytest.mark.parametrize(
    ("mb", "low"),
    [(512, 512 << 20), (3583, 3583 << 20), (3584, 3 << 30), (8192, 3 << 30)],
)
def test_pc_machine_ram_split(mb: int, low: int) -> None:
    assert ram_below_4g(mb << 20) == low


def test_qemu_backs_ram_with_the_shared_file() -> None:
    cfg = GuestConfig(
        kernel=Path("/k"),
        initrd=Path("/i"),
        memory_mb=768,
        ram_file=Path("/dev/shm/vmstrace-x.ram"),
    )
    cmd = qemu_command("qemu", cfg, {"console": 3, "stdout": 4, "stderr": 5, "control": 6})
    i = cmd.index("-object")
    assert cmd[i : i + 4] == [
        "-object",
        "memory-backend-file,id=ram0,size=768M,mem-path=/dev/shm/vmstrace-x.ram,share=on",
        "-machine",
        "pc,memory-backend=ram0",
    ]
    assert cmd[cmd.index("-m") + 1] == "768"


def test_no_ram_file_no_backend() -> None:
    cfg = GuestConfig(kernel=Path("/k"), initrd=Path("/i"))
    cmd = qemu_command("qemu", cfg, {"console": 3, "stdout": 4, "stderr": 5, "control": 6})
    assert "-object" not in cmd and "-machine" not in cmd
