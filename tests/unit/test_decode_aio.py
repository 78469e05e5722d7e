"""The Linux AIO calls: each expected line is what strace 6.1 printed in the guest for the
same call (its aio and aio_pgetevents programs, `vmstrace conformance strace-aio`)."""

from __future__ import annotations

import struct

import pytest
from lines import line

from vmstrace.core.events import Mem

EVENTS = struct.pack("<QQqq", 0xFEEDFACE11111111, 0x7F0175B18F80, 4096, 0) + struct.pack(
    "<QQqq", 0xFEEDFACE22222222, 0x7F0175B18FC0, 8192, 0
)
IOCB = struct.pack("<QIIHhi", 0xDEADBEEFBADC0DED, 0, 0, 0, 99, -42) + bytes(40)
JUNK = 0xFACE1E55DEADBEEF, 0xCA7FACEDDEADF00D, 0xBA5E1E505CA571E0


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            ("io_setup", [0xDEADBEEF, 0], -14),
            "io_setup(3735928559, NULL) = -1 EFAULT (Bad address)",
        ),
        (
            ("io_setup", [0xDEADBEEF00000002, 0x7F0175AE3000], -14),
            "io_setup(2, 0x7f0175ae3000) = -1 EFAULT (Bad address)",
        ),
        (
            (
                "io_setup",
                [0xDEADBEEF00000002, 0x1000],
                0,
                None,
                {1: Mem(0x1000, struct.pack("<Q", 0x7F0175B28000))},
            ),
            "io_setup(2, [0x7f0175b28000]) = 0",
        ),
        (
            ("io_submit", [JUNK[0], JUNK[1], 0], -22),
            "io_submit(0xface1e55deadbeef, -3855172618362687475, NULL) = -1 EINVAL "
            "(Invalid argument)",
        ),
        (
            ("io_getevents", [*JUNK, 0x7F0175ADCFE0, 0], -22),
            "io_getevents(0xface1e55deadbeef, -3855172618362687475, -5017539604343590432, "
            "0x7f0175adcfe0, NULL) = -1 EINVAL (Invalid argument)",
        ),
        (
            (
                "io_getevents",
                [JUNK[0], 0, 0, 0, 0x2000],
                -22,
                {4: Mem(0x2000, struct.pack("<qQ", 0xDEADBEEF, 0xFACEFEED))},
            ),
            "io_getevents(0xface1e55deadbeef, 0, 0, NULL, {tv_sec=3735928559, "
            "tv_nsec=4207869677}) = -1 EINVAL (Invalid argument)",
        ),
        (
            (
                "io_getevents",
                [0x7F0175B28000, 2, 3, 0x5000, 0x6000],
                2,
                {4: Mem(0x6000, bytes(16))},
                {3: Mem(0x5000, EVENTS, fault=True)},
            ),
            "io_getevents(0x7f0175b28000, 2, 3, [{data=0xfeedface11111111, obj=0x7f0175b18f80, "
            "res=4096, res2=0}, {data=0xfeedface22222222, obj=0x7f0175b18fc0, res=8192, "
            "res2=0}], {tv_sec=0, tv_nsec=0}) = 2",
        ),
        (
            ("io_pgetevents", [*JUNK, 0x7F99605B1FE0, 0, 0], -22),
            "io_pgetevents(0xface1e55deadbeef, -3855172618362687475, -5017539604343590432, "
            "0x7f99605b1fe0, NULL, NULL) = -1 EINVAL (Invalid argument)",
        ),
        (
            ("io_cancel", [0x7F0175B28000, 0x3000, 0x7F0175ADCFC0], -22, {1: Mem(0x3000, IOCB)}),
            "io_cancel(0x7f0175b28000, {aio_data=0xdeadbeefbadc0ded, "
            "aio_lio_opcode=IOCB_CMD_PREAD, aio_reqprio=99, aio_fildes=-42}, 0x7f0175adcfc0) = "
            "-1 EINVAL (Invalid argument)",
        ),
        (
            ("io_cancel", [JUNK[0], 0, 0], -14),
            "io_cancel(0xface1e55deadbeef, NULL, NULL) = -1 EFAULT (Bad address)",
        ),
        (("io_destroy", [0x7F0175B28000], 0), "io_destroy(0x7f0175b28000) = 0"),
        (
            (
                "io_pgetevents",
                [*JUNK, 0, 0, 0x1000],
                -22,
                {5: Mem(0x1000, struct.pack("<QQ", 0x7FBBC8999000, 16045690984232431614))},
            ),
            "io_pgetevents(0xface1e55deadbeef, -3855172618362687475, -5017539604343590432, "
            "NULL, NULL, {sigmask=0x7fbbc8999000, sigsetsize=16045690984232431614}) = -1 "
            "EINVAL (Invalid argument)",
        ),
    ],
)
def test_aio_calls_print_as_strace(call, expected):
    assert line(*call) == expected
