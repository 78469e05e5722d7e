# vmstrace: `make run` traces a demo workload in the default guest; `make test` runs the suite.
# Both install what is missing first (scripts/setup.sh) and are fast the second time.
VENV := .venv
PY := $(VENV)/bin/python
DEMO ?= /bin/sh -c 'cat /etc/hostname; ls /vmstrace/bin; echo hello > /tmp/greeting; cat /tmp/greeting; cat /nonexistent || echo "(that error was on purpose)"'

.PHONY: setup plugin guest run test unit lint bench fuzz clean

setup:
	@scripts/setup.sh

# The plugin as development builds it (-Werror), into build/; vmstrace itself builds its
# own into the cache on first use (src/vmstrace/capture/plugin.py).
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

# Each fuzz target (reader, pipeline, decoder) for FUZZ_SECONDS under atheris, from the
# saved corpus; new inputs and any crash land in build/fuzz/ (docs/fuzzing.md).
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= reader pipeline decoder
fuzz: setup
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p build/fuzz/$$t && echo "fuzz: $$t for $(FUZZ_SECONDS) s" && \
	    PYTHONHASHSEED=0 $(PY) -m vmstrace.fuzz $$t build/fuzz/$$t tests/fuzz/corpus/$$t \
	        -max_total_time=$(FUZZ_SECONDS) -timeout=30 -max_len=8192 \
	        -artifact_prefix=build/fuzz/ -print_final_stats=1 || exit 1; \
	done

lint: setup
	$(VENV)/bin/ruff check src tests scripts setup.py
	$(VENV)/bin/ruff format --check src tests scripts setup.py
	$(VENV)/bin/mypy

clean:
	rm -rf build
