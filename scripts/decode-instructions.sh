#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# decode-instructions.sh RECORDING...: the consumer's instructions per call to JSON lines
# (reader, pairing, decoding, the line; `vmstrace bench --workload W --record FILE` makes a
# recording), counted by valgrind's callgrind as the difference between decoding the
# recording three times and once, so that start-up cancels.
#
# On a shared host one decode's time spreads by 5-40% from run to run; the count of
# instructions does not (within ~0.3% with PYTHONHASHSEED fixed, as here).  Compare two
# versions of the code with it, then confirm with `vmstrace bench --decode`: fewer
# instructions are not always less time (cache misses, branches).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$here/.venv/bin/python}
command -v valgrind >/dev/null || {
    echo "decode-instructions.sh: valgrind is missing (apt-get install valgrind)" >&2
    exit 1
}
[ $# -gt 0 ] || { echo "usage: $0 RECORDING..." >&2; exit 2; }

decode='
import os, sys
from vmstrace.bench import _Recording  # (the recording as the ring hands it: one copy)
from vmstrace.pipeline import Pipeline
from vmstrace.sinks.jsonl import JsonSink
data = open(sys.argv[1], "rb").read()
for _ in range(int(sys.argv[2])):
    with open(os.devnull, "w") as out:
        pipeline = Pipeline([JsonSink(out)])
        pipeline.consume(_Recording(data))
        pipeline.drain()
c = pipeline.counts()
print("calls", c.paired + c.unfinished + c.no_return)
'
count() { # RECORDING RUNS -> "<instructions> <calls>"
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$python" -c "$decode" "$1" "$2" 2>&1 |
        awk '/Collected/ {ir = $NF} /^calls/ {calls = $2} END {print ir, calls}'
}
for rec in "$@"; do
    [ -r "$rec" ] || { echo "decode-instructions.sh: cannot read $rec" >&2; exit 1; }
    read -r one _ < <(count "$rec" 1)
    read -r three calls < <(count "$rec" 3)
    echo "$(basename "$rec"): $(((three - one) / 2 / calls)) instructions a call ($calls calls)"
done
