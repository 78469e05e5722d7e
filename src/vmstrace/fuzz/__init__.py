"""Coverage-guided fuzz targets over the record reader, the pairing, the decoders and the
sinks: the stream and the guest memory in it are hostile input (docs/fuzzing.md).

``targets`` holds the targets (plain functions of bytes that raise on a broken
invariant, runnable without a fuzzer: the unit tests replay the saved corpus through
them); ``python -m vmstrace.fuzz`` runs them under atheris (libFuzzer).
"""
