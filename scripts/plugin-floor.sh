#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# plugin-floor.sh [REPEAT [SCALE]]: what the syscall loop costs under QEMU's plugin API
# before any capture work, against the untraced guest and vmstrace's own plugin (records
# to /dev/null, no consumer).  Builds scripts/floor-plugin.c twice (no register read; the
# nine a call needs at the least) and runs `vmstrace bench --workload syscalls` in turn
# with each, REPEAT times (default 7) at --scale SCALE (default 2), the order the same
# on every round so that drift on a busy host falls on all of them; prints each one's
# median and its ratio to the untraced guest's.
#
# plugin-floor.sh --build DIR: only builds the two plugins, DIR/floor-0-0.so and
# DIR/floor-6-3.so (tests/unit/test_floor_plugin.py).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

build_floor() { # DIR
    for reads in "0 0" "6 3"; do
        set -- "$1" $reads
        gcc -O2 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -I"$here/native" \
            $(pkg-config --cflags glib-2.0) -DREADS_ENTRY="$2" -DREADS_EXIT="$3" \
            -o "$1/floor-$2-$3.so" "$here/scripts/floor-plugin.c" $(pkg-config --libs glib-2.0)
    done
}

if [ "${1:-}" = --build ]; then
    [ -d "${2:-}" ] || { echo "usage: $0 --build DIR" >&2; exit 2; }
    build_floor "$2"
    exit 0
fi
vmstrace=${VMSTRACE:-$here/.venv/bin/vmstrace}
repeat=${1:-7}
scale=${2:-2}
[ -x "$vmstrace" ] || { echo "plugin-floor.sh: no $vmstrace (run make setup)" >&2; exit 1; }
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
build_floor "$build"
# name, bench mode, plugin (empty: vmstrace's own)
variants=(
    "untraced untraced -"
    "trap-only plugin-bare $build/floor-0-0.so"
    "nine-reads plugin-bare $build/floor-6-3.so"
    "vmstrace-plugin plugin-spec -"
)
for ((round = 1; round <= repeat; round++)); do
    for v in "${variants[@]}"; do
        set -- $v
        if [ "$3" = - ]; then unset VMSTRACE_PLUGIN; else export VMSTRACE_PLUGIN=$3; fi
        if ! "$vmstrace" bench --workload syscalls --mode "$2" --repeat 1 --scale "$scale" \
            --json "$build/run.json" >"$build/bench.log" 2>&1; then
            echo "plugin-floor.sh: the $1 run failed (VMSTRACE_PLUGIN=${VMSTRACE_PLUGIN:-}):" >&2
            tail -5 "$build/bench.log" >&2
            exit 1
        fi
        s=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["median_s"])' \
            "$build/run.json")
        echo "$1 $s" >>"$build/times"
        echo "round $round/$repeat: $1 $s s" >&2
    done
done
python3 - "$build/times" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, s = line.split()
    runs.setdefault(name, []).append(float(s))
base = statistics.median(runs["untraced"])
for name, times in runs.items():
    m = statistics.median(times)
    print(f"{name:16} median {m:.3f} s  {m / base:.2f}x  (runs {min(times):.3f}-{max(times):.3f})")
EOF
