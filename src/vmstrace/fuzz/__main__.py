"""``python -m vmstrace.fuzz TARGET [libFuzzer options] [CORPUS_DIR ...]``: one fuzz target
under atheris (libFuzzer, guided by the coverage of vmstrace's Python code).

TARGET is one of vmstrace.fuzz.targets.TARGETS; the options are libFuzzer's own
(``-max_total_time=600``, ``-runs=N``, ``-seed=N``, ``-timeout=S``, ``-help=1``).  A crash
or a broken invariant stops the run, prints the traceback and writes the input to
``crash-<sha1>`` (``-artifact_prefix=DIR/`` puts it elsewhere): add it to
tests/fuzz/corpus/TARGET/ and fix the code (docs/fuzzing.md).
"""

from __future__ import annotations

import sys

TARGET_NAMES = ("reader", "pipeline", "decoder")


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in TARGET_NAMES:
        print(
            f"usage: python -m vmstrace.fuzz {{{','.join(TARGET_NAMES)}}} "
            "[libFuzzer options] [CORPUS_DIR ...]",
            file=sys.stderr,
        )
        return 2
    try:
        import atheris
    except ImportError:
        print(
            "vmstrace.fuzz needs atheris, in the test extra: run `make setup` "
            "(or `pip install -e '.[test]'`)",
            file=sys.stderr,
        )
        return 2
    with atheris.instrument_imports(include=["vmstrace"]):
        from vmstrace.fuzz.targets import TARGETS
    assert set(TARGETS) == set(TARGET_NAMES)
    # libFuzzer runs argv[0] again for -merge, -fork and -minimize_crash: the command
    # that runs this target (it joins it into a shell command line)
    again = f"{sys.executable} -m vmstrace.fuzz {argv[1]}"
    atheris.Setup([again, *argv[2:]], TARGETS[argv[1]])
    atheris.Fuzz()  # libFuzzer exits the process
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
