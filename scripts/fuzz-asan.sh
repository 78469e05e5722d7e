#!/usr/bin/env bash
# Replays fuzz corpora through vmstrace's C extensions built with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang), to catch memory errors the Python-level checks
# cannot see.  Usage: scripts/fuzz-asan.sh [TARGET CORPUS_DIR ...]; by default every target
# on its saved corpus (tests/fuzz/corpus/) and on what `make fuzz` found (build/fuzz/).
# The coverage that guides the fuzzer is Python's (make fuzz); this only replays.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || scripts/setup.sh
if ! command -v clang-14 >/dev/null 2>&1; then
    echo "fuzz-asan: installing clang-14 (Debian)"
    SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q clang-14 >/dev/null
fi
out=build/fuzz-asan
rm -rf "$out" && mkdir -p "$out"
cp -r src/vmstrace "$out/vmstrace"
find "$out" -name '*.so' -delete
inc=$("$PY" -c "import sysconfig; print(sysconfig.get_paths()['include'])")
suffix=$("$PY" -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
for m in capture/_records trace/_pairing sinks/_jsonl _decoder; do
    clang-14 -shared -fPIC -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
        -fno-sanitize-recover=undefined -Wall -I"$inc" -Inative \
        "src/vmstrace/$m.c" -o "$out/vmstrace/$m$suffix"
done
asan=$(clang-14 -print-file-name=libclang_rt.asan-x86_64.so)
if [ $# -eq 0 ]; then
    set --
    for t in reader pipeline decoder; do
        set -- "$@" "$t" "tests/fuzz/corpus/$t"
        [ -d "build/fuzz/$t" ] && set -- "$@" "$t" "build/fuzz/$t"
    done
fi
while [ $# -ge 2 ]; do
    target=$1 dir=$2; shift 2
    echo "fuzz-asan: $target on $dir ($(ls "$dir" | wc -l) inputs)"
    # (Python's own allocations are not leaks to report; the interpreter's malloc is
    # replaced so ASan sees every object's memory)
    PYTHONPATH="$out" PYTHONMALLOC=malloc PYTHONHASHSEED=0 \
        ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        LD_PRELOAD="$asan" "$PY" -m vmstrace.fuzz.replay "$target" "$dir"
done
