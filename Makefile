# vmstrace: `make run` traces a demo workload in the default guest; `make test` runs the suite.
# Both install what is missing first (scripts/setup.sh) and are fast the second time.
VENV := .venv
PY := $(VENV)/bin/python
DEMO ?= /bin/sh -c 'cat /etc/hostname; ls /vmstrace/bin; echo hello > /tmp/greeting; cat /tmp/greeting; cat /nonexistent || echo "(that error was on purpose)"'

.PHONY: setup plugin guest run test unit lint bench clean

setup:
	@scripts/setup.sh

plugin: setup
	@$(MAKE) -s -C native

guest: setup plugin
	@$(VENV)/bin/vmstrace prepare
	@$(VENV)/bin/vmstrace prepare --line 6.12 >/dev/null

run: guest
	$(VENV)/bin/vmstrace run -- $(DEMO)

test: guest
	$(VENV)/bin/pytest -q

unit: setup
	$(VENV)/bin/pytest -q tests/unit

# Tracing cost: each workload untraced, under vmstrace and under strace (in the guest);
# BENCH_ARGS e.g. "--repeat 5 --workload syscalls". Results also in build/bench.json.
bench: guest
	@mkdir -p build
	$(VENV)/bin/vmstrace bench $(BENCH_ARGS) --json build/bench.json
	$(VENV)/bin/vmstrace bench --workload syscalls --record build/bench-syscalls.rec
	$(VENV)/bin/vmstrace bench --decode build/bench-syscalls.rec

lint: setup
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy

clean:
	rm -rf build
