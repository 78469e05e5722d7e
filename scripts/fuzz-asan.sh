#!/usr/bin/env bash
# vmstrace's C extensions under AddressSanitizer and UndefinedBehaviorSanitizer, built with
# clang and libFuzzer's coverage hooks (docs/fuzzing.md):
#   scripts/fuzz-asan.sh                     replay every saved corpus (tests/fuzz/corpus/,
#                                            and build/fuzz/ from `make fuzz`)
#   scripts/fuzz-asan.sh replay TARGET PATH  replay inputs (files or directories)
#   scripts/fuzz-asan.sh fuzz TARGET SECONDS fuzz, guided by the coverage of the Python code
#                                            and of the C extensions; new inputs and crashes
#                                            in build/fuzz-asan/TARGET/
# The sanitizers and libFuzzer must be one preloaded library for the C coverage to reach
# libFuzzer (atheris' native_extension_fuzzing.md); atheris' wheel ships none, so it is
# linked here from clang's runtimes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || scripts/setup.sh
rt=/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux
if ! command -v clang-14 >/dev/null 2>&1 || [ ! -f "$rt/libclang_rt.fuzzer_no_main-x86_64.a" ]; then
    echo "fuzz-asan: installing clang-14 (Debian)"
    SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q clang-14 >/dev/null
fi
out=build/fuzz-asan
rm -rf "$out/vmstrace" "$out/objs" && mkdir -p "$out/objs/asan" "$out/objs/fuzzer"
cp -r src/vmstrace "$out/vmstrace"
find "$out/vmstrace" -name '*.so' -delete
(cd "$out/objs/asan" && ar x "$rt/libclang_rt.asan-x86_64.a" && rm -f asan_preinit.cpp.o)
(cd "$out/objs/fuzzer" && ar x "$rt/libclang_rt.fuzzer_no_main-x86_64.a")
clang++-14 -shared -o "$out/asan_with_fuzzer.so" "$out"/objs/asan/*.o "$out"/objs/fuzzer/*.o \
    -lpthread -ldl -lrt -lm -lstdc++
inc=$("$PY" -c "import sysconfig; print(sysconfig.get_paths()['include'])")
suffix=$("$PY" -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
for m in core/_abi capture/_records trace/_pairing sinks/_jsonl sinks/_text _decoder; do
    clang-14 -shared -fPIC -g -O1 -fno-omit-frame-pointer \
        -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined \
        -Wall -I"$inc" -Inative "src/vmstrace/$m.c" -o "$out/vmstrace/$m$suffix"
done
# (Python's own allocations at exit are not leaks to report; PYTHONMALLOC=malloc lets
# ASan see every object's memory)
export PYTHONPATH="$out" PYTHONMALLOC=malloc PYTHONHASHSEED=0 \
    ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1
preload="$out/asan_with_fuzzer.so"
mode=${1:-replay}
if [ "$mode" = fuzz ]; then
    target=$2 seconds=$3; shift 3
    mkdir -p "$out/$target"
    exec env LD_PRELOAD="$preload" "$PY" -m vmstrace.fuzz "$target" "$out/$target" \
        "tests/fuzz/corpus/$target" -max_total_time="$seconds" -timeout=30 -max_len=8192 \
        -artifact_prefix="$out/" -print_final_stats=1 "$@"
fi
[ "$mode" = replay ] && [ $# -ge 1 ] && shift
if [ $# -eq 0 ]; then
    for t in reader pipeline decoder; do
        set -- "$@" "$t" "tests/fuzz/corpus/$t"
        [ -d "build/fuzz/$t" ] && set -- "$@" "$t" "build/fuzz/$t"
    done
fi
status=0
while [ $# -ge 2 ]; do
    target=$1 dir=$2; shift 2
    echo "fuzz-asan: $target on $dir"
    env LD_PRELOAD="$preload" "$PY" -m vmstrace.fuzz.replay "$target" "$dir" || status=1
done
exit $status
