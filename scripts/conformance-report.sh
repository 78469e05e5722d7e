#!/usr/bin/env bash
# The per-workload conformance table of the real-software and strace-test suites on 1 and
# 4 vCPUs, plus the -y, -X raw and -s 24 runs, and every disagreement with both renderings
# in one listing file (default build/conformance.txt).  Exits 0 whatever the agreement:
# it reports; `make test` (tests/e2e/test_real_software.py) enforces the targets.
#   scripts/conformance-report.sh [LISTING]
set -uo pipefail
cd "$(dirname "$0")/.."
listing=${1:-build/conformance.txt}
mkdir -p "$(dirname "$listing")"
: >"$listing"
v=.venv/bin/vmstrace
for smp in 1 4; do
    "$v" conformance --suite real --suite strace-tests --smp "$smp" --show 0 --listing "$listing"
done
for opt in -y "-X raw" "-s 24"; do
    # shellcheck disable=SC2086  # $opt is one option and its value
    "$v" conformance real-coreutils real-tar $opt --show 0 --listing "$listing"
done
echo "listing: $listing"
